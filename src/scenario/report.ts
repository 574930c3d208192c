import { elementDef } from "../model/index.js";
import type { Store } from "../store/store.js";
import type { ScenarioEvent } from "./scenario-schema.js";

const iso = (t: number | null | undefined) => (t === null || t === undefined ? undefined : new Date(t).toISOString());
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface SimulationReport {
  journeys: unknown[];
  outcomes: Record<string, number>;
  elements: Record<string, { entered: number; waiting: number; exits: Record<string, number> }>;
  messages: unknown[];
  files: unknown[];
  promoCodes: unknown[];
  contactsAfter: Record<string, unknown>;
  ignoredEvents: ScenarioEvent[];
}

/** The simulation output of SCENARIOS.md, read back from the store after the run. */
export async function buildReport(store: Store, projectId: string, campaignId: string, ignored: ScenarioEvent[]): Promise<SimulationReport> {
  const campaign = (await store.getCampaign(campaignId))!;
  const journeys = await store.journeys(campaignId);
  const steps = await store.steps(campaignId);
  const paths = new Map<number, { element: string; at: string; exit?: string }[]>();
  for (const s of steps) {
    const list = paths.get(s.journey) ?? [];
    list.push({ element: s.element, at: iso(s.at)!, ...(s.exit !== null ? { exit: s.exit } : {}) });
    paths.set(s.journey, list);
  }
  const outcomes: Record<string, number> = { success: 0, failure: 0, abandon: 0, neutral: 0, none: 0, inProgress: 0 };
  for (const j of journeys) outcomes[j.outcome ?? "inProgress"]++;

  const stats = await store.elementStats(campaignId);
  const waiting = await store.waitingCounts(campaignId);
  const elements: SimulationReport["elements"] = {};
  for (const el of campaign.doc.elements) {
    const def = elementDef(el.type);
    if (def?.family === "utility" || elements[el.id]) continue;
    let exits: string[] = [];
    if (def) {
      const p = def.params.safeParse(el.params ?? {});
      if (p.success) exits = def.exits(p.data);
    }
    elements[el.id] = {
      entered: stats.find((s) => s.element === el.id && s.exit === "")?.n ?? 0,
      waiting: waiting.get(el.id) ?? 0,
      exits: Object.fromEntries(exits.map((x) => [x, stats.find((s) => s.element === el.id && s.exit === x)?.n ?? 0])),
    };
  }

  const messages = (await store.campaignMessages(campaignId))
    .map((m) => {
      const at = m.sentAt ?? m.createdAt;
      const p = m.payload as Record<string, unknown>;
      return {
        contact: m.contactId, element: m.element, channel: m.channel, at: iso(at), status: m.status,
        ...(m.reason ? { reason: m.reason } : {}),
        ...(p.subject !== undefined ? { subject: p.subject } : {}),
        ...(p.text !== undefined && m.channel === "sms" ? { text: p.text } : {}),
        ...(p.title !== undefined ? { title: p.title } : {}),
        ...(m.deliveredAt !== null ? { delivered: iso(m.deliveredAt) } : {}),
        ...(m.openedAt !== null ? { opened: iso(m.openedAt) } : {}),
        ...(m.clickedAt !== null ? { clicked: iso(m.clickedAt) } : {}),
        _at: at,
      };
    })
    .sort((a, b) => a._at - b._at || byString(a.contact, b.contact) || byString(a.element, b.element))
    .map(({ _at, ...m }) => m);

  const files = (await store.campaignFiles(campaignId)).map((f) => ({ destination: f.destination, path: f.path, element: f.element, rows: f.rows }));
  const promoCodes = (await store.promoGrants(projectId)).map((g) => ({ contact: g.contactId, bank: g.bank, code: g.code }));
  const contactsAfter: Record<string, unknown> = {};
  for (const c of await store.listContacts(projectId)) {
    contactsAfter[c.id] = { status: c.status, fields: c.fields, subscriptions: c.subscriptions, groups: c.groups };
  }
  return {
    journeys: journeys.map((j) => ({
      contact: j.contactId, entered: iso(j.enteredAt), outcome: j.outcome ?? "inProgress",
      ...(j.endedAt !== null ? { ended: iso(j.endedAt) } : {}),
      ...(j.outcome === null && j.element ? { at: j.element } : {}),
      path: paths.get(j.id) ?? [],
    })),
    outcomes, elements, messages, files, promoCodes, contactsAfter, ignoredEvents: ignored,
  };
}
