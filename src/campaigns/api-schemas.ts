import { z } from "zod";
import { CampaignDocument, ERROR_CODES, WARNING_CODES } from "../model/index.js";
import { TEMPLATE_CODES } from "../channels/email/render-check.js";
import type { CampaignFinding } from "./findings.js";
import type { CampaignRecord } from "../store/store.js";
import { PortableDocument } from "./document.js";

/** The route schemas shared by the campaign and template routes (one schema: runtime check, type and OpenAPI). */

export const CampaignParams = z.strictObject({ projectId: z.string().min(1).max(63), campaignId: z.string().min(1).max(100) });
export const ElementParams = CampaignParams.extend({ elementId: z.string().min(1).max(100) });
export const TemplateParams = z.strictObject({ projectId: z.string().min(1).max(63), templateId: z.string().min(1).max(100) });

export const LangQuery = z.strictObject({
  lang: z.enum(["fr", "en"]).optional().describe("language of finding messages; default: the Accept-Language header's first of fr/en, else fr"),
});

export const Seed = z.number().int().min(0).max(2 ** 31 - 1).describe("seed of the campaign's randomness (splits): the same seed routes the same way");

export const Status = z.enum(["draft", "active", "paused", "stopped"]);

export const FindingOut = z.object({
  code: z.enum([...ERROR_CODES, ...WARNING_CODES, ...TEMPLATE_CODES]),
  element: z.string().optional(),
  path: z.string().optional(),
  field: z.string().optional().describe("template findings: the message part (subject, html, mjml, text, preheader, from, replyTo)"),
  line: z.number().optional().describe("template findings: the line in that part (1-based)"),
  column: z.number().optional().describe("template findings: the column in that line (1-based)"),
  message: z.string(),
  messages: z.object({ fr: z.string(), en: z.string() }),
});

export const CampaignSummary = z.object({
  id: z.string(),
  name: z.string(),
  status: Status,
  activatedAt: z.number().nullable(),
  pausedAt: z.number().nullable(),
  version: z.number().nullable().describe("the latest published version; null for a draft"),
  waiting: z.number().describe("contacts inside the campaign now (ready, waiting at a delay or held)"),
});

export const CampaignOut = CampaignSummary.omit({ waiting: true }).extend({
  seed: z.number(),
  document: CampaignDocument,
  valid: z.boolean().describe("no finding is an error: the document can be activated or published"),
  findings: z.array(FindingOut),
});
export type CampaignOut = z.infer<typeof CampaignOut>;

export const ExportOut = z.object({ relais: z.literal("campaign"), version: z.literal(1), document: PortableDocument });

export const VersionSummary = z.object({ version: z.number(), publishedAt: z.number() });

export const TemplateOut = z.object({ id: z.string(), name: z.string(), document: PortableDocument, createdAt: z.number(), updatedAt: z.number() });

export const ActionOut = {
  launch: z.object({ entered: z.number().describe("contacts that entered with this launch") }),
  entry: z.object({ entered: z.boolean().describe("false when the re-entry rule or the contact's status refused the entry") }),
  approval: z.object({ element: z.string(), decision: z.enum(["approve", "reject"]), contacts: z.number().describe("contacts that were waiting at the approval") }),
  winner: z.object({ element: z.string(), variant: z.string(), contacts: z.number().describe("contacts that were waiting for the winner") }),
};

/** A campaign as the API shows it. */
export function campaignOut(record: CampaignRecord, version: number | null, findings: CampaignFinding[]): CampaignOut {
  return {
    id: record.id, name: record.doc.name, status: record.status, activatedAt: record.activatedAt, pausedAt: record.pausedAt,
    version, seed: record.seed, document: record.doc, valid: !findings.some((f) => f.code.startsWith("E_")), findings,
  };
}
