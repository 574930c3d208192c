import { z } from "zod";
import { Rule } from "../model/index.js";

/**
 * The shapes the contacts API reads and writes, declared once: the routes validate with them,
 * OpenAPI documents them, the service's types come from them. Request bodies are strict.
 */

const Values = z.record(z.string(), z.unknown());

/** A contact to create or upsert: its fields (the unique key among them), consents, groups. */
export const ContactBody = z.strictObject({
  fields: Values,
  /** Consent per communication type (administrative types need none and are refused here). */
  subscriptions: z.record(z.string(), z.boolean()).optional(),
  /** The contact's groups: on an upsert of an existing contact, they replace its groups. */
  groups: z.array(z.string().min(1).max(200)).max(1000).optional(),
});
export type ContactBody = z.infer<typeof ContactBody>;

export const ContactPatchBody = z.strictObject({ fields: Values });

export const SubscriptionBody = z.strictObject({
  subscribed: z.boolean(),
  /** Where the consent came from, kept in the history (the proof of consent). */
  source: z.string().min(1).max(200).default("api"),
});

export const ContactStatus = z.enum(["active", "deactivated"]);

export const SearchBody = z.strictObject({
  rule: Rule.optional(),
  status: ContactStatus.optional(),
  limit: z.number().int().min(1).max(1000).default(50),
  /** Opaque cursor from the previous page's `next`. */
  cursor: z.string().max(2000).optional(),
});
export type SearchBody = z.infer<typeof SearchBody>;

export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(2000).optional(),
  status: ContactStatus.optional(),
});

export const TableRowBody = z.strictObject({ row: Values });

export const TableUpdateBody = z.strictObject({
  row: Values,
  /** The one column (and its value) that identifies the row to update; default: the table's first column, read from `row`. */
  match: Values.optional(),
});

export const SubscriptionState = z.object({
  subscribed: z.boolean(),
  /** When and from where the latest change came; null when the history holds none (never changed, or erased). */
  at: z.number().nullable(),
  source: z.string().nullable(),
});

export const ContactOut = z.object({
  id: z.string(),
  status: ContactStatus,
  createdAt: z.number(),
  fields: Values,
  subscriptions: z.record(z.string(), SubscriptionState),
  groups: z.array(z.string()),
});
export type ContactOut = z.infer<typeof ContactOut>;

export const ContactPage = z.object({
  contacts: z.array(ContactOut),
  /** Cursor of the next page, null at the end. */
  next: z.string().nullable(),
  /** How many contacts match (given when it costs no scan: without a rule). */
  total: z.number().optional(),
});
export type ContactPage = z.infer<typeof ContactPage>;

export const HistoryEntry = z.object({ communicationType: z.string(), subscribed: z.boolean(), at: z.number(), source: z.string() });

export const TableRows = z.object({ table: z.string(), rows: z.array(Values) });
