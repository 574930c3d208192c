import smpp, { type Pdu, type Session } from "smpp";
import type { SendResult, Transport } from "../../engine/transport.js";
import type { DirectoryDb } from "../../store/directory/directory-db.js";
import type { MessageRecord } from "../../store/store.js";
import { smsSegments } from "./segments.js";

/** Where and how to reach the SMSC: `SMS_SMPP_URL=smpp://system_id:password@host:port`, `SMS_FROM`. */
export interface SmppSettings {
  url: string;
  /** The sender (source_addr): an alphanumeric name or a number. */
  from: string;
  /** How long to wait for a bind or a submit_sm_resp (default 10 s). */
  timeoutMs?: number;
}

export function smppSettingsFromEnv(env: NodeJS.ProcessEnv): SmppSettings | undefined {
  const url = env.SMS_SMPP_URL?.trim();
  if (!url) return undefined;
  const u = new URL(url);
  if (u.protocol !== "smpp:" && u.protocol !== "ssmpp:") throw new Error(`SMS_SMPP_URL: expected smpp://system_id:password@host:port, got the scheme ${u.protocol}`);
  return { url, from: env.SMS_FROM?.trim() || "Relais" };
}

/** A receipt's final state (SMPP 3.4 appendix B `stat:`): delivered, or failed. */
const FAILED = new Set(["UNDELIV", "EXPIRED", "REJECTD", "DELETED", "UNKNOWN"]);

/** submit_sm statuses that will not get better on a retry (bad address, bad message…). */
const PERMANENT = new Set([0x0001, 0x0002, 0x0003, 0x000a, 0x000b, 0x000c, 0x0042, 0x0043, 0x0044, 0x0045, 0x0048, 0x0049, 0x0050, 0x0051, 0x0061, 0x0062]);

function messageText(pdu: Pdu): string {
  const raw = (pdu.message_payload ?? pdu.short_message) as unknown;
  if (typeof raw === "string") return raw;
  if (raw && typeof raw === "object" && "message" in raw) {
    const m = (raw as { message: unknown }).message;
    return typeof m === "string" ? m : Buffer.isBuffer(m) ? m.toString("latin1") : "";
  }
  return Buffer.isBuffer(raw) ? raw.toString("latin1") : "";
}

/** An inbound SMS (deliver_sm that is not a receipt): what the transport's owner does with it (STOP…); returns the reply to send, if any. */
export type InboundSms = (from: string, to: string, text: string) => Promise<string | undefined>;

/**
 * SMS over SMPP 3.4: one transceiver session bound on first use and kept open (enquire_link
 * every 30 s, re-bound on the next send after a drop). Each message is a submit_sm asking for a
 * delivery receipt; the SMSC's message id is stored (`sms_smsc_ids`) so the receipt, a deliver_sm
 * with esm_class "delivery receipt", marks the message delivered or bounced. Texts longer than
 * one segment go in the `message_payload` TLV (the SMSC splits them).
 */
export class SmppTransport implements Transport {
  readonly deliversOnSend = false;
  readonly maxBatch = 100;
  private session: Promise<Session> | undefined;
  /** Stay bound between sends (receipts and inbound SMS arrive on the session): set by `keepBound`. */
  private bound = false;
  private retry: NodeJS.Timeout | undefined;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly settings: SmppSettings,
    private readonly db: DirectoryDb,
    private readonly clock: () => number,
    private readonly log: (line: string) => void,
    /** Set once the engine exists (`attachSmsInbound`); without it inbound SMS are logged and dropped. */
    public inbound?: InboundSms,
  ) {}

  private connect(): Promise<Session> {
    if (this.session) return this.session;
    const u = new URL(this.settings.url);
    const attempt = new Promise<Session>((resolve, reject) => {
      const s = smpp.connect({ url: `${u.protocol}//${u.host}`, auto_enquire_link_period: 30_000 });
      const timer = setTimeout(() => {
        reject(new Error(`SMPP: no bind answer from ${u.host} in ${this.timeout} ms`));
        s.destroy();
      }, this.timeout);
      s.on("error", (e: Error) => {
        clearTimeout(timer);
        this.log(`sms: SMPP ${u.host}: ${e.message}`);
        reject(e);
      });
      s.on("close", () => {
        if (this.session === attempt) this.session = undefined;
        this.rebind();
      });
      s.on("deliver_sm", (pdu: Pdu) => {
        s.send(pdu.response());
        void this.onDeliver(pdu).catch((e: unknown) => this.log(`sms: deliver_sm not applied: ${(e as Error).message}`));
      });
      s.on("connect", () => {
        s.bind_transceiver({ system_id: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }, (r) => {
          clearTimeout(timer);
          if (r.command_status === 0) resolve(s);
          else {
            reject(new Error(`SMPP: bind refused by ${u.host} (command_status 0x${r.command_status.toString(16)})`));
            s.close();
          }
        });
      });
    });
    this.session = attempt;
    attempt.catch(() => {
      if (this.session === attempt) this.session = undefined;
      this.rebind();
    });
    return attempt;
  }

  /**
   * Binds now and stays bound (re-binding 5 s after a drop), so delivery receipts and inbound SMS
   * (STOP) are received between sends and after a restart. `relais serve` does this.
   */
  keepBound(): void {
    this.bound = true;
    this.connect().catch(() => undefined);
  }

  private rebind(): void {
    if (!this.bound || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.bound && !this.session) this.connect().catch(() => undefined);
    }, 5_000);
    this.retry.unref();
  }

  private get timeout(): number {
    return this.settings.timeoutMs ?? 10_000;
  }

  private submit(s: Session, m: MessageRecord): Promise<Pdu> {
    const to = String(m.payload.to ?? "").replace(/^\+/, "");
    const text = String(m.payload.text ?? "");
    const long = smsSegments(text).segments > 1;
    const alpha = /[^0-9+]/.test(this.settings.from);
    return new Promise<Pdu>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`SMPP: no submit_sm_resp in ${this.timeout} ms`)), this.timeout);
      s.submit_sm({
        source_addr_ton: alpha ? 5 : 1, source_addr_npi: alpha ? 0 : 1, source_addr: this.settings.from.replace(/^\+/, ""),
        dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: to,
        registered_delivery: 1,
        ...(long ? { message_payload: text } : { short_message: text }),
      }, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  async send(messages: MessageRecord[]): Promise<SendResult[]> {
    let s: Session;
    try {
      s = await this.connect();
    } catch (e) {
      return messages.map((m) => ({ id: m.id, ok: false, error: (e as Error).message }));
    }
    const results: SendResult[] = [];
    const ids: { smsc_id: string; message_id: number; created_at: number }[] = [];
    // Submitted one after the other on the same session: windowing is the SMSC's throttle to give.
    const answers = await Promise.allSettled(messages.map((m) => {
      if (!m.payload.to) return Promise.reject(new Error("no phone number"));
      return this.submit(s, m);
    }));
    answers.forEach((a, i) => {
      const m = messages[i];
      if (a.status === "rejected") {
        results.push({ id: m.id, ok: false, permanent: !m.payload.to, error: (a.reason as Error).message });
      } else if (a.value.command_status !== 0) {
        const st = a.value.command_status;
        results.push({ id: m.id, ok: false, permanent: PERMANENT.has(st), error: `SMSC refused the message (submit_sm_resp command_status 0x${st.toString(16).padStart(4, "0")})` });
      } else {
        ids.push({ smsc_id: String(a.value.message_id), message_id: m.id, created_at: this.clock() });
        results.push({ id: m.id, ok: true, delivered: false });
      }
    });
    if (ids.length) {
      const write = this.db.run(this.db.q.insertInto("sms_smsc_ids").values(ids).onConflict((c) => c.column("smsc_id").doNothing()));
      this.writes = write.catch(() => undefined);
      await write;
    }
    return results;
  }

  /** A deliver_sm: a delivery receipt (by the SMSC message id), else an inbound SMS. */
  private async onDeliver(pdu: Pdu): Promise<void> {
    const text = messageText(pdu);
    const esm = Number(pdu.esm_class ?? 0);
    if ((esm & smpp.ESM_CLASS.MC_DELIVERY_RECEIPT) === 0) {
      const from = String(pdu.source_addr ?? "");
      if (!this.inbound) return this.log("sms: an inbound SMS dropped (no handler in this process)");
      const reply = await this.inbound(from.startsWith("+") ? from : `+${from}`, String(pdu.destination_addr ?? ""), text);
      if (reply) {
        const s = await this.connect();
        // A confirmation, not a campaign message: no receipt asked, no outbox row.
        s.submit_sm({ source_addr: String(pdu.destination_addr || this.settings.from), dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: from.replace(/^\+/, ""), short_message: reply });
      }
      return;
    }
    const smscId = typeof pdu.receipted_message_id === "string" ? pdu.receipted_message_id : /\bid:(\S+)/i.exec(text)?.[1];
    const stat = (typeof pdu.message_state === "number" ? ["", "ENROUTE", "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD"][pdu.message_state] : /\bstat:(\w+)/i.exec(text)?.[1])?.toUpperCase();
    if (!smscId || !stat) {
      this.log(`sms: a delivery receipt without id or stat: ${JSON.stringify(text).slice(0, 200)}`);
      return;
    }
    if (stat !== "DELIVRD" && !FAILED.has(stat)) return;
    await this.writes; // the mapping of a fast receipt may still be being written
    const row = await this.db.first(this.db.q.selectFrom("sms_smsc_ids").select("message_id").where("smsc_id", "=", smscId));
    if (!row) {
      this.log(`sms: a delivery receipt for an unknown SMSC message id ${smscId}`);
      return;
    }
    // One transaction: a reader never sees the bounce without its hardness.
    await this.db.store.transaction(() => this.db.store.recordMessageEvent(Number(row.message_id), stat === "DELIVRD" ? "delivered" : "bounced", this.clock(), { hard: stat === "UNDELIV" || stat === "REJECTD" }));
  }

  close(): void {
    this.bound = false;
    clearTimeout(this.retry);
    const s = this.session;
    this.session = undefined;
    void s?.then((x) => x.close()).catch(() => undefined);
  }
}
