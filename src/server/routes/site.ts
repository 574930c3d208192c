import { z } from "zod";
import { projectConfig } from "../../campaigns/campaign-service.js";
import { coerceField } from "../../contacts/field-values.js";
import { PROJECT_ID, uniqueKeyField } from "../../contacts/projects.js";
import type { ProjectConfig } from "../../model/index.js";
import { CONTACT_TOKEN_MAX_TTL_MS, CONTACT_TOKEN_TTL_MS } from "../../site/identity-token.js";
import { RateLimiter } from "../../site/rate-limit.js";
import { batchProblems, SITE_LIMITS, SiteBatch } from "../../site/site-batch.js";
import { siteDb } from "../../site/site-db.js";
import { contactSiteEvents } from "../../site/site-history.js";
import { SiteIngest } from "../../site/site-ingest.js";
import { TRACKER_JS } from "../../site/tracker-script.js";
import type { ServerContext } from "../context.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { Paging, ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

const TAGS = ["site tracking"];
const pub = { auth: { public: true } };
/** The public identifier of a project in its sites' pages: its id (never a key: it grants nothing). */
const SiteParams = z.strictObject({ project: z.string().min(1).max(63) });
const Origin = z.string().regex(/^https?:\/\/[^/\s]+$/, "an origin such as https://shop.example (no path, no trailing slash)");
const Sites = z.object({ sites: z.array(z.string()).describe("origins whose pages may send site events (shared with web push)") });

/** The contact's id as stored, from what the caller typed (400 when not a valid unique key). */
async function contactIdOf(ctx: ServerContext, projectId: string, raw: string, path: string): Promise<string> {
  const key = uniqueKeyField(await projectConfig(ctx, projectId));
  const id = coerceField(key, raw, "csv");
  if (!id.ok || id.value === null) throw badRequest(`"${raw}" is not a valid ${key.key}`, [{ path, message: `not a valid ${key.key}` }]);
  return String(id.value);
}

/**
 * Site tracking (docs/site-tracking.md). At the root, public, for the pages of a project's declared
 * sites: the tracker script (`/s/:project/tracker.js`) and the ingest (`/s/:project/collect`, CORS
 * limited to the sites, rate-limited per visitor and per IP). Under `/api/v1/projects/:projectId`:
 * the sites, identity tokens for a site's backend, and a contact's site history.
 */
export default routes(async (app) => {
  const ctx = app.relais;
  const ingest = new SiteIngest(ctx);
  const perVisitor = new RateLimiter(SITE_LIMITS.perVisitorPerMinute, 60_000);
  const perIp = new RateLimiter(SITE_LIMITS.perIpPerMinute, 60_000);
  // sendBeacon and a preflight-free fetch send JSON as text/plain.
  app.removeContentTypeParser("text/plain");
  app.addContentTypeParser("text/plain", { parseAs: "string", bodyLimit: SITE_LIMITS.bodyBytes }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (e) {
      done(Object.assign(e as Error, { statusCode: 400 }), undefined);
    }
  });

  /** The project's configuration when `origin` is one of its sites; otherwise the refusal (no CORS header: the browser sees nothing). */
  const siteProject = async (project: string, origin: string | undefined): Promise<ProjectConfig> => {
    const config = PROJECT_ID.test(project) ? await ctx.store.getProject(project) : undefined;
    if (!config) throw notFound(`project ${project}`);
    if (!origin || !(config.sites ?? []).includes(origin)) {
      throw new ApiError(403, "origin_not_allowed", `origin ${origin ?? "(none)"} is not one of project ${project}'s sites (PUT /api/v1/projects/${project}/sites)`);
    }
    return config;
  };

  app.get("/s/:project/tracker.js", {
    config: pub,
    schema: { tags: TAGS, summary: "The site tracker a page includes (the same script for every project; its URL names the project)", params: SiteParams },
  }, async (request, reply) => {
    if (!PROJECT_ID.test(request.params.project)) throw notFound(`project ${request.params.project}`);
    return reply.type("text/javascript; charset=utf-8").header("cache-control", "public, max-age=3600").send(TRACKER_JS);
  });

  app.options("/s/:project/collect", {
    config: pub,
    schema: { tags: TAGS, summary: "CORS preflight of the ingest: answered for the project's sites only", params: SiteParams, hide: true },
  }, async (request, reply) => {
    const origin = request.headers.origin;
    await siteProject(request.params.project, origin);
    return reply.code(204).header("access-control-allow-origin", origin).header("access-control-allow-methods", "POST")
      .header("access-control-allow-headers", "content-type").header("access-control-max-age", "600").header("vary", "origin").send();
  });

  app.post("/s/:project/collect", {
    config: pub,
    bodyLimit: SITE_LIMITS.bodyBytes,
    schema: {
      tags: TAGS,
      summary: "A batch of a visitor's site events (JSON, sent as text/plain or application/json); CORS limited to the project's sites",
      params: SiteParams, body: SiteBatch,
      response: { 200: z.object({ accepted: z.number().int(), identity: z.enum(["none", "identified", "expired", "unknown_contact"]) }) },
    },
  }, async (request, reply) => {
    const { project } = request.params;
    const origin = request.headers.origin;
    const config = await siteProject(project, origin);
    reply.header("access-control-allow-origin", origin).header("vary", "origin").header("access-control-expose-headers", "retry-after");
    if (config.modules.siteTracking !== true) {
      throw new ApiError(409, "module_disabled", `site tracking is off for project ${project}: turn it on in the project's settings (modules.siteTracking)`);
    }
    const now = ctx.clock.now();
    const limited = (wait: number | undefined, who: string, limit: number) => {
      if (wait === undefined) return;
      reply.header("retry-after", String(wait));
      throw new ApiError(429, "rate_limited", `too many requests from this ${who}: at most ${limit} a minute; retry in ${wait} s`, undefined, { retryAfter: wait });
    };
    limited(perIp.hit(`${request.ip}`, now), "IP address", SITE_LIMITS.perIpPerMinute);
    limited(perVisitor.hit(`${project}\0${request.body.visitor}`, now), "visitor", SITE_LIMITS.perVisitorPerMinute);
    const problems = batchProblems(request.body, config);
    if (problems.length) throw badRequest(`invalid body: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`, problems);
    const r = await ingest.ingest(project, request.body);
    if (!r.ok) throw badRequest("invalid body: body.identify: not a valid identity token (forged, altered or of another project)", [{ path: "body.identify", message: "not a valid identity token" }]);
    return { accepted: r.accepted, identity: r.identity };
  });

  app.get("/api/v1/projects/:projectId/sites", {
    schema: { tags: TAGS, summary: "The project's sites: origins allowed to send site events (and register web push)", params: ProjectParams, response: { 200: Sites } },
  }, async (request) => ({ sites: (await projectConfig(ctx, request.params.projectId)).sites ?? [] }));

  app.put("/api/v1/projects/:projectId/sites", {
    config: { auth: { permission: "admin" } },
    schema: {
      tags: TAGS, summary: "Change the project's sites", params: ProjectParams,
      body: z.strictObject({ sites: z.array(Origin).max(50) }), response: { 200: Sites },
    },
  }, async (request) => {
    await projectConfig(ctx, request.params.projectId);
    return { sites: (await ctx.projects.updateConfig(request.params.projectId, (c) => ({ ...c, sites: [...new Set(request.body.sites)] }))).sites ?? [] };
  });

  app.post("/api/v1/projects/:projectId/site/identity-tokens", {
    config: { auth: { permission: "write" } },
    schema: {
      tags: TAGS, summary: "A token the site's page passes to relais(\"identify\", token) to tie its visitor to this contact",
      params: ProjectParams,
      body: z.strictObject({
        contact: z.string().min(1).max(1000).describe("the contact's unique key value"),
        ttlSeconds: z.number().int().min(60).max(CONTACT_TOKEN_MAX_TTL_MS / 1000).optional().describe(`lifetime (default ${CONTACT_TOKEN_TTL_MS / 1000} s)`),
      }),
      response: { 201: z.object({ contact: z.string(), token: z.string(), expiresAt: z.number().int() }) },
    },
  }, async (request, reply) => {
    const { projectId } = request.params;
    const id = await contactIdOf(ctx, projectId, request.body.contact, "body.contact");
    if (!(await ctx.store.findContact(projectId, id))) throw notFound(`contact ${id}`);
    const expiresAt = ctx.clock.now() + (request.body.ttlSeconds !== undefined ? request.body.ttlSeconds * 1000 : CONTACT_TOKEN_TTL_MS);
    return reply.code(201).send({ contact: id, token: ingest.tokens.forContact(projectId, id, expiresAt), expiresAt });
  });

  app.get("/api/v1/projects/:projectId/contacts/:contactId/site-events", {
    schema: {
      tags: TAGS, summary: "A contact's site events (pages, products, carts, purchases), newest first, its anonymous history included",
      params: ProjectParams.extend({ contactId: z.string().min(1).max(320) }),
      querystring: Paging.extend({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: {
        200: z.object({
          contact: z.object({ id: z.string() }),
          events: z.array(z.object({ id: z.number(), type: z.string(), data: z.record(z.string(), z.unknown()), at: z.number(), visitor: z.string() })),
          next: z.string().nullable(),
        }),
      },
    },
  }, async (request) => {
    const { projectId, contactId } = request.params;
    const id = await contactIdOf(ctx, projectId, contactId, "params.contactId").catch(() => undefined);
    const contact = id === undefined ? undefined : await ctx.store.findContact(projectId, id);
    if (!contact) throw notFound(`contact ${contactId}`);
    const cursor = request.query.cursor;
    if (cursor !== undefined && !/^\d{1,15}$/.test(cursor)) throw badRequest("invalid cursor", [{ path: "querystring.cursor", message: "the `next` of a previous page" }]);
    const page = await contactSiteEvents(siteDb(ctx.store), projectId, contact.pk, { before: cursor === undefined ? undefined : Number(cursor), limit: request.query.limit });
    return { contact: { id: contact.id }, ...page };
  });
}, "");
