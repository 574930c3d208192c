import type { Agent } from "node:https";
import webpush, { WebPushError } from "web-push";
import type { MessageLinks } from "../../engine/links.js";
import type { SendResult, Transport } from "../../engine/transport.js";
import type { DirectoryDb } from "../../store/directory/directory-db.js";
import type { MessageRecord, Store } from "../../store/store.js";
import { vapidKeys } from "./vapid.js";

/** A browser's push subscription as stored on the contact (`contacts.push`). */
export interface PushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushSettings {
  /** The VAPID subject: `mailto:` or `https:` contact of the sender (`PUSH_VAPID_SUBJECT`). */
  subject: string;
  /** Seconds the push service keeps an undelivered notification (`PUSH_TTL`, default 1 day). */
  ttl: number;
  urgency: "very-low" | "low" | "normal" | "high";
  /** An HTTPS agent for the push services (a private CA); default: Node's. */
  agent?: Agent;
}

export function pushSettingsFromEnv(env: NodeJS.ProcessEnv): PushSettings | undefined {
  const subject = env.PUSH_VAPID_SUBJECT?.trim();
  if (!subject) return undefined;
  if (!/^(mailto:|https:)/.test(subject)) throw new Error(`PUSH_VAPID_SUBJECT: expected mailto:… or https:…, got "${subject}"`);
  const ttl = env.PUSH_TTL ? Number(env.PUSH_TTL) : 86_400;
  if (!Number.isInteger(ttl) || ttl < 0) throw new Error(`PUSH_TTL: expected seconds (an integer ≥ 0), got "${env.PUSH_TTL}"`);
  return { subject, ttl, urgency: "normal" };
}

export const isSubscription = (v: unknown): v is PushSubscription => {
  const s = v as PushSubscription | null;
  return !!s && typeof s.endpoint === "string" && typeof s.keys?.p256dh === "string" && typeof s.keys?.auth === "string";
};

/**
 * Web push (RFC 8030, VAPID RFC 8292, aes128gcm RFC 8291) to every subscription of the contact.
 * The notification's URL goes through the signed click redirect, so a click counts. A 404/410
 * answer means the subscription is gone: it is removed from the contact. A message is sent when
 * at least one device took it; with no live subscription left it fails for good.
 */
export class PushTransport implements Transport {
  readonly deliversOnSend = true;
  readonly maxBatch = 100;

  constructor(
    private readonly settings: PushSettings,
    private readonly deps: { store: Store; db: DirectoryDb; secret: Buffer; links: MessageLinks; now: () => number },
  ) {}

  async send(messages: MessageRecord[]): Promise<SendResult[]> {
    const { store, db, secret, links } = this.deps;
    const vapid = await vapidKeys(db, secret, this.deps.now());
    const contacts = await store.getContacts([...new Set(messages.map((m) => m.contactPk))]);
    const gone = new Map<number, Set<string>>();
    const results = await Promise.all(messages.map(async (m): Promise<SendResult> => {
      const subs = (contacts.get(m.contactPk)?.push ?? []).filter(isSubscription);
      if (subs.length === 0) return { id: m.id, ok: false, permanent: true, error: "the contact has no push subscription" };
      const key = { journey: m.journey, element: m.element, hop: m.hop };
      const url = typeof m.payload.url === "string" && m.payload.url ? links.url("click", key, m.payload.url) : undefined;
      const body = JSON.stringify({ title: m.payload.title ?? "", body: m.payload.body ?? "", url, icon: m.payload.icon });
      let sent = 0;
      const errors: string[] = [];
      for (const sub of subs) {
        try {
          await webpush.sendNotification(sub, body, {
            vapidDetails: { subject: this.settings.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
            TTL: this.settings.ttl, urgency: this.settings.urgency, contentEncoding: "aes128gcm", timeout: 10_000, ...(this.settings.agent ? { agent: this.settings.agent } : {}),
          });
          sent++;
        } catch (e) {
          if (e instanceof WebPushError && (e.statusCode === 404 || e.statusCode === 410)) {
            const set = gone.get(m.contactPk) ?? new Set<string>();
            set.add(sub.endpoint);
            gone.set(m.contactPk, set);
          } else errors.push(e instanceof WebPushError ? `push service answered ${e.statusCode}` : (e as Error).message);
        }
      }
      if (sent > 0) return { id: m.id, ok: true };
      if (errors.length) return { id: m.id, ok: false, error: errors[0] };
      return { id: m.id, ok: false, permanent: true, error: "every push subscription of the contact has expired (removed)" };
    }));
    for (const [pk, endpoints] of gone) {
      const c = contacts.get(pk);
      if (c) await store.patchContact(pk, { push: c.push.filter((s) => !(isSubscription(s) && endpoints.has(s.endpoint))) });
    }
    return results;
  }
}
