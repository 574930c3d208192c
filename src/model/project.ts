import { z } from "zod";
import { Rule } from "./rule.js";

export const FIELD_TYPES = ["text", "number", "boolean", "date", "datetime", "email", "phone"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
export const FIELD_CATEGORIES = ["general", "administrative", "subscription", "uniqueKey"] as const;
export const CHANNELS = ["email", "sms", "push", "postal"] as const;
export type Channel = (typeof CHANNELS)[number];

export const FieldDef = z.object({
  key: z.string().min(1),
  type: z.enum(FIELD_TYPES),
  category: z.enum(FIELD_CATEGORIES).default("general"),
});
export type FieldDef = z.infer<typeof FieldDef>;

export const ColumnDef = z.object({ key: z.string().min(1), type: z.enum(FIELD_TYPES).default("text") });

/**
 * A bank of promo codes. Codes added through the API live in the store (`promo_codes`), not
 * here; `codes` holds only those a scenario file declares inline.
 */
export const PromoBankDef = z.object({
  key: z.string().min(1),
  codes: z.array(z.string()).default([]),
  /** After this instant (epoch ms) the bank grants no more codes. */
  expiresAt: z.number().int().optional(),
  /** The bank is reported low when its free codes fall to this number or below. */
  lowStockThreshold: z.number().int().min(0).optional(),
});
export type PromoBankDef = z.infer<typeof PromoBankDef>;

/**
 * Where exported files go. The connection details are optional so scenario files can name a
 * destination without a server; the credentials are never here (encrypted in the directory's
 * `secrets` table).
 */
export const DestinationDef = z.object({
  key: z.string().min(1),
  type: z.string().default("sftp"),
  host: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  username: z.string().optional(),
  /** Folder on the server that export paths are relative to. */
  directory: z.string().optional(),
  /** Pinned host key fingerprint (`SHA256:…`): a server showing another key is refused. */
  hostKey: z.string().optional(),
  /** How the stored credentials authenticate. */
  authType: z.enum(["password", "privateKey"]).optional(),
  /** CSV files sent there: field delimiter (default `,`) and a UTF-8 byte order mark (default none). docs/exports.md */
  delimiter: z.enum([",", ";"]).optional(),
  bom: z.boolean().optional(),
});
export type DestinationDef = z.infer<typeof DestinationDef>;

/**
 * What a campaign can refer to in its project. The validator reads it to check references;
 * the engine reads it for field types, personas and postal fields.
 */
export const ProjectConfig = z.object({
  timezone: z.string().default("America/Toronto"),
  sendHour: z.number().int().min(0).max(23).default(10),
  modules: z
    .object({ ecommerce: z.boolean().optional(), siteTracking: z.boolean().optional() })
    .default({}),
  fields: z.array(FieldDef).default([]),
  communicationTypes: z
    .array(
      z.object({
        key: z.string().min(1),
        channel: z.enum(CHANNELS),
        administrative: z.boolean().optional(),
      }),
    )
    .default([]),
  groups: z.array(z.object({ key: z.string().min(1) })).default([]),
  personas: z.array(z.object({ key: z.string().min(1), rule: Rule })).default([]),
  tables: z.array(z.object({
    key: z.string().min(1),
    columns: z.array(ColumnDef).default([]),
    /** Rows may come from the project's site tracker (`table_row` events, docs/site-tracking.md); off by default. */
    site: z.boolean().optional(),
  })).default([]),
  promoBanks: z.array(PromoBankDef).default([]),
  destinations: z.array(DestinationDef).default([]),
  postalFields: z.array(z.string()).default([]),
  /** Web origins (`https://shop.example`) allowed to register push subscriptions from the browser (docs/sms-push.md). */
  sites: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, "an origin such as https://shop.example (no path)")).optional(),
  /** SMS: the country national numbers are read in (default CA) and the quiet hours (default 21:00–09:00; null: none). docs/sms-push.md */
  sms: z.object({
    defaultCountry: z.string().regex(/^[A-Z]{2}$/, "an ISO 3166 country code such as CA").optional(),
    quietHours: z.object({
      start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM"),
      end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM"),
    }).nullable().optional(),
  }).optional(),
});
export type ProjectConfig = z.infer<typeof ProjectConfig>;
export type ProjectConfigInput = z.input<typeof ProjectConfig>;

export function fieldTypes(project: ProjectConfig): Map<string, FieldType> {
  return new Map(project.fields.map((f) => [f.key, f.type]));
}

/** A contact's email address is its first field of type `email`; its phone its first `phone`. */
export function addressField(project: ProjectConfig, type: "email" | "phone"): string | undefined {
  return project.fields.find((f) => f.type === type)?.key;
}
