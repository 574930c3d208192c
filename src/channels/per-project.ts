import type { SendResult, Transport } from "../engine/transport.js";
import type { MessageRecord, Store } from "../store/store.js";

/** What a project's own settings make: a transport (undefined: none, use the instance's) and a fingerprint to notice a change. */
export interface ProjectTransportSettings {
  fingerprint: string;
  build: () => Transport | undefined;
}

/**
 * One channel for every project: a project with its own account (SMTP server, SMS provider…)
 * sends through a transport built from it; the others through the instance's `fallback`.
 * Settings are re-read at most every 30 seconds; a changed one rebuilds the transport.
 */
export abstract class PerProjectTransport implements Transport {
  readonly maxBatch = 100;
  private readonly projectOf = new Map<string, string>();
  private readonly cache = new Map<string, { at: number; fingerprint: string; transport?: Transport }>();

  constructor(private readonly store: Store, readonly fallback: Transport) {}

  /** The project's own settings for this channel (read from the store, decrypted). */
  protected abstract settingsOf(projectId: string): Promise<ProjectTransportSettings>;

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
    for (const c of this.cache.values()) c.transport?.close?.();
    this.fallback.close?.();
  }

  private async transportOf(campaignId: string): Promise<Transport> {
    let projectId = this.projectOf.get(campaignId);
    if (!projectId) {
      projectId = (await this.store.getCampaign(campaignId))?.projectId;
      if (!projectId) return this.fallback;
      this.projectOf.set(campaignId, projectId);
    }
    const now = Date.now();
    const cached = this.cache.get(projectId);
    if (cached && now - cached.at < 30_000) return cached.transport ?? this.fallback;
    const settings = await this.settingsOf(projectId);
    if (cached && cached.fingerprint === settings.fingerprint) {
      cached.at = now;
      return cached.transport ?? this.fallback;
    }
    cached?.transport?.close?.();
    const transport = settings.build();
    this.cache.set(projectId, { at: now, fingerprint: settings.fingerprint, transport });
    return transport ?? this.fallback;
  }
}
