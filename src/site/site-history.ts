import type { SiteDb } from "./site-db.js";

const DAY = 24 * 3600_000;
/** Anonymous visitors and their events are kept this long after they were last seen. */
export const ANONYMOUS_RETENTION_MS = 30 * DAY;
/** Identified events are kept this long (13 months), like the tracker's cookie. */
export const IDENTIFIED_RETENTION_MS = 395 * DAY;

/** A site event as the API shows it. */
export interface SiteEventView {
  id: number;
  type: string;
  data: Record<string, unknown>;
  at: number;
  visitor: string;
}

/** A contact's site events, newest first. */
export async function contactSiteEvents(db: SiteDb, projectId: string, contactPk: number, o: { before?: number; limit: number }): Promise<{ events: SiteEventView[]; next: string | null }> {
  let q = db.q.selectFrom("site_events").select(["id", "type", "data", "at", "visitor_id"])
    .where("project_id", "=", projectId).where("contact_pk", "=", contactPk).orderBy("id", "desc").limit(o.limit + 1);
  if (o.before !== undefined) q = q.where("id", "<", o.before);
  const rows = await db.all(q);
  const events = rows.slice(0, o.limit).map((r) => ({ id: Number(r.id), type: r.type, data: JSON.parse(r.data) as Record<string, unknown>, at: Number(r.at), visitor: r.visitor_id }));
  return { events, next: rows.length > o.limit ? String(events[events.length - 1].id) : null };
}

/** Applies the retention periods to every project (run now and then by the ingest). */
export async function purgeSiteHistory(db: SiteDb, now: number): Promise<void> {
  const anon = now - ANONYMOUS_RETENTION_MS;
  const old = now - IDENTIFIED_RETENTION_MS;
  await db.run(db.q.deleteFrom("site_events").where("at", "<", anon).where("contact_pk", "is", null));
  await db.run(db.q.deleteFrom("site_events").where("at", "<", old));
  await db.run(db.q.deleteFrom("site_visitors").where("last_seen", "<", anon).where("contact_pk", "is", null));
  await db.run(db.q.deleteFrom("site_visitors").where("last_seen", "<", old));
}

/** Forgets a contact's site history and browsers (for the erasure of a contact). */
export async function eraseSiteHistory(db: SiteDb, projectId: string, contactPk: number): Promise<void> {
  await db.run(db.q.deleteFrom("site_events").where("project_id", "=", projectId).where("contact_pk", "=", contactPk));
  await db.run(db.q.deleteFrom("site_visitors").where("project_id", "=", projectId).where("contact_pk", "=", contactPk));
}
