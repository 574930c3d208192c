import { z } from "zod";
import { CampaignDocument, ProjectConfig } from "../model/index.js";

/** An ISO 8601 date-time (with an offset or Z). */
export const IsoDateTime = z
  .string({ error: "expected an ISO date-time" })
  .refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)), "expected an ISO date-time");

const id = z.string({ error: "expected a contact id" }).min(1);
const record = z.record(z.string(), z.unknown());

export const ScenarioContact = z.object({
  id: z.string({ error: "expected an id" }).min(1),
  createdAt: IsoDateTime.optional(),
  status: z.enum(["active", "deactivated"]).optional(),
  fields: record.optional(),
  subscriptions: z.record(z.string(), z.boolean()).optional(),
  groups: z.array(z.string()).optional(),
  push: z.array(z.unknown()).optional(),
  tables: z.record(z.string(), z.array(record)).optional(),
});
export type ScenarioContact = z.infer<typeof ScenarioContact>;

const at = { at: IsoDateTime };
const about = { ...at, contact: id };
const message = { ...about, element: z.string().min(1) };

export const ScenarioEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("contact.created"), ...at, contact: ScenarioContact }),
  z.object({ type: z.literal("contact.updated"), ...about, fields: record }),
  z.object({ type: z.literal("contact.subscribed"), ...about, communicationType: z.string().min(1) }),
  z.object({ type: z.literal("contact.unsubscribed"), ...about, communicationType: z.string().min(1) }),
  z.object({ type: z.literal("import"), ...at, contacts: z.array(ScenarioContact), launchCampaigns: z.boolean().optional() }),
  z.object({ type: z.literal("table.inserted"), ...about, table: z.string().min(1), row: record }),
  z.object({ type: z.literal("table.updated"), ...about, table: z.string().min(1), row: record }),
  z.object({ type: z.literal("group.added"), ...about, group: z.string().min(1) }),
  z.object({ type: z.literal("group.removed"), ...about, group: z.string().min(1) }),
  z.object({ type: z.literal("page.visited"), ...about, url: z.string() }),
  z.object({ type: z.literal("product.viewed"), ...about, sku: z.string(), category: z.string().optional() }),
  z.object({ type: z.literal("cart.updated"), ...about, items: z.array(z.unknown()) }),
  z.object({ type: z.literal("cart.purchased"), ...about }),
  z.object({ type: z.literal("campaign.launch"), ...at }),
  z.object({ type: z.literal("campaign.api"), ...about, data: record.optional() }),
  z.object({ type: z.literal("campaign.pause"), ...at }),
  z.object({ type: z.literal("campaign.resume"), ...at, overdue: z.enum(["now", "retime"]).optional() }),
  z.object({ type: z.literal("approval.approved"), ...at, element: z.string().min(1) }),
  z.object({ type: z.literal("approval.rejected"), ...at, element: z.string().min(1) }),
  z.object({ type: z.literal("test.winner"), ...at, element: z.string().min(1), variant: z.string().min(1) }),
  z.object({ type: z.literal("message.delivered"), ...message }),
  z.object({ type: z.literal("message.bounced"), ...message, hard: z.boolean().optional() }),
  z.object({ type: z.literal("message.opened"), ...message }),
  z.object({ type: z.literal("message.clicked"), ...message, url: z.string().optional() }),
  z.object({ type: z.literal("message.unsubscribed"), ...message, communicationType: z.string().optional() }),
  z.object({ type: z.literal("message.complained"), ...message }),
], { error: (iss) => (iss.code === "invalid_union" ? "unknown event type" : undefined) });
export type ScenarioEvent = z.infer<typeof ScenarioEvent>;

export const Scenario = z.object({
  description: z.string().optional(),
  start: IsoDateTime,
  until: IsoDateTime,
  seed: z.number().int().default(0),
  project: ProjectConfig,
  contacts: z.array(ScenarioContact).default([]),
  history: z.array(z.object({ contact: id, type: z.enum(["opened", "clicked"]), at: IsoDateTime })).default([]),
  campaign: CampaignDocument,
  activateAt: IsoDateTime.optional(),
  events: z.array(ScenarioEvent).default([]),
  autoDeliver: z.boolean().default(true),
  expected: z.unknown().optional(),
});
export type Scenario = z.infer<typeof Scenario>;

/** `events[4].at`-style location of a zod issue. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out || "(scenario)";
}

/** Parses a scenario, or returns the problems, each naming its place in the file. */
export function parseScenario(input: unknown): { ok: true; scenario: Scenario } | { ok: false; problems: string[] } {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return { ok: false, problems: ["(scenario): expected a JSON object"] };
  const r = Scenario.safeParse(input);
  if (r.success) return { ok: true, scenario: r.data };
  return { ok: false, problems: r.error.issues.map((i) => `${issuePath(i.path)}: ${i.message}`) };
}
