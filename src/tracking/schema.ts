/**
 * Tables and columns for tracking. One definition for both dialects; each store appends it to
 * its migrations at a fixed place (src/store/sqlite/schema.ts, src/store/postgres/schema.ts).
 */
export function trackingDdl(dialect: "sqlite" | "postgres"): string {
  const int = dialect === "postgres" ? "BIGINT" : "INTEGER";
  return `
  -- An open recognised as a machine's (mail privacy proxies, security scanners, prefetch right
  -- after sending): kept apart, never counted as the contact's open.
  ALTER TABLE messages ADD COLUMN bot_opened_at ${int};
  `;
}
