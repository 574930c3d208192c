import type { CampaignDocument } from "../model/index.js";
import type { DirectoryDb } from "../store/directory/directory-db.js";

/** One published version of a campaign: the document as it was activated or edited while live. */
export interface CampaignVersion {
  version: number;
  publishedAt: number;
  document: CampaignDocument;
}

/**
 * The `campaign_versions` table. Version 1 is the document activated; each edit of an active or
 * paused campaign publishes the next one. Drafts have no version. Callers record a version in
 * the transaction that changes the campaign, after locking its row, so numbers never collide.
 */
export class CampaignVersions {
  constructor(private readonly db: DirectoryDb) {}

  /** Records `doc` as the campaign's next version; returns its number. */
  async record(campaignId: string, doc: CampaignDocument, at: number): Promise<number> {
    const version = ((await this.latest([campaignId])).get(campaignId) ?? 0) + 1;
    await this.db.run(this.db.q.insertInto("campaign_versions").values({ campaign_id: campaignId, version, doc: JSON.stringify(doc), published_at: at }));
    return version;
  }

  /** The latest version number of each of these campaigns (campaigns without one are absent). */
  async latest(campaignIds: string[]): Promise<Map<string, number>> {
    if (campaignIds.length === 0) return new Map();
    const rows = await this.db.all(this.db.q.selectFrom("campaign_versions")
      .select((eb) => ["campaign_id", eb.fn.max("version").as("version")])
      .where("campaign_id", "in", campaignIds)
      .groupBy("campaign_id"));
    return new Map(rows.map((r) => [r.campaign_id, Number(r.version)]));
  }

  /** Every version of a campaign, oldest first. */
  async list(campaignId: string): Promise<CampaignVersion[]> {
    const rows = await this.db.all(this.db.q.selectFrom("campaign_versions").selectAll().where("campaign_id", "=", campaignId).orderBy("version"));
    return rows.map((r) => ({ version: Number(r.version), publishedAt: Number(r.published_at), document: JSON.parse(r.doc) }));
  }

  async get(campaignId: string, version: number): Promise<CampaignVersion | undefined> {
    const r = await this.db.first(this.db.q.selectFrom("campaign_versions").selectAll()
      .where("campaign_id", "=", campaignId).where("version", "=", version));
    return r ? { version: Number(r.version), publishedAt: Number(r.published_at), document: JSON.parse(r.doc) } : undefined;
  }
}
