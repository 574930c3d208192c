import type { DirectoryDb } from "../store/directory/directory-db.js";
import { ENDED, HELD, WAITING } from "../store/store.js";
import { messageView, parsePayload, type MessageView } from "./message-view.js";

/** The journey log as rows: a view over `journeys.path` both schemas define (`at` is a number on both). */
type StepsView = {
  steps: { journey_id: number; seq: number; element: string; exit: string | null; at: number };
};

export interface TimelineStep {
  /** The element the contact left (or the end it reached, with `exit` null). */
  element: string;
  exit: string | null;
  at: number;
}

export interface TimelineMessage extends MessageView {
  /** The rendered subject (email), title (push) or text (SMS), when there is one. */
  subject?: string;
  title?: string;
  text?: string;
}

export interface TimelineJourney {
  id: number;
  campaign: { id: string; name: string };
  enteredAt: number;
  endedAt: number | null;
  /** `success`, `failure`, `abandon`, `neutral`, `none`, or `inProgress` while the contact is inside. */
  outcome: string;
  /** Where the contact is now; null once the journey ended. */
  element: string | null;
  /** `ready` (moves at the next tick), `waiting` (at a delay until `dueAt`), `held` (an approval or an A/X test winner), `ended`. */
  state: "ready" | "waiting" | "held" | "ended";
  dueAt: number | null;
  steps: TimelineStep[];
  messages: TimelineMessage[];
}

export interface TimelinePage {
  journeys: TimelineJourney[];
  next: string | null;
}

const STATE_NAMES: Record<number, TimelineJourney["state"]> = { [WAITING]: "waiting", [HELD]: "held", [ENDED]: "ended" };

/**
 * A contact's journeys in every campaign of its project, newest first, each with its steps in
 * order and the messages it produced. Three indexed reads per page (journeys by contact, their
 * steps, their messages), whatever the size of the campaigns.
 */
export async function contactTimeline(db: DirectoryDb, contactPk: number, options: { before?: number; limit: number }): Promise<TimelinePage> {
  let jq = db.q.selectFrom("journeys")
    .select(["id", "campaign_id", "entered_at", "ended_at", "outcome", "element", "state", "due_at"])
    .where("contact_pk", "=", contactPk);
  if (options.before !== undefined) jq = jq.where("id", "<", options.before);
  const rows = await db.all(jq.orderBy("id", "desc").limit(options.limit + 1));
  const page = rows.slice(0, options.limit);
  if (page.length === 0) return { journeys: [], next: null };

  // The page is a range of this contact's journey ids: the same bounded statement whatever the page size.
  const lo = Number(page[page.length - 1].id);
  const hi = Number(page[0].id);
  const inPage = db.q.selectFrom("journeys").select("id").where("contact_pk", "=", contactPk).where("id", ">=", lo).where("id", "<=", hi);
  const stepRows = await db.all(db.q.withTables<StepsView>().selectFrom("steps")
    .select(["journey_id", "element", "exit", "at"])
    .where("journey_id", "in", inPage)
    .orderBy("journey_id").orderBy("seq"));
  const messageRows = await db.all(db.q.selectFrom("messages").selectAll().where("journey_id", "in", inPage).orderBy("id"));
  const inPageCampaigns = db.q.selectFrom("journeys").select("campaign_id").where("contact_pk", "=", contactPk).where("id", ">=", lo).where("id", "<=", hi);
  const names = new Map((await db.all(db.q.selectFrom("campaigns").select(["id", "doc"]).where("id", "in", inPageCampaigns)))
    .map((c) => [c.id, String((JSON.parse(c.doc) as { name?: unknown }).name ?? "")]));

  const steps = new Map<number, TimelineStep[]>();
  for (const s of stepRows) {
    const list = steps.get(Number(s.journey_id)) ?? [];
    list.push({ element: s.element, exit: s.exit ?? null, at: Number(s.at) });
    steps.set(Number(s.journey_id), list);
  }
  const messages = new Map<number, TimelineMessage[]>();
  for (const m of messageRows) {
    const p = parsePayload(m.payload);
    const list = messages.get(Number(m.journey_id)) ?? [];
    list.push({
      ...messageView(m),
      ...(typeof p.subject === "string" ? { subject: p.subject } : {}),
      ...(typeof p.title === "string" ? { title: p.title } : {}),
      ...(typeof p.text === "string" && m.channel === "sms" ? { text: p.text } : {}),
    });
    messages.set(Number(m.journey_id), list);
  }
  return {
    journeys: page.map((j) => {
      const id = Number(j.id);
      const state = STATE_NAMES[Number(j.state)] ?? "ready";
      return {
        id, campaign: { id: j.campaign_id, name: names.get(j.campaign_id) ?? "" },
        enteredAt: Number(j.entered_at), endedAt: j.ended_at === null ? null : Number(j.ended_at),
        outcome: j.outcome ?? "inProgress", element: j.element, state,
        dueAt: state === "ended" || j.due_at === null ? null : Number(j.due_at),
        steps: steps.get(id) ?? [], messages: messages.get(id) ?? [],
      };
    }),
    next: rows.length > options.limit ? String(page[page.length - 1].id) : null,
  };
}
