import { z } from "zod";
import { ElementParams, LangQuery } from "../../campaigns/api-schemas.js";
import { findingsLang } from "../../campaigns/lang.js";
import { loadCampaign, projectConfig } from "../../campaigns/campaign-service.js";
import { templateFinding } from "../../channels/email/render-check.js";
import { prepareEmail, TemplateError, type EmailMessage } from "../../channels/email/render.js";
import { senderDefaults } from "../../channels/email/render-sender.js";
import { LinkSigner } from "../../channels/links.js";
import { templateCarts } from "../../commerce/carts.js";
import { coerceField } from "../../contacts/field-values.js";
import { uniqueKeyField } from "../../contacts/projects.js";
import { addressField, type Lang } from "../../model/index.js";
import { localDate } from "../../engine/time.js";
import type { ContactRecord } from "../../store/store.js";
import type { ServerContext } from "../context.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

const TAGS = ["campaigns"];

const Text = (max: number) => z.string().max(max);

/** A message to preview, as `action.sendEmail` holds it. */
export const EmailMessageIn = z.strictObject({
  subject: Text(2000),
  html: Text(2_000_000).optional(),
  mjml: Text(2_000_000).optional(),
  text: Text(2_000_000).optional(),
  preheader: Text(2000).optional(),
  from: Text(500).optional(),
  replyTo: Text(500).optional(),
}).refine((m) => (m.html === undefined) !== (m.mjml === undefined), { message: "give html or mjml (one of them)" });

const PreviewInput = {
  contact: z.string().min(1).max(1000).describe("the contact's id: its value of the project's unique key"),
  data: z.record(z.string(), z.unknown()).optional().describe("what an API entry would pass, readable as trigger.data"),
  promoCode: z.string().max(200).optional().describe("a promo code to show as promo.code (default: none, so promo blocks stay empty)"),
};

export const PreviewOut = z.object({
  to: z.string().nullable().describe("the contact's email address, null when it has none"),
  subject: z.string(),
  preheader: z.string().nullable(),
  html: z.string(),
  text: z.string(),
  from: z.string().nullable().describe("the message's sender, else the project's default sender"),
  replyTo: z.string().nullable(),
});
export type PreviewOut = z.infer<typeof PreviewOut>;

/** The contact a preview is for, by its unique key as the caller typed it (400 when unusable, 404 when unknown). */
async function findContact(ctx: ServerContext, projectId: string, raw: string, path: string): Promise<ContactRecord> {
  const key = uniqueKeyField(await projectConfig(ctx, projectId));
  const id = coerceField(key, raw, "csv");
  if (!id.ok || id.value === null) throw badRequest(`"${raw}" is not a valid ${key.key}${id.ok ? "" : `: ${id.message}`}`, [{ path, message: `not a valid ${key.key}` }]);
  const contact = await ctx.store.findContact(projectId, String(id.value));
  if (!contact) throw notFound(`contact ${String(id.value)}`);
  return contact;
}

interface PreviewRequest {
  projectId: string;
  message: EmailMessage;
  contact?: ContactRecord;
  data?: Record<string, unknown>;
  promoCode?: string;
  campaign: { id: string; name: string; timezone?: string };
  element: string;
  lang: Lang;
}

/**
 * Renders a message for one contact exactly as a send would (same compiled templates, same
 * context), except that links are not tracked and there is no open pixel: looking at a preview
 * never counts as an open or a click. A template that cannot be rendered is a 422 with its findings.
 */
export async function renderPreview(ctx: ServerContext, r: PreviewRequest): Promise<PreviewOut> {
  const project = await ctx.projects.get(r.projectId);
  if (!project) throw notFound("project");
  const links = new LinkSigner(ctx.secret, ctx.baseUrl);
  const key = { journey: 0, element: r.element, hop: 0 };
  const field = addressField(project.config, "email");
  const to = r.contact && field && typeof r.contact.fields[field] === "string" ? String(r.contact.fields[field]) : null;
  // The contact's cart (e-commerce module), as the send would read it.
  const cart = r.contact && project.config.modules.ecommerce === true ? (await templateCarts(ctx.store, r.projectId, [r.contact.pk])).get(r.contact.pk) : undefined;
  const context = {
    contact: { id: r.contact?.id ?? "", ...(r.contact?.fields ?? {}) },
    trigger: { data: r.data ?? {} },
    promo: { code: r.promoCode ?? null },
    campaign: { name: r.campaign.name, id: r.campaign.id },
    run: { date: localDate(ctx.clock.now(), r.campaign.timezone ?? project.config.timezone) },
    ...(cart ? { cart } : {}),
    unsubscribe_url: links.url("unsubscribe", key),
    view_online_url: links.url("view", key),
  };
  const refuse = (e: TemplateError) => {
    const findings = e.problems.map((p) => templateFinding(r.element, p, r.lang));
    return new ApiError(422, "template_error", `the message cannot be rendered: ${findings.map((f) => f.message).join("; ")}`, undefined, { findings });
  };
  const prepared = await prepareEmail(r.message);
  if (!prepared.email) throw refuse(new TemplateError(prepared.problems));
  try {
    const email = prepared.email.render(context, { to: to ?? "", links, key, defaults: senderDefaults(project.defaultSender), tracking: false });
    return { to, subject: email.subject, preheader: email.preheader ?? null, html: email.html, text: email.text, from: email.from ?? null, replyTo: email.replyTo ?? null };
  } catch (e) {
    if (e instanceof TemplateError) throw refuse(e);
    throw e;
  }
}

/**
 * Email previews: a campaign's send element rendered for a chosen contact (drafts included), and
 * an inline message for the editor's live preview. Reading is enough. See docs/email-content.md.
 */
export default routes(async (app) => {
  const ctx = app.relais;

  app.post("/projects/:projectId/campaigns/:campaignId/elements/:elementId/preview", {
    config: { auth: { permission: "read" } },
    schema: {
      tags: TAGS, summary: "Render a send-email element of a campaign for one contact (untracked links, no open pixel); 422 template_error with findings when it cannot be rendered",
      params: ElementParams, querystring: LangQuery, body: z.strictObject(PreviewInput), response: { 200: PreviewOut },
    },
  }, async (request) => {
    const { projectId, campaignId, elementId } = request.params;
    const record = await loadCampaign(ctx, projectId, campaignId);
    const el = record.doc.elements.find((e) => e.id === elementId);
    if (!el) throw notFound(`element ${elementId} of campaign ${campaignId}`);
    if (el.type !== "action.sendEmail") throw badRequest(`element ${elementId} is a ${el.type}, not an email (action.sendEmail)`, [{ path: "params.elementId", message: "not an email" }]);
    const message = (el.params as { message?: unknown }).message;
    if (!message || typeof message !== "object") throw badRequest(`element ${elementId} has no message yet`, [{ path: "params.elementId", message: "no message" }]);
    const strings = Object.fromEntries(Object.entries(message).filter(([, v]) => typeof v === "string")) as EmailMessage;
    return renderPreview(ctx, {
      projectId, message: strings, contact: await findContact(ctx, projectId, request.body.contact, "body.contact"), data: request.body.data,
      promoCode: request.body.promoCode, campaign: { id: record.id, name: record.doc.name, timezone: record.doc.timezone }, element: elementId,
      lang: findingsLang(request.query.lang, request.headers["accept-language"]),
    });
  });

  app.post("/projects/:projectId/email-preview", {
    config: { auth: { permission: "read" } },
    schema: {
      tags: TAGS, summary: "Render an inline email message (the editor's live preview), for a contact when one is given",
      params: ProjectParams, querystring: LangQuery,
      body: z.strictObject({
        message: EmailMessageIn,
        contact: PreviewInput.contact.optional(),
        data: PreviewInput.data,
        promoCode: PreviewInput.promoCode,
        campaignName: z.string().max(200).optional().describe("shown as campaign.name"),
      }),
      response: { 200: PreviewOut },
    },
  }, async (request) => {
    const { projectId } = request.params;
    const b = request.body;
    return renderPreview(ctx, {
      projectId, message: b.message, contact: b.contact === undefined ? undefined : await findContact(ctx, projectId, b.contact, "body.contact"),
      data: b.data, promoCode: b.promoCode, campaign: { id: "", name: b.campaignName ?? "" }, element: "preview",
      lang: findingsLang(request.query.lang, request.headers["accept-language"]),
    });
  });
});
