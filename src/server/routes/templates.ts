import { z } from "zod";
import { CampaignOut, campaignOut, LangQuery, Seed, TemplateOut, TemplateParams } from "../../campaigns/api-schemas.js";
import { createDraft, projectConfig } from "../../campaigns/campaign-service.js";
import { DocumentInput, portable } from "../../campaigns/document.js";
import { campaignFindings } from "../../campaigns/findings.js";
import { findingsLang } from "../../campaigns/lang.js";
import { Templates } from "../../campaigns/templates.js";
import { notFound } from "../errors.js";
import { Ok, ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

const BASE = "/projects/:projectId/templates";
const TAGS = ["campaigns"];
const TemplateIn = z.strictObject({ name: z.string().min(1).max(200), document: DocumentInput });

/**
 * Campaign templates: named documents of a project (`templates` table) from which drafts are made.
 * A template's document is checked for its shape only; findings come with the drafts made from it.
 */
export default routes(async (app) => {
  const ctx = app.relais;
  const templates = new Templates(ctx.db);

  app.get(BASE, {
    schema: { tags: TAGS, summary: "The project's campaign templates", params: ProjectParams, response: { 200: z.object({ templates: z.array(TemplateOut) }) } },
  }, async (request) => ({ templates: await templates.list(request.params.projectId) }));

  app.post(BASE, {
    schema: { tags: TAGS, summary: "Save a campaign document as a template", params: ProjectParams, body: TemplateIn, response: { 201: TemplateOut } },
  }, async (request, reply) => {
    const t = await ctx.store.transaction(() =>
      templates.create(request.params.projectId, request.body.name, portable(request.body.document), ctx.clock.now()));
    reply.code(201);
    return t;
  });

  app.get(`${BASE}/:templateId`, {
    schema: { tags: TAGS, summary: "A campaign template", params: TemplateParams, response: { 200: TemplateOut } },
  }, async (request) => {
    const t = await templates.get(request.params.projectId, request.params.templateId);
    if (!t) throw notFound(`template ${request.params.templateId}`);
    return t;
  });

  app.put(`${BASE}/:templateId`, {
    schema: { tags: TAGS, summary: "Replace a template's name and document", params: TemplateParams, body: TemplateIn, response: { 200: TemplateOut } },
  }, async (request) => {
    const { projectId, templateId } = request.params;
    const t = await ctx.store.transaction(() => templates.update(projectId, templateId, request.body.name, portable(request.body.document), ctx.clock.now()));
    if (!t) throw notFound(`template ${templateId}`);
    return t;
  });

  app.delete(`${BASE}/:templateId`, {
    schema: { tags: TAGS, summary: "Delete a template (drafts made from it stay)", params: TemplateParams, response: { 200: Ok } },
  }, async (request) => {
    const done = await ctx.store.transaction(() => templates.remove(request.params.projectId, request.params.templateId));
    if (!done) throw notFound(`template ${request.params.templateId}`);
    return { ok: true as const };
  });

  app.post(`${BASE}/:templateId/campaigns`, {
    schema: {
      tags: TAGS, summary: "Create a draft campaign from a template",
      params: TemplateParams, querystring: LangQuery,
      body: z.strictObject({
        name: z.string().max(200).optional().describe("the draft's name; default: the template document's name, else the template's"),
        seed: Seed.optional(),
      }).nullish().describe("optional"),
      response: { 201: CampaignOut },
    },
  }, async (request, reply) => {
    const { projectId, templateId } = request.params;
    const t = await templates.get(projectId, templateId);
    if (!t) throw notFound(`template ${templateId}`);
    const name = request.body?.name ?? (t.document.name || t.name);
    const record = await createDraft(ctx, projectId, t.document, request.body?.seed ?? 0, name);
    const lang = findingsLang(request.query.lang, request.headers["accept-language"]);
    reply.code(201);
    return campaignOut(record, null, await campaignFindings(record.doc, await projectConfig(ctx, projectId), lang));
  });
});
