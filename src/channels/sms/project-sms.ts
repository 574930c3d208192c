import { z } from "zod";
import type { SendResult, Transport } from "../../engine/transport.js";
import type { DirectoryDb } from "../../store/directory/directory-db.js";
import type { MessageRecord, Store } from "../../store/store.js";
import { getSecret } from "../../server/secrets.js";
import { HttpSmsTransport } from "./http-transport.js";

/** A project's own Twilio-style SMS account (stored encrypted whole: it holds the auth token). */
export const ProjectSmsProvider = z.strictObject({
  baseUrl: z.string().regex(/^https?:\/\/[^\s]+$/, "the provider's API base URL, such as https://api.twilio.com/2010-04-01").max(500),
  accountSid: z.string().min(1).max(200),
  authToken: z.string().min(1).max(500).optional().describe("write-only; omit to keep the stored one"),
  from: z.string().min(1).max(20).describe("sender: a number in E.164 or an alphanumeric sender (11 characters at most)"),
});
export type ProjectSmsProvider = z.infer<typeof ProjectSmsProvider>;

export const SMS_SECRET = { scope: "sms", key: "http" } as const;

export async function loadProjectSmsProvider(db: DirectoryDb, projectId: string, secret: Buffer): Promise<ProjectSmsProvider | undefined> {
  const text = await getSecret(db, projectId, SMS_SECRET.scope, SMS_SECRET.key, secret);
  return text === undefined ? undefined : ProjectSmsProvider.parse(JSON.parse(text));
}

/**
 * SMS for every project: a project with its own provider account sends through it; the others
 * through the instance's transport (`SMS_SMPP_URL` / `SMS_HTTP_*`, or the capture outbox).
 * Settings are re-read at most every 30 seconds (like ProjectEmailTransport).
 */
export class ProjectSmsTransport implements Transport {
  readonly maxBatch = 100;
  private readonly projectOf = new Map<string, string>();
  private readonly cache = new Map<string, { at: number; fingerprint: string; transport?: Transport }>();

  constructor(private readonly deps: { store: Store; db: DirectoryDb; secret: Buffer; publicUrl: string; fallback: Transport; now: () => number }) {}

  /** The instance's transport, for projects without their own account (SMPP keeps its bind for inbound SMS). */
  get fallback(): Transport {
    return this.deps.fallback;
  }

  get deliversOnSend(): boolean {
    return false;
  }

  async send(messages: MessageRecord[]): Promise<SendResult[]> {
    const groups = new Map<Transport, MessageRecord[]>();
    for (const m of messages) {
      const t = await this.transportOf(m.campaignId);
      const list = groups.get(t);
      if (list) list.push(m);
      else groups.set(t, [m]);
    }
    const byId = new Map<number, SendResult>();
    for (const [t, list] of groups) for (const r of await t.send(list)) byId.set(r.id, { ...r, delivered: r.delivered ?? t.deliversOnSend });
    return messages.map((m) => byId.get(m.id) ?? { id: m.id, ok: false, error: "no result from the transport" });
  }

  close(): void {
    this.deps.fallback.close?.();
  }

  private async transportOf(campaignId: string): Promise<Transport> {
    let projectId = this.projectOf.get(campaignId);
    if (!projectId) {
      projectId = (await this.deps.store.getCampaign(campaignId))?.projectId;
      if (!projectId) return this.deps.fallback;
      this.projectOf.set(campaignId, projectId);
    }
    const now = Date.now();
    const cached = this.cache.get(projectId);
    if (cached && now - cached.at < 30_000) return cached.transport ?? this.deps.fallback;
    const s = await loadProjectSmsProvider(this.deps.db, projectId, this.deps.secret);
    const fingerprint = s ? JSON.stringify(s) : "";
    if (cached && cached.fingerprint === fingerprint) {
      cached.at = now;
      return cached.transport ?? this.deps.fallback;
    }
    const transport = s?.authToken
      ? new HttpSmsTransport({ baseUrl: s.baseUrl.replace(/\/+$/, ""), accountSid: s.accountSid, authToken: s.authToken, from: s.from, publicUrl: this.deps.publicUrl.replace(/\/+$/, "") }, this.deps.db, this.deps.now)
      : undefined;
    this.cache.set(projectId, { at: now, fingerprint, transport });
    return transport ?? this.deps.fallback;
  }
}
