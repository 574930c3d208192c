import type Database from "better-sqlite3";

/** Every column of every message but the ids, by contact, element and hop. */
export function outbox(db: Database.Database): Record<string, unknown>[] {
  const rows = db.prepare("SELECT * FROM messages ORDER BY contact_id, element, hop").all() as Record<string, unknown>[];
  for (const r of rows) {
    delete r.id;
    delete r.journey_id;
  }
  return rows;
}
