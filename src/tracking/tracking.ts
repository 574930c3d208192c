import type { LinkSigner } from "../channels/links.js";
import type { Clock } from "../engine/clock.js";
import type { Engine } from "../engine/engine.js";
import type { MessageKey } from "../engine/links.js";
import { logSubscriptions } from "../contacts/subscription-log.js";
import type { DirectoryDb } from "../store/directory/directory-db.js";
import type { MessageRecord, Store } from "../store/store.js";
import { botReason } from "./bots.js";

export interface TrackingDeps {
  store: Store;
  engine: Engine;
  clock: Clock;
  db: DirectoryDb;
  links: LinkSigner;
  /** Asks the engine loop to look for due work (an unsubscription may start journeys). */
  wake: () => void;
}

/** What the unsubscribe page needs to know about the message its link came from. */
export interface UnsubscribeTarget {
  message: MessageRecord;
  projectId: string;
  communicationType: string;
  administrative: boolean;
}

/**
 * What comes back from a message's links: opens (pixel), clicks (signed redirects), views online
 * and unsubscriptions. Every entry point verifies the link's signature first: an unsigned,
 * forged or tampered link changes nothing and redirects nowhere.
 */
export class Tracking {
  constructor(private readonly deps: TrackingDeps) {}

  /** Records an open (once per message); a machine's open is kept apart. Never throws for a bad token. */
  async open(token: string, userAgent: string | undefined): Promise<void> {
    const key = this.deps.links.verify("open", token);
    if (key) await this.event(key, "opened", {}, userAgent);
  }

  /** The URL a click link points to when its signature holds (the click recorded), else undefined. */
  async click(token: string, url: string | undefined, userAgent: string | undefined): Promise<string | undefined> {
    if (!url || !/^https?:\/\//i.test(url)) return undefined;
    const key = this.deps.links.verify("click", token, url);
    if (!key) return undefined;
    await this.event(key, "clicked", { url }, userAgent);
    return url;
  }

  /**
   * The target of a short SMS link (`/l/<code>`) when its signature holds and its message has that
   * link (the click recorded), else undefined. The URL comes from the stored message, never the link.
   */
  async shortClick(code: string, userAgent: string | undefined): Promise<string | undefined> {
    const ref = this.deps.links.verifyShort(code);
    if (!ref) return undefined;
    const { db } = this.deps;
    // A journey is at one element per hop: (journey, hop) names one message (the unique key's prefix is journey_id).
    const row = await db.first(db.q.selectFrom("messages").select(["element", "payload"]).where("journey_id", "=", ref.journey).where("hop", "=", ref.hop));
    if (!row) return undefined;
    const payload = (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as { links?: unknown };
    const url = Array.isArray(payload.links) ? payload.links[ref.index] : undefined;
    if (typeof url !== "string" || !/^https?:\/\//i.test(url)) return undefined;
    await this.event({ journey: ref.journey, element: row.element, hop: ref.hop }, "clicked", { url }, userAgent);
    return url;
  }

  /** The message's rendered HTML for "view online", when the link holds and the message has one. */
  async view(token: string): Promise<string | undefined> {
    const key = this.deps.links.verify("view", token);
    if (!key) return undefined;
    const m = await this.deps.store.messageByKey(key.journey, key.element, key.hop);
    return m && typeof m.payload.html === "string" ? m.payload.html : undefined;
  }

  /** The message and communication type an unsubscribe link is about, when the link holds. */
  async unsubscribeTarget(token: string): Promise<UnsubscribeTarget | undefined> {
    const key = this.deps.links.verify("unsubscribe", token);
    return key ? this.targetOf(key) : undefined;
  }

  /** The unsubscribe target of a message known by its key (webhooks, complaints). */
  async targetOf(key: MessageKey): Promise<UnsubscribeTarget | undefined> {
    const message = await this.deps.store.messageByKey(key.journey, key.element, key.hop);
    if (!message?.communicationType) return undefined;
    const { db, store } = this.deps;
    const row = await db.first(db.q.selectFrom("messages").select("project_id").where("id", "=", message.id));
    if (!row) return undefined;
    const project = await store.getProject(row.project_id);
    const type = project?.communicationTypes.find((t) => t.key === message.communicationType);
    return { message, projectId: row.project_id, communicationType: message.communicationType, administrative: type?.administrative === true };
  }

  /**
   * Unsubscribes the message's contact from the message's communication type (idempotent): the
   * contact's subscription, the consent history (source `unsubscribe-link`), the message's
   * `unsubscribed` event and the `trigger.contactUnsubscribed` campaigns, in one transaction.
   */
  async unsubscribe(target: UnsubscribeTarget, source = "unsubscribe-link"): Promise<void> {
    const { store, engine, db, clock } = this.deps;
    const { message, communicationType, projectId } = target;
    const at = clock.now();
    await store.transaction(async () => {
      const before = (await store.getContacts([message.contactPk])).get(message.contactPk);
      await engine.messageEventByKey(keyOf(message), "unsubscribed", { communicationType }, at);
      if (before?.subscriptions[communicationType] === true) {
        await logSubscriptions(db, [{ projectId, contactPk: message.contactPk, communicationType, subscribed: false, at, source }]);
      }
    });
    this.deps.wake();
  }

  private async event(key: MessageKey, type: "opened" | "clicked", extra: { url?: string }, userAgent: string | undefined): Promise<void> {
    const { store, engine, clock } = this.deps;
    const at = clock.now();
    const message = await store.messageByKey(key.journey, key.element, key.hop);
    if (!message || message.sentAt === null) return;
    if (botReason(userAgent, message.sentAt, at)) {
      const sql = store.dialect === "postgres"
        ? "UPDATE messages SET bot_opened_at = COALESCE(bot_opened_at, $1) WHERE id = $2"
        : "UPDATE messages SET bot_opened_at = COALESCE(bot_opened_at, ?) WHERE id = ?";
      await store.transaction(() => store.execute(sql, [at, message.id]));
      return;
    }
    await engine.messageEventByKey(key, type, extra, at);
    this.deps.wake();
  }
}

const keyOf = (m: MessageRecord): MessageKey => ({ journey: m.journey, element: m.element, hop: m.hop });
