import type { CampaignDocument, ProjectConfig } from "../../../src/model/index.js";

/** A sample contact of the simulation form: its unique key, a few fields, and what it is subscribed to. */
export interface SimContact {
  id: string;
  fields: Record<string, unknown>;
  subscriptions: Record<string, boolean>;
  groups: string[];
}

/** One scripted event of the simulation form (SCENARIOS.md: events). */
export interface SimEvent {
  /** Local date-time as typed (`YYYY-MM-DDTHH:MM`, the browser's zone). */
  at: string;
  type: SimEventType;
  contact?: string;
  element?: string;
  /** url (message.clicked, page.visited), sku (product.viewed, cart.updated), variant (test.winner), communicationType. */
  value?: string;
}

/** The events the form offers, by what they need. */
export const EVENT_TYPES = {
  "campaign.launch": { contact: false, element: null, value: null },
  "campaign.api": { contact: true, element: null, value: null },
  "message.delivered": { contact: true, element: "send", value: null },
  "message.opened": { contact: true, element: "send", value: null },
  "message.clicked": { contact: true, element: "send", value: "url" },
  "message.bounced": { contact: true, element: "send", value: null },
  "message.unsubscribed": { contact: true, element: "send", value: null },
  "message.complained": { contact: true, element: "send", value: null },
  "contact.subscribed": { contact: true, element: null, value: "communicationType" },
  "contact.unsubscribed": { contact: true, element: null, value: "communicationType" },
  "page.visited": { contact: true, element: null, value: "url" },
  "product.viewed": { contact: true, element: null, value: "sku" },
  "cart.updated": { contact: true, element: null, value: "sku" },
  "cart.purchased": { contact: true, element: null, value: null },
  "approval.approved": { contact: false, element: "approval", value: null },
  "approval.rejected": { contact: false, element: "approval", value: null },
  "test.winner": { contact: false, element: "axTest", value: "variant" },
} as const satisfies Record<string, { contact: boolean; element: "send" | "approval" | "axTest" | null; value: string | null }>;
export type SimEventType = keyof typeof EVENT_TYPES;

const SENDS = new Set(["action.sendEmail", "action.sendSms", "action.sendWebPush"]);

/** The elements of the document an event of this type may name (send elements, approvals, A/X tests). */
export function eventElements(doc: CampaignDocument, type: SimEventType): { id: string; label: string }[] {
  const kind = EVENT_TYPES[type].element;
  if (!kind) return [];
  const match = (t: string) => (kind === "send" ? SENDS.has(t) : kind === "approval" ? t === "delay.approval" : t === "split.axTest");
  return doc.elements.filter((e) => match(e.type)).map((e) => ({ id: e.id, label: (e as { label?: string }).label || e.id }));
}

/** `YYYY-MM-DDTHH:MM` in the browser's zone → an ISO instant with its offset. */
export function localToIso(local: string): string {
  const d = new Date(local);
  if (Number.isNaN(d.getTime())) throw new Error(`"${local}" is not a date and time`);
  return d.toISOString();
}

/** An instant → `YYYY-MM-DDTHH:MM` in the browser's zone (for datetime-local inputs). */
export function isoToLocal(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A sample contact with just an id: its address field filled when the id looks like one, subscribed to every type. */
export function sampleContact(id: string, config: ProjectConfig): SimContact {
  const fields: Record<string, unknown> = {};
  const key = config.fields.find((f) => f.category === "uniqueKey")?.key;
  if (key) fields[key] = id;
  const email = config.fields.find((f) => f.type === "email")?.key;
  if (email && id.includes("@")) fields[email] = id;
  return { id, fields, subscriptions: Object.fromEntries(config.communicationTypes.map((c) => [c.key, true])), groups: [] };
}

/** A contact as the contacts API returns it → a simulation contact. */
export function fromApiContact(c: { id: string; fields: Record<string, unknown>; subscriptions: Record<string, { subscribed: boolean } | boolean>; groups: string[] }): SimContact {
  return {
    id: c.id, fields: c.fields, groups: c.groups,
    subscriptions: Object.fromEntries(Object.entries(c.subscriptions).map(([k, v]) => [k, typeof v === "boolean" ? v : v.subscribed])),
  };
}

/** Problems that would make the scenario refused, said per event (empty when the form is complete). */
export function formProblems(events: SimEvent[], contacts: SimContact[], lang: "fr" | "en"): string[] {
  const ids = new Set(contacts.map((c) => c.id));
  const out: string[] = [];
  events.forEach((e, i) => {
    const need = EVENT_TYPES[e.type];
    const n = i + 1;
    if (Number.isNaN(new Date(e.at).getTime())) out.push(lang === "fr" ? `Événement ${n} : date manquante.` : `Event ${n}: no date.`);
    if (need.contact && !(e.contact && ids.has(e.contact))) out.push(lang === "fr" ? `Événement ${n} : choisissez un contact de l'échantillon.` : `Event ${n}: choose a sample contact.`);
    if (need.element && !e.element) out.push(lang === "fr" ? `Événement ${n} : choisissez l'élément.` : `Event ${n}: choose the element.`);
    if (need.value && need.value !== "url" && !e.value) out.push(lang === "fr" ? `Événement ${n} : valeur manquante.` : `Event ${n}: value missing.`);
  });
  return out;
}

/** The scenario (SCENARIOS.md) the form describes; the server adds the campaign and the project. */
export function buildScenario(form: { start: string; until: string; contacts: SimContact[]; events: SimEvent[] }): Record<string, unknown> {
  const events = form.events.map((e) => {
    const need = EVENT_TYPES[e.type];
    const out: Record<string, unknown> = { at: localToIso(e.at), type: e.type };
    if (need.contact) out.contact = e.contact;
    if (need.element) out.element = e.element;
    if (e.type === "message.clicked" && e.value) out.url = e.value;
    if (e.type === "page.visited") out.url = e.value ?? "";
    if (e.type === "product.viewed") out.sku = e.value ?? "";
    if (e.type === "cart.updated") out.items = e.value ? [{ sku: e.value, quantity: 1 }] : [];
    if (e.type === "contact.subscribed" || e.type === "contact.unsubscribed") out.communicationType = e.value;
    if (e.type === "test.winner") out.variant = e.value;
    return out;
  });
  // Events in time order (the simulator applies equal times in the given order).
  events.sort((a, b) => Date.parse(String(a.at)) - Date.parse(String(b.at)));
  return {
    start: localToIso(form.start),
    until: localToIso(form.until),
    contacts: form.contacts.map((c) => ({ id: c.id, fields: c.fields, subscriptions: c.subscriptions, groups: c.groups })),
    events,
  };
}

/** The form a scenario file describes, as far as the form can show it (the rest stays in the JSON). */
export function formFromScenario(s: Record<string, unknown>): { start?: string; until?: string; contacts: SimContact[] } {
  const contacts = Array.isArray(s.contacts)
    ? (s.contacts as Record<string, unknown>[]).filter((c) => typeof c?.id === "string").map((c) => ({
        id: String(c.id), fields: (c.fields as Record<string, unknown>) ?? {}, subscriptions: (c.subscriptions as Record<string, boolean>) ?? {}, groups: (c.groups as string[]) ?? [],
      }))
    : [];
  const time = (v: unknown) => (typeof v === "string" && !Number.isNaN(Date.parse(v)) ? isoToLocal(Date.parse(v)) : undefined);
  return { start: time(s.start), until: time(s.until), contacts };
}

/** One journey's path in the simulator's output → the elements it passed and the connections it took. */
export function pathOf(journey: { path: { element: string; exit?: string }[] } | undefined, doc: CampaignDocument): { elements: Set<string>; connections: Set<string> } {
  const elements = new Set<string>();
  const connections = new Set<string>();
  if (!journey) return { elements, connections };
  journey.path.forEach((step, i) => {
    elements.add(step.element);
    const next = journey.path[i + 1];
    if (!next || !step.exit) return;
    const c = doc.connections.find((x) => x.from === step.element && x.exit === step.exit && x.to === next.element);
    if (c) connections.add(`${c.from}:${c.exit}`); // the editor's edge id (graph.ts edgeOf)
  });
  return { elements, connections };
}
