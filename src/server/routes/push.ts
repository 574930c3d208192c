import { z } from "zod";
import { pushContactToken, verifyPushContactToken } from "../../channels/push/contact-token.js";
import { isSubscription } from "../../channels/push/push-transport.js";
import { vapidKeys } from "../../channels/push/vapid.js";
import { uniqueKeyField } from "../../contacts/projects.js";
import { coerceField } from "../../contacts/field-values.js";
import { projectConfig } from "../../campaigns/campaign-service.js";
import type { ServerContext } from "../context.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

const TAGS = ["push"];
/** A contact keeps at most this many devices; the oldest goes first. */
const MAX_DEVICES = 10;

const Subscription = z.strictObject({
  endpoint: z.url({ protocol: /^https?$/ }).max(2000).describe("the push service URL the browser gave (PushSubscription.endpoint)"),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    p256dh: z.string().regex(/^[A-Za-z0-9_-]{80,100}$/, "the browser's P-256 public key, base64url"),
    auth: z.string().regex(/^[A-Za-z0-9_-]{16,30}$/, "the 16-byte auth secret, base64url"),
  }),
});

/** The contact's id as stored, from what the caller typed (400 when not a valid unique key). */
async function contactId(ctx: ServerContext, projectId: string, raw: string): Promise<string> {
  const key = uniqueKeyField(await projectConfig(ctx, projectId));
  const id = coerceField(key, raw, "csv");
  if (!id.ok || id.value === null) throw badRequest(`"${raw}" is not a valid ${key.key}`, [{ path: "body.contact", message: `not a valid ${key.key}` }]);
  return String(id.value);
}

/** Adds a device to a contact (the same endpoint replaces itself); returns the contact's device count. */
async function addSubscription(ctx: ServerContext, projectId: string, id: string, sub: z.infer<typeof Subscription>): Promise<number> {
  return ctx.store.transaction(async () => {
    const contact = await ctx.store.findContact(projectId, id);
    if (!contact) throw notFound(`contact ${id}`);
    const kept = contact.push.filter((s) => isSubscription(s) && s.endpoint !== sub.endpoint);
    const push = [...kept, { endpoint: sub.endpoint, keys: sub.keys, at: ctx.clock.now() }].slice(-MAX_DEVICES);
    await ctx.store.patchContact(contact.pk, { push });
    return push.length;
  });
}

const Added = z.object({ contact: z.string(), devices: z.number().int().describe("the contact's devices after this one") });

/**
 * Web push subscriptions: the instance's VAPID public key (public, for the page subscribing) and
 * the registration of a browser's subscription on a contact, by the site's backend with a project
 * API key (write). Several devices per contact; the same endpoint twice is one device.
 */
export default routes(async (app) => {
  const ctx = app.relais;

  app.get("/push/vapid-public-key", {
    config: { auth: { public: true } },
    schema: { tags: TAGS, summary: "The VAPID public key browsers subscribe with (applicationServerKey)", response: { 200: z.object({ publicKey: z.string() }) } },
  }, async () => ({ publicKey: (await vapidKeys(ctx.db, ctx.secret, ctx.clock.now())).publicKey }));

  app.post("/projects/:projectId/push/subscriptions", {
    config: { auth: { permission: "write" } },
    schema: {
      tags: TAGS, summary: "Add a browser's push subscription to a contact",
      params: ProjectParams,
      body: z.strictObject({ contact: z.string().min(1).max(1000).describe("the contact's unique key value"), subscription: Subscription }),
      response: { 201: Added },
    },
  }, async (request, reply) => {
    const { projectId } = request.params;
    const id = await contactId(ctx, projectId, request.body.contact);
    return reply.code(201).send({ contact: id, devices: await addSubscription(ctx, projectId, id, request.body.subscription) });
  });

  app.post("/projects/:projectId/push/tokens", {
    config: { auth: { permission: "write" } },
    schema: {
      tags: TAGS, summary: "The token a site's page passes to subscribe.js so the browser may add devices to this contact",
      params: ProjectParams,
      body: z.strictObject({ contact: z.string().min(1).max(1000).describe("the contact's unique key value") }),
      response: { 200: z.object({ contact: z.string(), token: z.string() }) },
    },
  }, async (request) => {
    const id = await contactId(ctx, request.params.projectId, request.body.contact);
    return { contact: id, token: pushContactToken(ctx.secret, request.params.projectId, id) };
  });

  /** CORS for the browser endpoint: only the project's declared sites. */
  const allowedOrigin = async (projectId: string, origin: string | undefined): Promise<string> => {
    const project = await ctx.projects.get(projectId);
    if (!project) throw notFound("project");
    const sites = (await projectConfig(ctx, projectId)).sites ?? [];
    if (!origin || !sites.includes(origin)) throw new ApiError(403, "origin-not-allowed", `origin ${origin ?? "(none)"} is not one of project ${projectId}'s sites`);
    return origin;
  };

  app.options("/push/subscriptions", {
    config: { auth: { public: true } },
    schema: { tags: TAGS, summary: "CORS preflight of the browser subscription endpoint", hide: true },
  }, async (request, reply) => reply.code(204)
    .header("access-control-allow-origin", request.headers.origin ?? "null")
    .header("access-control-allow-methods", "POST").header("access-control-allow-headers", "content-type")
    .header("access-control-max-age", "600").header("vary", "origin").send());

  app.post("/push/subscriptions", {
    config: { auth: { public: true } },
    schema: {
      tags: TAGS, summary: "A browser adds its push subscription to a contact (signed contact token, CORS limited to the project's sites)",
      body: z.strictObject({
        project: z.string().min(1).max(200), contact: z.string().min(1).max(1000),
        token: z.string().max(100).describe("from POST /projects/:projectId/push/tokens"), subscription: Subscription,
      }),
      response: { 201: Added },
    },
  }, async (request, reply) => {
    const { project, token, subscription } = request.body;
    const origin = await allowedOrigin(project, request.headers.origin);
    reply.header("access-control-allow-origin", origin).header("vary", "origin");
    const id = await contactId(ctx, project, request.body.contact);
    if (!verifyPushContactToken(ctx.secret, project, id, token)) throw new ApiError(401, "bad-token", "the contact token does not match this project and contact");
    return reply.code(201).send({ contact: id, devices: await addSubscription(ctx, project, id, subscription) });
  });
});
