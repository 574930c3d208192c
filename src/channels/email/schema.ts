/**
 * Tables and columns for email delivery. One definition for both dialects; each store appends it
 * to its migrations at a fixed place (src/store/sqlite/schema.ts, src/store/postgres/schema.ts).
 */
export function emailDdl(dialect: "sqlite" | "postgres"): string {
  void dialect;
  return `
  -- Hand-overs that failed for a passing reason (4xx, network): retried with backoff, then failed.
  ALTER TABLE messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  `;
}
