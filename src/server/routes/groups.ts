import { z } from "zod";
import { groupCounts, removeGroup } from "../../contacts/config-contact-data.js";
import { SlugKey } from "../../contacts/config-keys.js";
import { Ok, ProjectParams } from "../schemas.js";
import { ADMIN, changeConfig, configOf, KeyParams, mustFind, refuseDuplicate, TAGS } from "./config-shared.js";
import { routes } from "./route-plugin.js";

const Group = z.object({ key: z.string(), members: z.number().int() });

/** Groups: named sets of contacts (memberships live on the contacts). */
export default routes(async (app) => {
  app.get("/projects/:projectId/groups", {
    schema: {
      tags: TAGS, summary: "The project's groups, with how many contacts are members", params: ProjectParams,
      response: { 200: z.object({ groups: z.array(Group) }) },
    },
  }, async (request) => {
    const { projectId } = request.params;
    const config = await configOf(app, projectId);
    const counts = await groupCounts(app.relais.store, projectId);
    return { groups: config.groups.map((g) => ({ key: g.key, members: counts.get(g.key) ?? 0 })) };
  });

  app.post("/projects/:projectId/groups", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Add a group", params: ProjectParams,
      body: z.strictObject({ key: SlugKey }), response: { 201: Group },
    },
  }, async (request, reply) => {
    const { key } = request.body;
    await changeConfig(app, request.params.projectId, `add group ${key}`, (c) => {
      refuseDuplicate(c.groups, key, "group");
      return { ...c, groups: [...c.groups, { key }] };
    });
    reply.code(201);
    return { key, members: 0 };
  });

  app.delete("/projects/:projectId/groups/:key", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Delete a group and every membership in it (refused while a live campaign uses it)",
      params: KeyParams, response: { 200: Ok },
    },
  }, async (request) => {
    const { projectId, key } = request.params;
    await changeConfig(app, projectId, `delete group ${key}`, (c) => {
      mustFind(c.groups, key, "group");
      return { ...c, groups: c.groups.filter((g) => g.key !== key) };
    }, () => removeGroup(app.relais.store, projectId, key));
    return { ok: true as const };
  });
});
