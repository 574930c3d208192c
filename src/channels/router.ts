import type { MessageRecord } from "../store/store.js";
import type { SendResult, Transport } from "../engine/transport.js";
import { CaptureTransport } from "./capture-transport.js";

/**
 * The engine's one transport: routes each message to the transport of its channel (email, sms,
 * push), and to the capture outbox for a channel with none configured. Results come back in the
 * order of the messages given.
 */
export class ChannelRouter implements Transport {
  private readonly byChannel = new Map<string, Transport>();
  private readonly fallback: Transport;

  constructor(fallback: Transport = new CaptureTransport(true)) {
    this.fallback = fallback;
  }

  /** The transport for `channel` from now on (replaces the previous one). */
  register(channel: string, transport: Transport): this {
    this.byChannel.set(channel, transport);
    return this;
  }

  transportFor(channel: string): Transport {
    return this.byChannel.get(channel) ?? this.fallback;
  }

  /** True only when every channel's transport delivers on hand-over (the capture outbox alone). */
  get deliversOnSend(): boolean {
    return this.fallback.deliversOnSend && [...this.byChannel.values()].every((t) => t.deliversOnSend);
  }

  /** The smallest limit of the registered transports. */
  get maxBatch(): number | undefined {
    const limits = [this.fallback, ...this.byChannel.values()].map((t) => t.maxBatch).filter((n): n is number => n !== undefined);
    return limits.length ? Math.min(...limits) : undefined;
  }

  close(): void {
    for (const t of new Set([this.fallback, ...this.byChannel.values()])) t.close?.();
  }

  async send(messages: MessageRecord[]): Promise<SendResult[]> {
    const groups = new Map<Transport, MessageRecord[]>();
    for (const m of messages) {
      const t = this.transportFor(m.channel);
      const list = groups.get(t);
      if (list) list.push(m);
      else groups.set(t, [m]);
    }
    const byId = new Map<number, SendResult>();
    await Promise.all([...groups].map(async ([t, list]) => {
      for (const r of await t.send(list)) byId.set(r.id, { ...r, delivered: r.delivered ?? t.deliversOnSend });
    }));
    return messages.map((m) => byId.get(m.id) ?? { id: m.id, ok: false, error: "no result from the transport" });
  }
}
