import { z } from "zod";
import { removeContactKey } from "../../contacts/config-contact-data.js";
import { SlugKey } from "../../contacts/config-keys.js";
import { CHANNELS } from "../../model/index.js";
import { Ok, ProjectParams } from "../schemas.js";
import { ADMIN, changeConfig, configOf, KeyParams, mustFind, refuseDuplicate, TAGS } from "./config-shared.js";
import { routes } from "./route-plugin.js";

const CommunicationType = z.object({ key: z.string(), channel: z.enum(CHANNELS), administrative: z.boolean() });

/** Communication types: what contacts subscribe to, each on one channel; administrative ones ignore consent. */
export default routes(async (app) => {
  app.get("/projects/:projectId/communication-types", {
    schema: {
      tags: TAGS, summary: "The project's communication types", params: ProjectParams,
      response: { 200: z.object({ communicationTypes: z.array(CommunicationType) }) },
    },
  }, async (request) => ({
    communicationTypes: (await configOf(app, request.params.projectId)).communicationTypes
      .map((t) => ({ key: t.key, channel: t.channel, administrative: t.administrative ?? false })),
  }));

  app.post("/projects/:projectId/communication-types", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Add a communication type",
      params: ProjectParams,
      body: z.strictObject({ key: SlugKey, channel: z.enum(CHANNELS), administrative: z.boolean().default(false) }),
      response: { 201: CommunicationType },
    },
  }, async (request, reply) => {
    const { key, channel, administrative } = request.body;
    await changeConfig(app, request.params.projectId, `add communication type ${key}`, (c) => {
      refuseDuplicate(c.communicationTypes, key, "communication type");
      return { ...c, communicationTypes: [...c.communicationTypes, { key, channel, ...(administrative ? { administrative } : {}) }] };
    });
    reply.code(201);
    return { key, channel, administrative };
  });

  app.delete("/projects/:projectId/communication-types/:key", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Delete a communication type and the contacts' subscriptions to it (their consent history is kept)",
      params: KeyParams, response: { 200: Ok },
    },
  }, async (request) => {
    const { projectId, key } = request.params;
    await changeConfig(app, projectId, `delete communication type ${key}`, (c) => {
      mustFind(c.communicationTypes, key, "communication type");
      return { ...c, communicationTypes: c.communicationTypes.filter((t) => t.key !== key) };
    }, () => removeContactKey(app.relais.store, projectId, "subscriptions", key));
    return { ok: true as const };
  });
});
