import { readFileSync } from "node:fs";
import nodemailer, { type Transporter } from "nodemailer";
import type { SendResult, Transport } from "../../engine/transport.js";
import type { MessageRecord } from "../../store/store.js";
import type { LinkSigner } from "../links.js";

export interface SmtpSettings {
  /** `smtp://user:pass@host:587` or `smtps://…:465` (nodemailer's URL form). */
  url: string;
  /** Sender when a message names none: `"Name" <address>` or an address. */
  defaultFrom: string;
  /** Domain of Message-IDs and of the VERP return path (`bounces+…@domain`); default: the sender's domain. */
  mailDomain?: string;
  /** At most this many messages per second over all connections (0: no limit). */
  ratePerSecond: number;
  /** Pooled connections kept open to the server. */
  maxConnections: number;
  dkim?: { domainName: string; keySelector: string; privateKey: string };
  links: LinkSigner;
}

/** The SMTP settings from the environment, or undefined when `SMTP_URL` is not set (the capture outbox stays). */
export function smtpSettingsFromEnv(env: NodeJS.ProcessEnv, links: LinkSigner): SmtpSettings | undefined {
  const url = env.SMTP_URL?.trim();
  if (!url) return undefined;
  if (!/^smtps?:\/\//.test(url)) throw new Error("SMTP_URL: expected smtp://[user:password@]host[:port] or smtps://…");
  const dkimKey = env.RELAIS_DKIM_PRIVATE_KEY_FILE ? readFileSync(env.RELAIS_DKIM_PRIVATE_KEY_FILE, "utf8") : env.RELAIS_DKIM_PRIVATE_KEY;
  const dkim = dkimKey && env.RELAIS_DKIM_DOMAIN && env.RELAIS_DKIM_SELECTOR
    ? { domainName: env.RELAIS_DKIM_DOMAIN, keySelector: env.RELAIS_DKIM_SELECTOR, privateKey: dkimKey }
    : undefined;
  const rate = Number(env.SMTP_RATE ?? 0);
  if (!Number.isFinite(rate) || rate < 0) throw new Error("SMTP_RATE: expected a number of messages per second (0: no limit)");
  return {
    url, defaultFrom: env.RELAIS_MAIL_FROM ?? "Relais <no-reply@relais.local>", mailDomain: env.RELAIS_MAIL_DOMAIN,
    ratePerSecond: rate, maxConnections: Math.max(1, Number(env.SMTP_MAX_CONNECTIONS ?? 5) || 5), dkim, links,
  };
}

const addressOf = (from: string) => (/<([^>]+)>/.exec(from)?.[1] ?? from).trim();

/**
 * Email over SMTP (nodemailer, pooled connections). Each message gets a signed Message-ID and a
 * VERP return path naming it (bounces find their message), `List-Unsubscribe` with the signed
 * unsubscribe link and RFC 8058 one-click, and a DKIM signature when a key is configured. A 5xx
 * answer is permanent (the engine records a hard bounce); a 4xx or a network error is passing
 * (the engine retries later with backoff). Handing over is not delivery: `delivered` comes back
 * later (DSN, webhook), so messages stay sent-not-delivered.
 */
export class SmtpTransport implements Transport {
  readonly deliversOnSend = false;
  readonly maxBatch = 100;
  private readonly transporter: Transporter;
  private nextSlot = 0;

  constructor(private readonly settings: SmtpSettings) {
    const u = new URL(settings.url);
    this.transporter = nodemailer.createTransport({
      pool: true,
      maxConnections: settings.maxConnections,
      maxMessages: 10_000,
      host: u.hostname,
      port: Number(u.port || (u.protocol === "smtps:" ? 465 : 587)),
      secure: u.protocol === "smtps:",
      ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
      ...(u.searchParams.get("tls") === "off" ? { ignoreTLS: true } : {}),
      ...(settings.dkim ? { dkim: settings.dkim } : {}),
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
      logger: false,
    });
  }

  async send(messages: MessageRecord[]): Promise<SendResult[]> {
    return Promise.all(messages.map((m) => this.sendOne(m)));
  }

  close(): void {
    this.transporter.close();
  }

  private async sendOne(m: MessageRecord): Promise<SendResult> {
    const p = m.payload as Record<string, unknown>;
    if (typeof p.to !== "string") return { id: m.id, ok: false, permanent: true, error: "no recipient address" };
    const from = typeof p.from === "string" && p.from ? p.from : this.settings.defaultFrom;
    const domain = this.settings.mailDomain ?? addressOf(from).split("@")[1] ?? "relais.local";
    const key = { journey: m.journey, element: m.element, hop: m.hop };
    const { links } = this.settings;
    await this.pace();
    try {
      await this.transporter.sendMail({
        from, to: p.to,
        ...(typeof p.replyTo === "string" ? { replyTo: p.replyTo } : {}),
        subject: typeof p.subject === "string" ? p.subject : "",
        ...(typeof p.html === "string" ? { html: p.html } : {}),
        ...(typeof p.text === "string" ? { text: p.text } : {}),
        messageId: links.messageId(key, domain),
        envelope: { from: links.verp(key, "bounces", domain), to: p.to },
        headers: {
          "List-Unsubscribe": `<${links.url("unsubscribe", key)}>`,
          "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
      });
      return { id: m.id, ok: true, delivered: false };
    } catch (e) {
      const err = e as { responseCode?: number; response?: string; message?: string; code?: string };
      const error = err.response ?? err.message ?? String(e);
      if (typeof err.responseCode === "number" && err.responseCode >= 500) return { id: m.id, ok: false, permanent: true, hardBounce: true, error };
      return { id: m.id, ok: false, permanent: false, error: `${err.code ? `${err.code}: ` : ""}${error}` };
    }
  }

  /** Waits for the next send slot under the rate limit. */
  private async pace(): Promise<void> {
    const rate = this.settings.ratePerSecond;
    if (rate <= 0) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / rate;
    if (slot > now) await new Promise((r) => setTimeout(r, slot - now));
  }
}
