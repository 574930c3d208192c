/**
 * Tables and columns for SMS, web push, site tracking and e-commerce. One definition for both dialects; each store appends it to
 * its migrations at a fixed place (src/store/sqlite/schema.ts, src/store/postgres/schema.ts).
 */
export function channelsDdl(dialect: "sqlite" | "postgres"): string {
  const key = dialect === "postgres" ? 'TEXT COLLATE "C"' : "TEXT";
  const time = dialect === "postgres" ? "BIGINT" : "INTEGER";
  return `
CREATE TABLE IF NOT EXISTS sms_smsc_ids (
  smsc_id ${key} PRIMARY KEY,
  message_id ${time} NOT NULL,
  created_at ${time} NOT NULL
);
CREATE INDEX IF NOT EXISTS sms_smsc_ids_message ON sms_smsc_ids (message_id);
CREATE TABLE IF NOT EXISTS push_vapid (
  id ${key} PRIMARY KEY,
  public_key TEXT NOT NULL,
  private_key TEXT NOT NULL,
  created_at ${time} NOT NULL
);
`;
}
