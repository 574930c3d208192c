import { z } from "zod";

export const REENTRY = ["never", "afterExit", "always"] as const;
export type Reentry = (typeof REENTRY)[number];

/**
 * One element on the canvas. Its `params` are checked against the catalog by the validator
 * (`E_PARAMS`), not here: a document with bad parameters is still a document the editor shows.
 */
export const CampaignElement = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  label: z.string().optional(),
  position: z.object({ x: z.number(), y: z.number() }).optional(),
});
export type CampaignElement = z.infer<typeof CampaignElement>;

export const Connection = z.object({
  from: z.string().min(1),
  exit: z.string().min(1),
  to: z.string().min(1),
});
export type Connection = z.infer<typeof Connection>;

export const CampaignDocument = z.object({
  id: z.string().min(1).default("campaign"),
  name: z.string().default(""),
  timezone: z.string().optional(),
  reentry: z.enum(REENTRY).default("afterExit"),
  elements: z.array(CampaignElement),
  connections: z.array(Connection).default([]),
});
export type CampaignDocument = z.infer<typeof CampaignDocument>;
export type CampaignDocumentInput = z.input<typeof CampaignDocument>;
