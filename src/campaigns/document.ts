import { z } from "zod";
import { CampaignDocument, CampaignElement, Connection } from "../model/index.js";

/**
 * A campaign document as the API takes it: the model's shape (src/model/campaign.ts), strict at
 * every level so a misspelt field is an error rather than silently dropped. Element parameters are
 * not checked here: a draft may be incomplete, and the validator reports them as findings.
 * `id` is optional and never trusted: the server assigns campaign ids.
 */
export const DocumentInput = CampaignDocument.omit({ id: true })
  .extend({
    id: z.string().min(1).max(100).optional()
      .describe("ignored when creating, importing or saving a template (the server assigns ids); on update it must be the campaign's id"),
    name: z.string().max(200).default(""),
    elements: z.array(CampaignElement.extend({ position: z.strictObject({ x: z.number(), y: z.number() }).optional() }).strict()).max(5000),
    connections: z.array(Connection.strict()).max(20000).default([]),
  })
  .strict();
export type DocumentInput = z.infer<typeof DocumentInput>;

/** A document as stored for templates and in export files: everything but the campaign id. */
export const PortableDocument = CampaignDocument.omit({ id: true });
export type PortableDocument = z.infer<typeof PortableDocument>;

/** The document stored for campaign `id` (the engine keys everything by it). */
export function campaignDocument(input: DocumentInput | PortableDocument, id: string): CampaignDocument {
  const { id: _ignored, ...rest } = input as DocumentInput;
  return { ...rest, id };
}

/** A document without its campaign id, to store as a template or write to an export file. */
export function portable(doc: CampaignDocument | DocumentInput): PortableDocument {
  const { id: _ignored, ...rest } = doc;
  return rest;
}

/** The export file format: `GET …/export` writes it, `POST …/campaigns/import` reads it. */
export const ExportFile = z.strictObject({
  relais: z.literal("campaign").describe('always "campaign": what the file holds'),
  version: z.literal(1).describe("the file format's version"),
  document: DocumentInput,
});
export type ExportFile = z.infer<typeof ExportFile>;

/** A file name for an export: the campaign's name in plain ASCII, or its id. */
export function exportFileName(name: string, id: string): string {
  const slug = name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80);
  return `${slug || id}.relais.json`;
}
