import { z } from "zod";
import { SESSION_MS } from "../../store/directory/accounts.js";
import { SESSION_COOKIE } from "../auth.js";
import { ApiError } from "../errors.js";
import { routes } from "./route-plugin.js";

const UserOut = z.object({ id: z.string(), email: z.string(), name: z.string(), isAdmin: z.boolean(), lang: z.string() });

/** Sessions for people (the editor): log in with email and password, log out, who am I. */
export default routes(async (app) => {
  app.post("/auth/login", {
    config: { auth: { public: true } },
    schema: {
      tags: ["auth"], summary: "Log in; sets the session cookie",
      body: z.strictObject({ email: z.string().min(1).max(320), password: z.string().min(1).max(1000) }),
      response: { 200: z.object({ user: UserOut }) },
    },
  }, async (request, reply) => {
    const { accounts, clock } = app.relais;
    const user = await accounts.verifyPassword(request.body.email, request.body.password);
    if (!user) throw new ApiError(401, "invalid_credentials", "wrong email or password");
    const token = await accounts.createSession(user.id, clock.now());
    reply.setCookie(SESSION_COOKIE, token, { path: "/", httpOnly: true, sameSite: "lax", maxAge: SESSION_MS / 1000, secure: request.protocol === "https" });
    return { user };
  });

  app.post("/auth/logout", {
    config: { auth: { public: true } },
    schema: { tags: ["auth"], summary: "Log out: ends the session", response: { 200: z.object({ ok: z.literal(true) }) } },
  }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await app.relais.accounts.endSession(token);
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
    return { ok: true as const };
  });

  app.get("/auth/me", {
    schema: {
      tags: ["auth"], summary: "The caller: a user with its projects and roles, or an API key with its project",
      response: {
        200: z.object({
          user: UserOut.optional(),
          apiKey: z.object({ id: z.string(), projectId: z.string(), role: z.string() }).optional(),
          projects: z.array(z.object({ id: z.string(), name: z.string(), role: z.string() })),
        }),
      },
    },
  }, async (request) => {
    const p = request.principal!;
    const { projects, accounts } = app.relais;
    if (p.kind === "key") {
      const project = await projects.get(p.key.projectId);
      return { apiKey: { id: p.key.id, projectId: p.key.projectId, role: p.key.role }, projects: project ? [{ id: project.id, name: project.name, role: p.key.role }] : [] };
    }
    const mine = p.user.isAdmin
      ? (await projects.list()).map((x) => ({ id: x.id, name: x.name, role: "admin" }))
      : await Promise.all((await accounts.memberships(p.user.id)).map(async (m) => ({ id: m.projectId, name: (await projects.get(m.projectId))?.name ?? m.projectId, role: m.role })));
    return { user: p.user, projects: mine };
  });
});
