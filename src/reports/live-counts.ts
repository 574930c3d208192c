import type { DirectoryDb } from "../store/directory/directory-db.js";
import { ENDED } from "../store/store.js";

/** The instance-wide counts `/metrics` reads from the database on each scrape. */
export interface LiveCounts {
  /** Every campaign with its project and status. */
  campaigns: { id: string; project: string; status: string }[];
  /** Contacts inside each campaign (every journey not ended). */
  inside: Map<string, number>;
  /** Messages by channel and status. */
  messages: { channel: string; status: string; n: number }[];
}

/**
 * Three grouped reads, whatever the number of contacts: journeys not ended per campaign,
 * messages per channel and status, and the campaigns (few rows). They cover what every
 * process sharing the database did, not only this one.
 */
export async function liveCounts(db: DirectoryDb): Promise<LiveCounts> {
  const inside = await db.all(db.q.selectFrom("journeys")
    .select((eb) => ["campaign_id", eb.fn.countAll<number>().as("n")])
    .where("state", "<", ENDED)
    .groupBy("campaign_id"));
  const messages = await db.all(db.q.selectFrom("messages")
    .select((eb) => ["channel", "status", eb.fn.countAll<number>().as("n")])
    .groupBy(["channel", "status"]));
  const campaigns = await db.all(db.q.selectFrom("campaigns").select(["id", "project_id", "status"]).orderBy("id"));
  return {
    campaigns: campaigns.map((c) => ({ id: c.id, project: c.project_id, status: c.status })),
    inside: new Map(inside.map((r) => [r.campaign_id, Number(r.n)])),
    messages: messages.map((r) => ({ channel: r.channel, status: r.status, n: Number(r.n) })),
  };
}
