import { z } from "zod";

/** Shared route schemas. Request bodies are strict: an unknown field is an error, never silently dropped. */
export const ProjectParams = z.strictObject({ projectId: z.string().min(1).max(63) });

export const Paging = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  /** Opaque cursor from the previous page's `next`. */
  cursor: z.string().max(200).optional(),
});

export const Role = z.enum(["admin", "editor", "approver", "viewer"]);

export const Ok = z.object({ ok: z.literal(true) });
