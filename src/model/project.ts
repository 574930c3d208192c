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
  tables: z.array(z.object({ key: z.string().min(1), columns: z.array(ColumnDef).default([]) })).default([]),
  promoBanks: z
    .array(z.object({ key: z.string().min(1), codes: z.array(z.string()).default([]) }))
    .default([]),
  destinations: z.array(z.object({ key: z.string().min(1), type: z.string().default("sftp") })).default([]),
  postalFields: z.array(z.string()).default([]),
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
