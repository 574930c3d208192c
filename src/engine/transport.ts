import type { MessageRecord } from "../store/store.js";

/** The result of handing one message to a channel. */
export interface SendResult {
  id: number;
  ok: boolean;
  /** For a failure: permanent ones are not retried. */
  permanent?: boolean;
  error?: string;
  /** Whether this message counts as delivered on hand-over; default: the transport's `deliversOnSend`. */
  delivered?: boolean;
}

/**
 * A channel transport: takes rendered messages from the outbox and delivers them
 * (SMTP, SMPP, Web Push…). The engine marks each one sent or failed from the results.
 */
export interface Transport {
  /** Whether handing a message over means it is delivered (the capture transport). */
  readonly deliversOnSend: boolean;
  send(messages: MessageRecord[]): Promise<SendResult[]>;
}
