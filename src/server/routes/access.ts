import { z } from "zod";
import { badRequest, conflict, notFound } from "../errors.js";
import { Ok, ProjectParams, Role } from "../schemas.js";
import { routes } from "./route-plugin.js";

const KeyOut = z.object({
  id: z.string(), projectId: z.string(), name: z.string(), prefix: z.string(), role: Role,
  createdAt: z.number(), lastUsedAt: z.number().nullable(), revokedAt: z.number().nullable(),
});
const UserOut = z.object({ id: z.string(), email: z.string(), name: z.string(), isAdmin: z.boolean(), lang: z.string() });

/** Who may act on a project: API keys (hashed, shown once), members and their roles; users of the instance. */
export default routes(async (app) => {
  app.get("/projects/:projectId/api-keys", {
    config: { auth: { permission: "admin" } },
    schema: { tags: ["access"], summary: "The project's API keys (never the keys themselves)", params: ProjectParams, response: { 200: z.object({ apiKeys: z.array(KeyOut) }) } },
  }, async (request) => ({ apiKeys: await app.relais.accounts.listApiKeys(request.params.projectId) }));

  app.post("/projects/:projectId/api-keys", {
    config: { auth: { permission: "admin" } },
    schema: {
      tags: ["access"], summary: "Create an API key; the key is in this response only",
      params: ProjectParams, body: z.strictObject({ name: z.string().min(1).max(200), role: Role.default("editor") }),
      response: { 201: KeyOut.extend({ key: z.string() }) },
    },
  }, async (request, reply) => {
    const { key, info } = await app.relais.store.transaction(() =>
      app.relais.accounts.createApiKey(request.params.projectId, request.body.name, request.body.role, app.relais.clock.now()));
    reply.code(201);
    return { ...info, key };
  });

  app.delete("/projects/:projectId/api-keys/:keyId", {
    config: { auth: { permission: "admin" } },
    schema: { tags: ["access"], summary: "Revoke an API key", params: ProjectParams.extend({ keyId: z.string().max(100) }), response: { 200: Ok } },
  }, async (request) => {
    const done = await app.relais.store.transaction(() =>
      app.relais.accounts.revokeApiKey(request.params.projectId, request.params.keyId, app.relais.clock.now()));
    if (!done) throw notFound("API key");
    return { ok: true as const };
  });

  app.get("/projects/:projectId/members", {
    config: { auth: { permission: "admin" } },
    schema: { tags: ["access"], summary: "The project's members and roles", params: ProjectParams, response: { 200: z.object({ members: z.array(z.object({ user: UserOut, role: Role })) }) } },
  }, async (request) => ({ members: await app.relais.accounts.projectMembers(request.params.projectId) }));

  app.put("/projects/:projectId/members", {
    config: { auth: { permission: "admin" } },
    schema: {
      tags: ["access"], summary: "Give an existing user a role on the project",
      params: ProjectParams, body: z.strictObject({ email: z.email(), role: Role }), response: { 200: Ok },
    },
  }, async (request) => {
    const { accounts, store } = app.relais;
    const user = await accounts.userByEmail(request.body.email);
    if (!user) throw badRequest(`no user with email ${request.body.email}`, [{ path: "body.email", message: "unknown user" }]);
    await store.transaction(() => accounts.setMembership(user.id, request.params.projectId, request.body.role));
    return { ok: true as const };
  });

  app.delete("/projects/:projectId/members/:userId", {
    config: { auth: { permission: "admin" } },
    schema: { tags: ["access"], summary: "Remove a member from the project", params: ProjectParams.extend({ userId: z.string().max(100) }), response: { 200: Ok } },
  }, async (request) => {
    await app.relais.store.transaction(() => app.relais.accounts.removeMembership(request.params.userId, request.params.projectId));
    return { ok: true as const };
  });

  app.get("/users", {
    config: { auth: { instanceAdmin: true } },
    schema: { tags: ["access"], summary: "Every user of the instance (instance administrators)", response: { 200: z.object({ users: z.array(UserOut) }) } },
  }, async () => ({ users: await app.relais.accounts.listUsers() }));

  app.post("/users", {
    config: { auth: { instanceAdmin: true } },
    schema: {
      tags: ["access"], summary: "Create a user (instance administrators)",
      body: z.strictObject({
        email: z.email(), password: z.string().min(10, "at least 10 characters").max(1000), name: z.string().max(200).optional(),
        isAdmin: z.boolean().default(false), lang: z.enum(["fr", "en"]).default("fr"),
      }),
      response: { 201: UserOut },
    },
  }, async (request, reply) => {
    const { accounts, store, clock } = app.relais;
    const user = await store.transaction(async () => {
      if (await accounts.userByEmail(request.body.email)) throw conflict(`a user with email ${request.body.email} exists`);
      return accounts.createUser(request.body, clock.now());
    });
    reply.code(201);
    return user;
  });
});
