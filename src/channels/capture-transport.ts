import type { MessageRecord } from "../store/store.js";
import type { SendResult, Transport } from "../engine/transport.js";

/**
 * The default transport: messages stay in the store's outbox, marked sent, where the API and
 * the simulator read them. Nothing leaves the machine, so a fresh install works end to end.
 */
export class CaptureTransport implements Transport {
  constructor(readonly deliversOnSend = true) {}

  async send(messages: MessageRecord[]): Promise<SendResult[]> {
    return messages.map((m) => ({ id: m.id, ok: true }));
  }
}
