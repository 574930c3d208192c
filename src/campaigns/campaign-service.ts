import { randomBytes } from "node:crypto";
import type { CampaignDocument, Lang, ProjectConfig } from "../model/index.js";
import type { ServerContext } from "../server/context.js";
import { ApiError, notFound } from "../server/errors.js";
import type { CampaignRecord } from "../store/store.js";
import { campaignDocument, type DocumentInput, type PortableDocument } from "./document.js";
import { campaignFindings, hasErrorFindings, type CampaignFinding } from "./findings.js";
import { refusal, type LifecycleAction } from "./lifecycle.js";
import { CampaignVersions } from "./versions.js";

/** A refused status change (pause a draft, resume an active campaign…): 409 with the reason. */
export const invalidTransition = (message: string): ApiError => new ApiError(409, "invalid_transition", message);

/** A campaign whose findings include errors cannot run: 422 with every finding. */
export function invalidCampaign(findings: CampaignFinding[], what: string): ApiError {
  const errors = findings.filter((f) => f.code.startsWith("E_"));
  return new ApiError(422, "invalid_campaign",
    `${what}: the campaign has ${errors.length} error${errors.length > 1 ? "s" : ""} (${errors.map((f) => f.element ? `${f.element}: ${f.code}` : f.code).join(", ")})`,
    undefined, { findings });
}

/** A fresh campaign id, `c-` and 12 hex digits, not used by any campaign of any project. */
export async function newCampaignId(ctx: ServerContext): Promise<string> {
  for (;;) {
    const id = `c-${randomBytes(6).toString("hex")}`;
    if (!(await ctx.store.getCampaign(id))) return id;
  }
}

/**
 * The campaign `campaignId` of project `projectId`. A campaign of another project is answered
 * exactly like one that does not exist (404): a caller learns nothing about other projects.
 */
export async function loadCampaign(ctx: ServerContext, projectId: string, campaignId: string): Promise<CampaignRecord> {
  const record = await ctx.store.getCampaign(campaignId);
  if (!record || record.projectId !== projectId) throw notFound(`campaign ${campaignId}`);
  return record;
}

/** The project's configuration, which campaigns are validated against. */
export async function projectConfig(ctx: ServerContext, projectId: string): Promise<ProjectConfig> {
  const config = await ctx.store.getProject(projectId);
  if (!config) throw notFound("project");
  return config;
}

/**
 * Runs `change` on the campaign in one store transaction, after locking its row (an empty state
 * merge takes the row lock on PostgreSQL; SQLite has one writer anyway) and reading it afresh, so
 * concurrent changes to one campaign take turns and each sees what the previous one committed.
 * The engine's cached copy is dropped afterwards, whether the change committed or not.
 */
export async function changeCampaign<T>(ctx: ServerContext, projectId: string, campaignId: string, change: (record: CampaignRecord) => Promise<T>): Promise<T> {
  try {
    return await ctx.store.transaction(async () => {
      await loadCampaign(ctx, projectId, campaignId);
      await ctx.store.updateCampaignState(campaignId, {});
      ctx.engine.forget(campaignId);
      return change(await loadCampaign(ctx, projectId, campaignId));
    });
  } finally {
    ctx.engine.forget(campaignId);
  }
}

/** Saves a new draft with a fresh id; `name` replaces the document's when given. */
export async function createDraft(ctx: ServerContext, projectId: string, doc: DocumentInput | PortableDocument, seed = 0, name?: string): Promise<CampaignRecord> {
  return ctx.store.transaction(async () => {
    const id = await newCampaignId(ctx);
    const document = campaignDocument(doc, id);
    if (name !== undefined) document.name = name;
    return ctx.engine.saveCampaign(projectId, document, seed);
  });
}

/** Replaces a draft's document (no version: drafts have none). */
export async function updateDraft(ctx: ServerContext, record: CampaignRecord, doc: CampaignDocument): Promise<CampaignRecord> {
  return ctx.engine.saveCampaign(record.projectId, doc, record.seed);
}

/** Deletes a draft. Only drafts: a campaign that ran keeps its journeys and reports (see docs/api/campaigns.md). */
export async function deleteDraft(ctx: ServerContext, projectId: string, campaignId: string): Promise<void> {
  await changeCampaign(ctx, projectId, campaignId, async (record) => {
    if (record.status !== "draft") {
      throw invalidTransition(`cannot delete a ${record.status} campaign: only drafts can be deleted; a campaign that ran keeps its journeys and reports${record.status === "stopped" ? "" : " (stop it to end it)"}`);
    }
    // A draft never ran: nothing but its row exists in the engine's tables.
    await ctx.db.run(ctx.db.q.deleteFrom("campaigns").where("id", "=", campaignId));
  });
}

/**
 * Activates, pauses, resumes or stops a campaign. Activation validates the document (errors: 422
 * with the findings) and records it as version 1. `overdue` is the resume's choice for contacts
 * whose wait ended during the pause: go `now`, or wait what was left (`retime`).
 */
export async function changeStatus(
  ctx: ServerContext, projectId: string, campaignId: string, action: LifecycleAction, options: { overdue?: "now" | "retime"; lang?: Lang } = {},
): Promise<CampaignRecord> {
  const at = ctx.clock.now();
  await changeCampaign(ctx, projectId, campaignId, async (record) => {
    const why = refusal(action, record.status);
    if (why) throw invalidTransition(why);
    switch (action) {
      case "activate": {
        const findings = await campaignFindings(record.doc, await projectConfig(ctx, projectId), options.lang ?? "fr");
        if (hasErrorFindings(findings)) throw invalidCampaign(findings, "cannot activate");
        await ctx.engine.activate(campaignId, at);
        await new CampaignVersions(ctx.db).record(campaignId, record.doc, at);
        return;
      }
      case "pause":
        return ctx.engine.pause(campaignId, at);
      case "resume":
        return ctx.engine.resume(campaignId, at, options.overdue ?? "now");
      case "stop":
        return ctx.engine.stop(campaignId);
    }
  });
  ctx.wake();
  return loadCampaign(ctx, projectId, campaignId);
}
