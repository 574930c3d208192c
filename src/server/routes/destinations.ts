import { z } from "zod";
import {
  authSecret, authTypeOf, DESTINATION_SCOPE, destinationDef, DestinationOut, destinationOut, DestinationUpdate, NewDestination,
} from "../../contacts/config-destinations.js";
import { badRequest } from "../errors.js";
import { Ok, ProjectParams } from "../schemas.js";
import { deleteSecret, getSecret, hasSecret, putSecret } from "../secrets.js";
import { testDestination } from "../../exports/sftp.js";
import { ADMIN, changeConfig, configOf, KeyParams, mustFind, refuseDuplicate, TAGS } from "./config-shared.js";
import { routes } from "./route-plugin.js";

/**
 * SFTP destinations of exported files. Settings go to the configuration; the password or
 * private key is encrypted at rest (`secrets.ts`) and no response ever carries it back.
 */
export default routes(async (app) => {
  const { db, store, secret } = app.relais;
  const out = async (projectId: string, d: Parameters<typeof destinationOut>[0]) =>
    destinationOut(d, await hasSecret(db, projectId, DESTINATION_SCOPE, d.key));

  app.get("/projects/:projectId/destinations", {
    schema: {
      tags: TAGS, summary: "The project's SFTP destinations (never their credentials)", params: ProjectParams,
      response: { 200: z.object({ destinations: z.array(DestinationOut) }) },
    },
  }, async (request) => {
    const { projectId } = request.params;
    const config = await configOf(app, projectId);
    return { destinations: await Promise.all(config.destinations.map((d) => out(projectId, d))) };
  });

  app.get("/projects/:projectId/destinations/:key", {
    schema: { tags: TAGS, summary: "An SFTP destination (never its credentials)", params: KeyParams, response: { 200: DestinationOut } },
  }, async (request) => {
    const { projectId, key } = request.params;
    return out(projectId, mustFind((await configOf(app, projectId)).destinations, key, "destination"));
  });

  app.post("/projects/:projectId/destinations", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Add an SFTP destination: its server's host key fingerprint is pinned",
      params: ProjectParams, body: NewDestination, response: { 201: DestinationOut },
    },
  }, async (request, reply) => {
    const { projectId } = request.params;
    const { key, auth, ...settings } = request.body;
    const def = destinationDef(key, settings, authTypeOf(auth));
    await changeConfig(app, projectId, `add destination ${key}`, (c) => {
      refuseDuplicate(c.destinations, key, "destination");
      return { ...c, destinations: [...c.destinations, def] };
    }, () => putSecret(db, projectId, DESTINATION_SCOPE, key, authSecret(auth), secret));
    reply.code(201);
    return destinationOut(def, true);
  });

  app.put("/projects/:projectId/destinations/:key", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Replace an SFTP destination's settings; credentials only when `auth` is given (absent: kept)",
      params: KeyParams, body: DestinationUpdate, response: { 200: DestinationOut },
    },
  }, async (request) => {
    const { projectId, key } = request.params;
    const { auth, ...settings } = request.body;
    const next = await store.transaction(async () => {
      const had = await hasSecret(db, projectId, DESTINATION_SCOPE, key);
      return changeConfig(app, projectId, `change destination ${key}`, (c) => {
        const old = mustFind(c.destinations, key, "destination");
        if (!auth && !had) throw badRequest(`destination ${key} has no stored credentials: give auth`, [{ path: "body.auth", message: "required: no password or private key is stored yet" }]);
        const def = destinationDef(key, settings, auth ? authTypeOf(auth) : old.authType);
        return { ...c, destinations: c.destinations.map((d) => (d.key === key ? def : d)) };
      }, async () => {
        if (auth) await putSecret(db, projectId, DESTINATION_SCOPE, key, authSecret(auth), secret);
      });
    });
    return destinationOut(mustFind(next.destinations, key, "destination"), true);
  });

  app.post("/projects/:projectId/destinations/:key/test", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Connect to an SFTP destination, check its host key and that its folder is writable (writes and removes a probe file)",
      params: KeyParams,
      response: { 200: z.object({
        ok: z.boolean(), error: z.string().optional(),
        code: z.enum(["hostKeyMismatch", "authFailed", "permissionDenied", "unreachable", "noSuchFolder", "connectionLost", "sftpError", "noCredentials"]).optional(),
        fingerprint: z.string().optional(),
      }) },
    },
  }, async (request) => {
    const { projectId, key } = request.params;
    const d = mustFind((await configOf(app, projectId)).destinations, key, "destination");
    const stored = await getSecret(db, projectId, DESTINATION_SCOPE, key, secret);
    if (!stored || !d.host || !d.username || !d.hostKey) return { ok: false, code: "noCredentials" as const, error: `destination ${key} has no host, username, host key or stored credentials` };
    return testDestination({ host: d.host, port: d.port ?? 22, username: d.username, directory: d.directory ?? "/", hostKey: d.hostKey, auth: JSON.parse(stored) as { password?: string } });
  });

  app.delete("/projects/:projectId/destinations/:key", {
    config: ADMIN,
    schema: { tags: TAGS, summary: "Delete an SFTP destination and its credentials (refused while a live campaign uses it)", params: KeyParams, response: { 200: Ok } },
  }, async (request) => {
    const { projectId, key } = request.params;
    await changeConfig(app, projectId, `delete destination ${key}`, (c) => {
      mustFind(c.destinations, key, "destination");
      return { ...c, destinations: c.destinations.filter((d) => d.key !== key) };
    }, () => deleteSecret(db, projectId, DESTINATION_SCOPE, key));
    return { ok: true as const };
  });
});
