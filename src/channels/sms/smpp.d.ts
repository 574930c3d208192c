/** The parts of the `smpp` package (no published types) that Relais uses. */
declare module "smpp" {
  import type { EventEmitter } from "node:events";
  export interface Pdu {
    command: string;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    response(options?: Record<string, unknown>): Pdu;
  }
  export interface Session extends EventEmitter {
    send(pdu: Pdu, onResponse?: (pdu: Pdu) => void): boolean;
    bind_transceiver(options: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean;
    submit_sm(options: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean;
    deliver_sm(options: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean;
    unbind(options?: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
  }
  export interface Server extends EventEmitter {
    listen(port: number, host?: string, callback?: () => void): this;
    address(): { port: number } | string | null;
    close(callback?: () => void): void;
  }
  export function connect(options: { url: string; auto_enquire_link_period?: number; debug?: boolean }, callback?: () => void): Session;
  export function createServer(listener: (session: Session) => void): Server;
  export const ESM_CLASS: { MC_DELIVERY_RECEIPT: number };
  export const ESME_ROK: number;
  const smpp: {
    connect: typeof connect;
    createServer: typeof createServer;
    ESM_CLASS: typeof ESM_CLASS;
  };
  export default smpp;
}
