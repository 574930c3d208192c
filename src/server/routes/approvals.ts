import { sql } from "kysely";
import { z } from "zod";
import { ElementParams } from "../../campaigns/api-schemas.js";
import { loadCampaign, projectConfig } from "../../campaigns/campaign-service.js";
import { withoutTracking } from "../../channels/email/render.js";
import { CompiledCampaign } from "../../engine/compiled-campaign.js";
import type { ProjectConfig } from "../../model/index.js";
import { HELD, type CampaignRecord } from "../../store/store.js";
import type { ServerContext } from "../context.js";
import { badRequest, notFound } from "../errors.js";
import { ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

const TAGS = ["campaigns"];

const Preview = z.object({
  contact: z.string().describe("the contact of the first prepared email"),
  to: z.string().nullable(),
  subject: z.string(),
  preheader: z.string().nullable(),
  html: z.string().describe("as prepared, without tracking (no open pixel, links to their targets)"),
  text: z.string(),
  from: z.string().nullable(),
  replyTo: z.string().nullable(),
});

export const ApprovalRequest = z.object({
  campaign: z.object({ id: z.string(), name: z.string(), status: z.string() }),
  element: z.string().describe("the delay.approval element: decide with POST /campaigns/:id/approvals/:element"),
  sends: z.array(z.string()).describe("the requestApproval emails it covers"),
  recipients: z.number().describe("emails prepared and waiting for the decision"),
  waiting: z.number().describe("contacts held at the approval"),
  preparedAt: z.number().nullable().describe("when the first pending email was prepared"),
  lastPreparedAt: z.number().nullable(),
  preview: Preview.nullable().describe("the first prepared email, rendered for its contact"),
});
type ApprovalRequest = z.infer<typeof ApprovalRequest>;

/** The approval elements of a campaign with the sends each covers. */
function approvals(record: CampaignRecord, config: ProjectConfig) {
  const compiled = new CompiledCampaign(record.doc, config);
  return record.doc.elements.filter((e) => e.type === "delay.approval").map((e) => ({ element: e.id, sends: compiled.approvalSources(e.id) }));
}

/**
 * The approval request of one approval element: what its sends prepared and still wait for a
 * decision (count, first and last preparation), the contacts held, and a preview of the first email.
 */
async function request(ctx: ServerContext, record: CampaignRecord, element: string, sends: string[]): Promise<ApprovalRequest> {
  const { db } = ctx;
  let recipients = 0;
  let preparedAt: number | null = null;
  let lastPreparedAt: number | null = null;
  let preview: ApprovalRequest["preview"] = null;
  if (sends.length) {
    const stats = await db.first(db.q.selectFrom("messages")
      .select([sql<number>`COUNT(*)`.as("n"), sql<number | null>`MIN(created_at)`.as("first"), sql<number | null>`MAX(created_at)`.as("last"), sql<number | null>`MIN(id)`.as("firstId")])
      .where("campaign_id", "=", record.id).where("element", "in", sends).where("status", "=", "pendingApproval"));
    recipients = Number(stats?.n ?? 0);
    preparedAt = stats?.first == null ? null : Number(stats.first);
    lastPreparedAt = stats?.last == null ? null : Number(stats.last);
    if (stats?.firstId != null) {
      const m = await db.first(db.q.selectFrom("messages").select(["contact_id", "payload"]).where("id", "=", Number(stats.firstId)));
      if (m) {
        const p = (typeof m.payload === "string" ? JSON.parse(m.payload) : m.payload) as Record<string, unknown>;
        const s = (k: string) => (typeof p[k] === "string" ? (p[k] as string) : null);
        preview = {
          contact: m.contact_id, to: s("to"), subject: s("subject") ?? "", preheader: s("preheader"),
          html: withoutTracking(s("html") ?? "", ctx.baseUrl), text: s("text") ?? "", from: s("from"), replyTo: s("replyTo"),
        };
      }
    }
  }
  const held = await db.first(db.q.selectFrom("journeys").select(sql<number>`COUNT(*)`.as("n"))
    .where("campaign_id", "=", record.id).where("element", "=", element).where("state", "=", HELD));
  return {
    campaign: { id: record.id, name: record.doc.name, status: record.status }, element, sends, recipients,
    waiting: Number(held?.n ?? 0), preparedAt, lastPreparedAt, preview,
  };
}

/**
 * Approval requests (ELEMENTS.md `requestApproval` + `delay.approval`): what is prepared and waits
 * for a decision, with a preview. Deciding is `POST /campaigns/:id/approvals/:element` (approver,
 * editor or admin). See docs/email-content.md.
 */
export default routes(async (app) => {
  const ctx = app.relais;

  app.get("/projects/:projectId/approvals", {
    schema: {
      tags: TAGS, summary: "Pending approval requests of the project's running campaigns: recipients, preparation time and a preview of the first email",
      params: ProjectParams, response: { 200: z.object({ approvals: z.array(ApprovalRequest) }) },
    },
  }, async (req) => {
    const { projectId } = req.params;
    const config = await projectConfig(ctx, projectId);
    const out: ApprovalRequest[] = [];
    for (const record of await ctx.store.listCampaigns(projectId)) {
      if (record.status !== "active" && record.status !== "paused") continue;
      for (const a of approvals(record, config)) {
        const r = await request(ctx, record, a.element, a.sends);
        if (r.recipients > 0 || r.waiting > 0) out.push(r);
      }
    }
    out.sort((a, b) => (a.preparedAt ?? Infinity) - (b.preparedAt ?? Infinity) || a.campaign.id.localeCompare(b.campaign.id) || a.element.localeCompare(b.element));
    return { approvals: out };
  });

  app.get("/projects/:projectId/campaigns/:campaignId/approvals/:elementId", {
    schema: {
      tags: TAGS, summary: "The approval request of one approval element (recipients 0 when nothing waits)",
      params: ElementParams, response: { 200: ApprovalRequest },
    },
  }, async (req) => {
    const { projectId, campaignId, elementId } = req.params;
    const record = await loadCampaign(ctx, projectId, campaignId);
    const el = record.doc.elements.find((e) => e.id === elementId);
    if (!el) throw notFound(`element ${elementId} of campaign ${campaignId}`);
    if (el.type !== "delay.approval") throw badRequest(`element ${elementId} is a ${el.type}, not an approval (delay.approval)`, [{ path: "params.elementId", message: "not an approval" }]);
    const a = approvals(record, await projectConfig(ctx, projectId)).find((x) => x.element === elementId)!;
    return request(ctx, record, a.element, a.sends);
  });
});
