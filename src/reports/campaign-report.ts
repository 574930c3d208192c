import { elementDef, OUTCOMES } from "../model/index.js";
import type { DirectoryDb } from "../store/directory/directory-db.js";
import type { CampaignRecord, CampaignStatus, Store } from "../store/store.js";

/** Every way a journey stands: the four end outcomes, `none` (an unconnected exit) and `inProgress`. */
export const REPORT_OUTCOMES = [...OUTCOMES, "none", "inProgress"] as const;
export type ReportOutcome = (typeof REPORT_OUTCOMES)[number];

/** A count and its share of a whole; `rate` is null when the whole is 0. */
export interface Share {
  count: number;
  rate: number | null;
}

export interface ElementFigures {
  type: string;
  label?: string;
  /** Contacts that reached the element (every passage counts: re-entries too). */
  entered: number;
  /** Contacts at the element now (ready, waiting at a delay, or held). */
  waiting: number;
  /** Contacts that left by each exit; every exit of the element is listed, 0 when never taken. */
  exits: Record<string, number>;
}

export interface SendFigures {
  channel: string;
  /** Messages prepared for the contacts that reached the send, whatever became of them. */
  reached: number;
  sent: number;
  queued: number;
  pendingApproval: number;
  discarded: number;
  failed: number;
  skipped: Record<string, number>;
  delivered: number;
  /** Messages opened; a click counts as an open (images may have been blocked). */
  opened: number;
  clicked: number;
  unsubscribed: number;
  complaints: number;
  bounces: { hard: number; soft: number };
  /** See docs/api/reports.md for each definition; null when the denominator is 0. */
  rates: {
    delivery: number | null;
    open: number | null;
    click: number | null;
    clickToOpen: number | null;
    unsubscribe: number | null;
    complaint: number | null;
    bounce: number | null;
    skip: number | null;
  };
}

export interface CampaignReport {
  campaign: { id: string; name: string; status: CampaignStatus };
  /** Journeys entered (one per entry of a contact). */
  journeys: number;
  elements: Record<string, ElementFigures>;
  outcomes: Record<ReportOutcome, Share>;
  /** Share of journeys that ended in `end.success`: the campaign's headline figure. */
  successRate: number | null;
  sends: Record<string, SendFigures>;
  generatedAt: number;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

/**
 * A campaign's figures over live data, aggregated by the database: element counts come from
 * the engine's running counters (`element_stats`), positions and outcomes from grouped counts
 * over journeys, send figures from ONE grouped count over the campaign's messages. Nothing is
 * loaded row by row, so the cost does not grow with the number of contacts in memory.
 */
export async function campaignReport(store: Store, db: DirectoryDb, campaign: CampaignRecord, now: number): Promise<CampaignReport> {
  const [stats, waiting, outcomeCounts, messageRows] = [
    await store.elementStats(campaign.id),
    await store.waitingCounts(campaign.id),
    await store.outcomeCounts(campaign.id),
    await messageCounts(db, campaign.id),
  ];
  const statOf = new Map(stats.map((s) => [`${s.element}\u0000${s.exit}`, Number(s.n)]));

  const elements: Record<string, ElementFigures> = {};
  for (const el of campaign.doc.elements) {
    const def = elementDef(el.type);
    if (def?.family === "utility" || elements[el.id]) continue;
    let exits: string[] = [];
    if (def) {
      const p = def.params.safeParse(el.params ?? {});
      if (p.success) exits = def.exits(p.data);
    }
    // Exits taken under an earlier version of the document are shown too: their contacts went somewhere.
    for (const s of stats) if (s.element === el.id && s.exit !== "" && !exits.includes(s.exit)) exits.push(s.exit);
    elements[el.id] = {
      type: el.type,
      ...(el.label ? { label: el.label } : {}),
      entered: statOf.get(`${el.id}\u0000`) ?? 0,
      waiting: Number(waiting.get(el.id) ?? 0),
      exits: Object.fromEntries(exits.map((x) => [x, statOf.get(`${el.id}\u0000${x}`) ?? 0])),
    };
  }

  const journeys = [...outcomeCounts.values()].reduce((a, n) => a + Number(n), 0);
  const outcomes = Object.fromEntries(REPORT_OUTCOMES.map((o) => {
    const count = Number(outcomeCounts.get(o) ?? 0);
    return [o, { count, rate: ratio(count, journeys) }];
  })) as Record<ReportOutcome, Share>;

  const sends: Record<string, SendFigures> = {};
  for (const el of campaign.doc.elements) {
    const channel = elementDef(el.type)?.sends;
    if (channel) sends[el.id] = emptySend(channel);
  }
  for (const r of messageRows) {
    const s = (sends[r.element] ??= emptySend(r.channel));
    const n = Number(r.n);
    s.reached += n;
    if (r.status === "skipped") s.skipped[r.reason ?? "unknown"] = (s.skipped[r.reason ?? "unknown"] ?? 0) + n;
    else if (r.status === "sent" || r.status === "queued" || r.status === "pendingApproval" || r.status === "discarded" || r.status === "failed") s[r.status] += n;
    s.delivered += Number(r.delivered);
    s.opened += Number(r.opened);
    s.clicked += Number(r.clicked);
    s.unsubscribed += Number(r.unsubscribed);
    s.complaints += Number(r.complained);
    s.bounces.hard += Number(r.hard_bounces);
    s.bounces.soft += Number(r.bounces) - Number(r.hard_bounces);
  }
  for (const s of Object.values(sends)) {
    const skipped = Object.values(s.skipped).reduce((a, n) => a + n, 0);
    s.rates = {
      delivery: ratio(s.delivered, s.sent),
      open: ratio(s.opened, s.delivered),
      click: ratio(s.clicked, s.delivered),
      clickToOpen: ratio(s.clicked, s.opened),
      unsubscribe: ratio(s.unsubscribed, s.delivered),
      complaint: ratio(s.complaints, s.delivered),
      bounce: ratio(s.bounces.hard + s.bounces.soft, s.sent),
      skip: ratio(skipped, s.reached),
    };
  }

  return {
    campaign: { id: campaign.id, name: campaign.doc.name, status: campaign.status },
    journeys, elements, outcomes, successRate: outcomes.success.rate, sends, generatedAt: now,
  };
}

function emptySend(channel: string): SendFigures {
  return {
    channel, reached: 0, sent: 0, queued: 0, pendingApproval: 0, discarded: 0, failed: 0, skipped: {},
    delivered: 0, opened: 0, clicked: 0, unsubscribed: 0, complaints: 0, bounces: { hard: 0, soft: 0 },
    rates: { delivery: null, open: null, click: null, clickToOpen: null, unsubscribe: null, complaint: null, bounce: null, skip: null },
  };
}

/**
 * The campaign's messages counted by element, channel, status and skip reason, with how many of
 * each group have each event. A click implies an open, so `opened` counts either. Event times
 * are set on sent messages only, so they never inflate skipped or queued groups.
 */
function messageCounts(db: DirectoryDb, campaignId: string) {
  return db.all(db.q.selectFrom("messages")
    .select((eb) => [
      "element", "channel", "status", "reason",
      eb.fn.countAll<number>().as("n"),
      eb.fn.count<number>("delivered_at").as("delivered"),
      eb.fn.count<number>(eb.fn.coalesce("opened_at", "clicked_at")).as("opened"),
      eb.fn.count<number>("clicked_at").as("clicked"),
      eb.fn.count<number>("unsubscribed_at").as("unsubscribed"),
      eb.fn.count<number>("complained_at").as("complained"),
      eb.fn.count<number>("bounced_at").as("bounces"),
      eb.fn.count<number>(eb.case().when(eb.and([eb("bounced_at", "is not", null), eb("bounce_hard", "=", true)])).then(1).end()).as("hard_bounces"),
    ])
    .where("campaign_id", "=", campaignId)
    .groupBy(["element", "channel", "status", "reason"]));
}
