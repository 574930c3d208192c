import type { DirectoryDb } from "../store/directory/directory-db.js";

/** One consent change: who, which communication type, subscribed or not, when, and from where. */
export interface SubscriptionChange {
  projectId: string;
  contactPk: number;
  communicationType: string;
  subscribed: boolean;
  at: number;
  /** Where the change came from: "api", "import:<id>", "unsubscribe-link", "complaint", "sms-stop", … */
  source: string;
}

/** Appends consent changes to the history (the proof of consent Loi 25 / CASL ask for). */
export async function logSubscriptions(db: DirectoryDb, changes: SubscriptionChange[]): Promise<void> {
  for (let i = 0; i < changes.length; i += 500) {
    const rows = changes.slice(i, i + 500).map((c) => ({
      project_id: c.projectId, contact_pk: c.contactPk, comm_type: c.communicationType, subscribed: c.subscribed ? 1 : 0, at: c.at, source: c.source,
    }));
    await db.run(db.q.insertInto("subscription_log").values(rows));
  }
}

/** The latest change per communication type of each contact: `{ [type]: { subscribed, at, source } }`. */
export async function latestSubscriptions(db: DirectoryDb, contactPks: number[]): Promise<Map<number, Record<string, { subscribed: boolean; at: number; source: string }>>> {
  const out = new Map<number, Record<string, { subscribed: boolean; at: number; source: string }>>();
  if (contactPks.length === 0) return out;
  const rows = await db.all(
    db.q.selectFrom("subscription_log").select(["contact_pk", "comm_type", "subscribed", "at", "source", "id"])
      .where("contact_pk", "in", contactPks).orderBy("at").orderBy("id"),
  );
  for (const r of rows) {
    const pk = Number(r.contact_pk);
    const m = out.get(pk) ?? {};
    m[r.comm_type] = { subscribed: Number(r.subscribed) === 1, at: Number(r.at), source: r.source };
    out.set(pk, m);
  }
  return out;
}
