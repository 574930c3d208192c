import type { CampaignRecord, CampaignState, ContactInput, ContactPatch, ContactRecord, MessageRecord } from "./store.js";

/** A row as a driver returns it, keyed by column name. */
export type Row = Record<string, any>;

/** Parses a JSON column, with a fallback for NULL. */
export const parseJson = <T>(s: string | null | undefined, fallback: T): T => (s == null ? fallback : (JSON.parse(s) as T));

/**
 * A contact whose JSON columns are parsed on first read: most handlers need one of them
 * (fields for rules, subscriptions for sends), and parsing is the cost of loading a batch.
 */
export class StoredContact implements ContactRecord {
  private f?: Record<string, unknown>;
  private s?: Record<string, boolean>;
  private g?: string[];
  private p?: unknown[];
  tables?: Record<string, Record<string, unknown>[]>;
  constructor(
    readonly pk: number, readonly id: string, readonly status: "active" | "deactivated", readonly createdAt: number,
    private readonly rawFields: string, private readonly rawSubscriptions: string, private readonly rawGroups: string, private readonly rawPush: string,
  ) {}
  get fields(): Record<string, unknown> { return (this.f ??= parseJson(this.rawFields, {})); }
  set fields(v: Record<string, unknown>) { this.f = v; }
  get subscriptions(): Record<string, boolean> { return (this.s ??= parseJson(this.rawSubscriptions, {})); }
  set subscriptions(v: Record<string, boolean>) { this.s = v; }
  get groups(): string[] { return (this.g ??= parseJson(this.rawGroups, [])); }
  set groups(v: string[]) { this.g = v; }
  get push(): unknown[] { return (this.p ??= parseJson(this.rawPush, [])); }
  set push(v: unknown[]) { this.p = v; }
}

/** A `contacts` row as a contact. */
export function toContact(r: Row): ContactRecord {
  return new StoredContact(r.pk, r.id, r.status, r.created_at, r.fields, r.subscriptions, r.groups, r.push);
}

/** A message whose rendered payload is parsed only when a transport reads it. */
class StoredMessage {
  private parsed?: Record<string, unknown>;
  constructor(private readonly rawPayload: string) {}
  get payload(): Record<string, unknown> {
    return (this.parsed ??= JSON.parse(this.rawPayload));
  }
}

/** A `messages` row (all or some of its columns) as a message. */
export function toMessage(r: Row): MessageRecord {
  return Object.assign(new StoredMessage(r.payload ?? "{}"), {
    id: r.id, campaignId: r.campaign_id, journey: r.journey_id, contactPk: r.contact_pk, contactId: r.contact_id, element: r.element, hop: r.hop,
    channel: r.channel, communicationType: r.comm_type, status: r.status, reason: r.reason ?? undefined, createdAt: r.created_at,
    sendAfter: r.send_after ?? undefined, sentAt: r.sent_at ?? null, deliveredAt: r.delivered_at ?? null,
    openedAt: r.opened_at ?? null, clickedAt: r.clicked_at ?? null, bouncedAt: r.bounced_at ?? null, complainedAt: r.complained_at ?? null,
    unsubscribedAt: r.unsubscribed_at ?? null, unsubscribedType: r.unsubscribed_type ?? null, bounceHard: !!r.bounce_hard,
  }) as unknown as MessageRecord;
}

/** A `campaigns` row as a campaign. */
export function toCampaign(r: Row): CampaignRecord {
  return {
    id: r.id, projectId: r.project_id, doc: JSON.parse(r.doc), status: r.status, seed: r.seed,
    activatedAt: r.activated_at, pausedAt: r.paused_at, state: parseJson(r.state, {}),
  };
}

/**
 * What an upsert changes on an existing contact: given fields and subscriptions merge into the
 * stored ones, the rest is replaced when given; `changed` lists the fields whose value changed.
 */
export function mergeContact(before: ContactRecord, input: ContactInput): { patch: ContactPatch; changed: string[] } {
  const fields = { ...before.fields, ...(input.fields ?? {}) };
  const changed = Object.keys(input.fields ?? {}).filter((k) => JSON.stringify(before.fields[k]) !== JSON.stringify(fields[k]));
  return {
    changed,
    patch: {
      fields: input.fields ? fields : undefined,
      status: input.status,
      subscriptions: input.subscriptions ? { ...before.subscriptions, ...input.subscriptions } : undefined,
      groups: input.groups,
      push: input.push,
    },
  };
}

/**
 * A campaign's element state after a change: winners and first arrivals merge key by key (a
 * first arrival, once known, is kept), the cursor takes the given value. Stores apply it under
 * the campaign row's lock, so concurrent workers never lose each other's changes.
 */
export function mergeCampaignState(old: CampaignState, patch: CampaignState): CampaignState {
  const out: CampaignState = { ...old };
  if (patch.winners) out.winners = { ...old.winners, ...patch.winners };
  if (patch.firstArrival) out.firstArrival = { ...patch.firstArrival, ...old.firstArrival };
  if (patch.cursor !== undefined) out.cursor = patch.cursor;
  if (patch.editedAt !== undefined) out.editedAt = patch.editedAt;
  return out;
}
