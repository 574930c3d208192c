import type { FastifyRequest } from "fastify";
import { z } from "zod";
import {
  ActionOut, CampaignOut, CampaignParams, CampaignSummary, campaignOut, ElementParams, ExportOut, FindingOut, LangQuery, Seed, VersionSummary,
} from "../../campaigns/api-schemas.js";
import {
  changeStatus, createDraft, deleteDraft, loadCampaign, projectConfig, changeCampaign, updateDraft, invalidTransition,
} from "../../campaigns/campaign-service.js";
import { campaignDocument, DocumentInput, ExportFile, exportFileName, portable } from "../../campaigns/document.js";
import { campaignFindings } from "../../campaigns/findings.js";
import { findingsLang } from "../../campaigns/lang.js";
import { isLive } from "../../campaigns/lifecycle.js";
import { Migrations, publishVersion } from "../../campaigns/publish.js";
import { CampaignVersions } from "../../campaigns/versions.js";
import { coerceField } from "../../contacts/field-values.js";
import { uniqueKeyField } from "../../contacts/projects.js";
import type { Lang } from "../../model/index.js";
import type { CampaignRecord } from "../../store/store.js";
import type { ServerContext } from "../context.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { Ok, ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

const BASE = "/projects/:projectId/campaigns";
const TAGS = ["campaigns"];
const LifecycleQuery = LangQuery;

const lang = (request: FastifyRequest, query: { lang?: Lang }) => findingsLang(query.lang, request.headers["accept-language"]);

/** A campaign with its latest version and its findings in the caller's language. */
async function present(ctx: ServerContext, record: CampaignRecord, language: Lang, version?: number | null) {
  const v = version !== undefined ? version : ((await new CampaignVersions(ctx.db).latest([record.id])).get(record.id) ?? null);
  return campaignOut(record, v, await campaignFindings(record.doc, await projectConfig(ctx, record.projectId), language));
}

/** The element `elementId` of the campaign's live document, which must be one of `types`. */
function elementOf(record: CampaignRecord, elementId: string, types: string[], what: string) {
  const el = record.doc.elements.find((e) => e.id === elementId);
  if (!el) throw notFound(`element ${elementId} of campaign ${record.id}`);
  if (!types.includes(el.type)) throw badRequest(`element ${elementId} is a ${el.type}, not ${what}`, [{ path: "params.elementId", message: `not ${what}` }]);
  return el;
}

/** Records when a campaign was last changed through the API (the list's "last change"). */
async function edited(ctx: ServerContext, campaignId: string): Promise<void> {
  await ctx.store.updateCampaignState(campaignId, { editedAt: ctx.clock.now() });
}

/** The last change of a campaign: its last edit, activation or pause, whichever is latest (null when none is known). */
const updatedAt = (r: CampaignRecord): number | null => Math.max(r.state.editedAt ?? 0, r.activatedAt ?? 0, r.pausedAt ?? 0) || null;

function requireLive(record: CampaignRecord, what: string): void {
  if (!isLive(record.status)) throw invalidTransition(`cannot ${what} in a ${record.status} campaign: it is not running`);
}

/**
 * Campaigns: drafts, validation, the lifecycle (activate, pause, resume, stop), versions, copies
 * (duplicate, export, import) and the actions a running campaign takes (launch, API entries,
 * approvals, A/X winners). See docs/api/campaigns.md.
 */
export default routes(async (app) => {
  const ctx = app.relais;

  app.get(BASE, {
    schema: {
      tags: TAGS, summary: "The project's campaigns", params: ProjectParams,
      response: { 200: z.object({ campaigns: z.array(CampaignSummary.extend({ updatedAt: z.number().nullable().describe("last edit, activation or pause, whichever is latest") })) }) },
    },
  }, async (request) => {
    const records = await ctx.store.listCampaigns(request.params.projectId);
    const versions = await new CampaignVersions(ctx.db).latest(records.filter((r) => r.status !== "draft").map((r) => r.id));
    const campaigns = [];
    for (const r of records) {
      const waiting = r.status === "draft" ? 0 : [...(await ctx.store.waitingCounts(r.id)).values()].reduce((a, b) => a + b, 0);
      campaigns.push({ id: r.id, name: r.doc.name, status: r.status, activatedAt: r.activatedAt, pausedAt: r.pausedAt, version: versions.get(r.id) ?? null, waiting, updatedAt: updatedAt(r) });
    }
    return { campaigns };
  });

  app.post(BASE, {
    schema: {
      tags: TAGS, summary: "Create a draft. The server assigns its id; parameter problems are findings, not errors (drafts may be incomplete)",
      params: ProjectParams, querystring: LangQuery, body: z.strictObject({ document: DocumentInput, seed: Seed.optional() }), response: { 201: CampaignOut },
    },
  }, async (request, reply) => {
    const record = await createDraft(ctx, request.params.projectId, request.body.document, request.body.seed ?? 0);
    await edited(ctx, record.id);
    reply.code(201);
    return present(ctx, record, lang(request, request.query), null);
  });

  app.post(`${BASE}/import`, {
    schema: {
      tags: TAGS, summary: "Create a draft from an export file", params: ProjectParams, querystring: LangQuery,
      body: ExportFile.extend({ seed: Seed.optional() }), response: { 201: CampaignOut },
    },
  }, async (request, reply) => {
    const record = await createDraft(ctx, request.params.projectId, request.body.document, request.body.seed ?? 0);
    await edited(ctx, record.id);
    reply.code(201);
    return present(ctx, record, lang(request, request.query), null);
  });

  app.get(`${BASE}/:campaignId`, {
    schema: {
      tags: TAGS, summary: "A campaign: document, status, version, findings and the A/X winners chosen so far", params: CampaignParams, querystring: LangQuery,
      response: { 200: CampaignOut.extend({ winners: z.record(z.string(), z.string()).describe("A/X test element id → winning variant, once chosen") }) },
    },
  }, async (request) => {
    const record = await loadCampaign(ctx, request.params.projectId, request.params.campaignId);
    return { ...(await present(ctx, record, lang(request, request.query))), winners: record.state.winners ?? {} };
  });

  app.put(`${BASE}/:campaignId`, {
    schema: {
      tags: TAGS,
      summary: "Change a campaign's document. A draft is replaced; an active or paused campaign gets a new version (valid, with migrations for removed elements that hold contacts)",
      params: CampaignParams, querystring: LangQuery,
      body: z.strictObject({ document: DocumentInput, migrations: Migrations.optional() }),
      response: { 200: CampaignOut.extend({ migrated: z.array(z.object({ element: z.string(), to: z.string(), contacts: z.number() })) }) },
    },
  }, async (request) => {
    const { projectId, campaignId } = request.params;
    const { document, migrations } = request.body;
    if (document.id !== undefined && document.id !== campaignId) {
      throw badRequest(`the document's id ${document.id} is not the campaign's (${campaignId})`, [{ path: "body.document.id", message: `must be ${campaignId} or left out` }]);
    }
    const language = lang(request, request.query);
    const doc = campaignDocument(document, campaignId);
    const record = await loadCampaign(ctx, projectId, campaignId);
    if (isLive(record.status)) {
      const published = await publishVersion(ctx, projectId, campaignId, doc, migrations ?? {}, language);
      await edited(ctx, campaignId);
      return { ...campaignOut(published.record, published.version, published.findings), migrated: published.migrated };
    }
    if (migrations !== undefined) throw badRequest(`migrations apply only to an active or paused campaign; this one is ${record.status}`, [{ path: "body.migrations", message: "not allowed here" }]);
    const saved = await changeCampaign(ctx, projectId, campaignId, async (fresh) => {
      if (fresh.status !== "draft") {
        throw invalidTransition(`cannot change a ${fresh.status} campaign${fresh.status === "stopped" ? ": a stopped campaign is final (duplicate it to change it)" : " this way: it was activated meanwhile, send the change again"}`);
      }
      return updateDraft(ctx, fresh, doc);
    });
    await edited(ctx, campaignId);
    return { ...(await present(ctx, saved, language, null)), migrated: [] };
  });

  app.delete(`${BASE}/:campaignId`, {
    schema: { tags: TAGS, summary: "Delete a draft (campaigns that ran are kept with their reports)", params: CampaignParams, response: { 200: Ok } },
  }, async (request) => {
    await deleteDraft(ctx, request.params.projectId, request.params.campaignId);
    return { ok: true as const };
  });

  app.post(`${BASE}/:campaignId/validate`, {
    schema: {
      tags: TAGS, summary: "Check a campaign: its findings (errors prevent activation, warnings do not)", params: CampaignParams, querystring: LangQuery,
      response: { 200: z.object({ valid: z.boolean(), findings: z.array(FindingOut) }) },
    },
  }, async (request) => {
    const out = await present(ctx, await loadCampaign(ctx, request.params.projectId, request.params.campaignId), lang(request, request.query));
    return { valid: out.valid, findings: out.findings };
  });

  for (const action of ["activate", "pause", "stop"] as const) {
    app.post(`${BASE}/:campaignId/${action}`, {
      schema: {
        tags: TAGS,
        summary: {
          activate: "Activate a draft (refused with 422 and the findings when it has errors); records version 1",
          pause: "Pause an active campaign: nothing enters, moves or is sent until it resumes",
          stop: "Stop an active or paused campaign for good",
        }[action],
        params: CampaignParams, querystring: LifecycleQuery, response: { 200: CampaignOut },
      },
    }, async (request) => {
      const { projectId, campaignId } = request.params;
      const language = lang(request, request.query);
      const record = await changeStatus(ctx, projectId, campaignId, action, { lang: language });
      await edited(ctx, campaignId);
      return present(ctx, record, language);
    });
  }

  app.post(`${BASE}/:campaignId/resume`, {
    schema: {
      tags: TAGS, summary: "Resume a paused campaign; overdue says what happens to contacts whose wait ended during the pause",
      params: CampaignParams, querystring: LifecycleQuery,
      body: z.strictObject({
        overdue: z.enum(["now", "retime"]).describe("now: they go on at once; retime: each waits, from now, what it still had to wait at the pause"),
      }),
      response: { 200: CampaignOut },
    },
  }, async (request) => {
    const { projectId, campaignId } = request.params;
    const language = lang(request, request.query);
    const record = await changeStatus(ctx, projectId, campaignId, "resume", { overdue: request.body.overdue, lang: language });
    await edited(ctx, campaignId);
    return present(ctx, record, language);
  });

  app.get(`${BASE}/:campaignId/versions`, {
    schema: { tags: TAGS, summary: "The campaign's published versions, oldest first", params: CampaignParams, response: { 200: z.object({ versions: z.array(VersionSummary) }) } },
  }, async (request) => {
    await loadCampaign(ctx, request.params.projectId, request.params.campaignId);
    const versions = await new CampaignVersions(ctx.db).list(request.params.campaignId);
    return { versions: versions.map(({ version, publishedAt }) => ({ version, publishedAt })) };
  });

  app.get(`${BASE}/:campaignId/versions/:version`, {
    schema: {
      tags: TAGS, summary: "One published version's document", params: CampaignParams.extend({ version: z.coerce.number().int().min(1).max(1_000_000) }),
      response: { 200: VersionSummary.extend({ document: z.record(z.string(), z.unknown()) }) },
    },
  }, async (request) => {
    const { projectId, campaignId, version } = request.params;
    await loadCampaign(ctx, projectId, campaignId);
    const found = await new CampaignVersions(ctx.db).get(campaignId, version);
    if (!found) throw notFound(`version ${version} of campaign ${campaignId}`);
    return found;
  });

  app.post(`${BASE}/:campaignId/duplicate`, {
    schema: { tags: TAGS, summary: 'Copy a campaign as a new draft named "<name> (copie)"', params: CampaignParams, querystring: LangQuery, response: { 201: CampaignOut } },
  }, async (request, reply) => {
    const source = await loadCampaign(ctx, request.params.projectId, request.params.campaignId);
    const record = await createDraft(ctx, source.projectId, portable(source.doc), source.seed, `${source.doc.name} (copie)`);
    await edited(ctx, record.id);
    reply.code(201);
    return present(ctx, record, lang(request, request.query), null);
  });

  app.get(`${BASE}/:campaignId/export`, {
    schema: { tags: TAGS, summary: "The campaign's document as a file to import elsewhere", params: CampaignParams, response: { 200: ExportOut } },
  }, async (request, reply) => {
    const record = await loadCampaign(ctx, request.params.projectId, request.params.campaignId);
    reply.header("content-disposition", `attachment; filename="${exportFileName(record.doc.name, record.id)}"`);
    return { relais: "campaign" as const, version: 1 as const, document: portable(record.doc) };
  });

  // ---- actions on a running campaign ----------------------------------------------------------

  app.post(`${BASE}/:campaignId/launch`, {
    schema: { tags: TAGS, summary: "Launch a campaign's manual triggers now: one run of every eligible contact", params: CampaignParams, response: { 200: ActionOut.launch } },
  }, async (request) => {
    const record = await loadCampaign(ctx, request.params.projectId, request.params.campaignId);
    if (record.status !== "active") throw invalidTransition(`cannot launch a ${record.status} campaign: only an active campaign can be launched`);
    if (!record.doc.elements.some((e) => e.type === "trigger.manual")) throw new ApiError(409, "no_manual_trigger", `campaign ${record.id} has no manual launch trigger (trigger.manual)`);
    const entered = await ctx.engine.launch(record.id);
    ctx.wake();
    return { entered };
  });

  app.post(`${BASE}/:campaignId/entries`, {
    schema: {
      tags: TAGS, summary: "Enter one contact through the campaign's API trigger; data is readable in templates as trigger.data",
      params: CampaignParams,
      body: z.strictObject({
        contact: z.string().min(1).max(1000).describe("the contact's id: its value of the project's unique key"),
        data: z.record(z.string(), z.unknown()).optional().describe("any JSON object, readable in templates as trigger.data"),
      }),
      response: { 200: ActionOut.entry },
    },
  }, async (request) => {
    const record = await loadCampaign(ctx, request.params.projectId, request.params.campaignId);
    if (!record.doc.elements.some((e) => e.type === "trigger.api")) throw new ApiError(409, "no_api_trigger", `campaign ${record.id} has no API trigger (trigger.api)`);
    if (record.status !== "active") throw invalidTransition(`cannot enter contacts in a ${record.status} campaign: only an active campaign takes entries`);
    const key = uniqueKeyField(await projectConfig(ctx, record.projectId));
    const id = coerceField(key, request.body.contact, "csv");
    if (!id.ok || id.value === null) throw badRequest(`"${request.body.contact}" is not a valid ${key.key}${id.ok ? "" : `: ${id.message}`}`, [{ path: "body.contact", message: `not a valid ${key.key}` }]);
    if (!(await ctx.store.findContact(record.projectId, String(id.value)))) throw notFound(`contact ${String(id.value)}`);
    const entered = await ctx.engine.api(record.id, String(id.value), request.body.data ?? {});
    ctx.wake();
    return { entered };
  });

  app.post(`${BASE}/:campaignId/approvals/:elementId`, {
    config: { auth: { permission: "approve" } },
    schema: {
      tags: TAGS, summary: "Approve (send) or reject (discard) the emails waiting at an approval element",
      params: ElementParams, body: z.strictObject({ decision: z.enum(["approve", "reject"]) }), response: { 200: ActionOut.approval },
    },
  }, async (request) => {
    const { projectId, campaignId, elementId } = request.params;
    const record = await loadCampaign(ctx, projectId, campaignId);
    elementOf(record, elementId, ["delay.approval"], "an approval (delay.approval)");
    requireLive(record, "decide an approval");
    const contacts = await ctx.store.transaction(async () => {
      const held = (await ctx.store.heldTokens(campaignId, elementId)).length;
      await ctx.engine.decideApproval(campaignId, elementId, request.body.decision === "approve");
      return held;
    });
    ctx.wake();
    return { element: elementId, decision: request.body.decision, contacts };
  });

  app.post(`${BASE}/:campaignId/winners/:elementId`, {
    config: { auth: { permission: "approve" } },
    schema: {
      tags: TAGS, summary: "Choose the winner of an A/X split or test: the waiting contacts follow it, and so does everyone after",
      params: ElementParams, body: z.strictObject({ variant: z.string().min(1).max(100) }), response: { 200: ActionOut.winner },
    },
  }, async (request) => {
    const { projectId, campaignId, elementId } = request.params;
    const record = await loadCampaign(ctx, projectId, campaignId);
    const el = elementOf(record, elementId, ["split.ax", "split.axTest"], "an A/X split or test");
    requireLive(record, "choose a winner");
    const variants = Array.isArray(el.params.variants) ? (el.params.variants as { key?: unknown }[]).map((v) => String(v?.key)) : [];
    if (!variants.includes(request.body.variant)) {
      throw badRequest(`${request.body.variant} is not a variant of ${elementId} (${variants.join(", ")})`, [{ path: "body.variant", message: `one of ${variants.join(", ")}` }]);
    }
    const chosen = (typeof el.params.winner === "string" ? el.params.winner : undefined) ?? record.state.winners?.[elementId];
    if (chosen !== undefined) throw new ApiError(409, "winner_chosen", `${elementId} already has its winner (${chosen})`);
    const contacts = await ctx.store.transaction(async () => {
      const held = (await ctx.store.heldTokens(campaignId, elementId)).length;
      await ctx.engine.setWinner(campaignId, elementId, request.body.variant);
      return held;
    });
    ctx.wake();
    return { element: elementId, variant: request.body.variant, contacts };
  });
});
