import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ApiKeyInfo, Role, User } from "../store/directory/accounts.js";
import { forbidden, notFound, unauthorized } from "./errors.js";

/** What a route needs on its project: every role reads; writing, approving and administering narrow down. */
export type Permission = "read" | "write" | "approve" | "admin";

const GRANTS: Record<Role, Permission[]> = {
  admin: ["read", "write", "approve", "admin"],
  editor: ["read", "write", "approve"],
  approver: ["read", "approve"],
  viewer: ["read"],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export type Principal = { kind: "user"; user: User } | { kind: "key"; key: ApiKeyInfo };

/** Per-route options read by the auth hook. */
export interface RouteAuth {
  /** No authentication at all (health, login, tracking links). */
  public?: boolean;
  /** For routes under `/projects/:projectId`: what the caller must be allowed on that project (default: read for GET, write otherwise). */
  permission?: Permission;
  /** Only an instance administrator (a user with `isAdmin`). */
  instanceAdmin?: boolean;
}

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
    /** The caller's role on the route's project, once checked. */
    projectRole?: Role;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

export const SESSION_COOKIE = "relais_session";

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1] : undefined;
}

/**
 * Authenticates every request (API key as a Bearer token, or the session cookie) and, on routes
 * with a `:projectId`, checks the caller may act on that project BEFORE the input is validated:
 * a key or user of another project learns nothing, not even whether the project exists (404).
 */
export function registerAuth(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    // No route matched: the not-found handler answers (a 404 problem, or the web app's page);
    // there is nothing to protect, and a 401 would wrongly suggest the URL exists.
    if (request.routeOptions.url === undefined) return;
    const auth = request.routeOptions.config?.auth ?? {};
    if (auth.public) return;
    const { accounts, clock } = app.relais;
    const now = clock.now();
    const key = bearer(request);
    if (key) {
      const info = await accounts.apiKey(key);
      if (!info) throw unauthorized("invalid or revoked API key");
      request.principal = { kind: "key", key: info };
      await accounts.touchApiKey(info.id, now);
    } else {
      const token = request.cookies?.[SESSION_COOKIE];
      const user = token ? await accounts.sessionUser(token, now) : undefined;
      if (!user) throw unauthorized();
      request.principal = { kind: "user", user };
    }
    const p = request.principal;
    if (auth.instanceAdmin && !(p.kind === "user" && p.user.isAdmin)) throw forbidden("only an instance administrator may do this");
    const projectId = (request.params as Record<string, string> | undefined)?.projectId;
    if (projectId === undefined) return;
    const role = await roleOn(app, p, projectId);
    if (!role) throw notFound("project");
    const need = auth.permission ?? (request.method === "GET" || request.method === "HEAD" ? "read" : "write");
    if (!roleAllows(role, need)) throw forbidden(`the role ${role} does not allow this action (it needs ${need})`);
    request.projectRole = role;
  });
}

/** The caller's role on a project, or undefined when it has none (or the project does not exist). */
export async function roleOn(app: FastifyInstance, p: Principal, projectId: string): Promise<Role | undefined> {
  if (p.kind === "key") return p.key.projectId === projectId ? p.key.role : undefined;
  if (!(await app.relais.projects.exists(projectId))) return undefined;
  if (p.user.isAdmin) return "admin";
  return app.relais.accounts.role(p.user.id, projectId);
}
