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
  /** A permanent failure that means the address does not exist (SMTP 5xx): recorded as a hard bounce. */
  hardBounce?: boolean;
}

/**
 * A channel transport: takes rendered messages from the outbox and delivers them
 * (SMTP, SMPP, Web Push…). The engine marks each one sent or failed from the results.
 */
export interface Transport {
  /** Whether handing a message over means it is delivered (the capture transport). */
  readonly deliversOnSend: boolean;
  /**
   * At most this many messages per call (a network transport: the hand-over holds a store
   * transaction open, so keep it short); default: the engine's batch size.
   */
  readonly maxBatch?: number;
  send(messages: MessageRecord[]): Promise<SendResult[]>;
  /** Closes pooled connections (at shutdown). */
  close?(): void;
}
