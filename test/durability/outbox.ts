import type Database from "better-sqlite3";

/** Every column of every message (and its body, where bodies are stored apart), but the ids, by contact, element and hop. */
export function outbox(db: Database.Database): Record<string, unknown>[] {
  const bodies = !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'message_bodies'").get();
  const rows = db.prepare(`SELECT m.*${bodies ? ", b.payload AS body" : ""} FROM messages m
    ${bodies ? "LEFT JOIN message_bodies b ON b.message_id = m.id" : ""} ORDER BY m.contact_id, m.element, m.hop`).all() as Record<string, unknown>[];
  for (const r of rows) {
    delete r.id;
    delete r.journey_id;
  }
  return rows;
}
