import { createHmac } from "node:crypto";
import type { SendResult, Transport } from "../../engine/transport.js";
import type { DirectoryDb } from "../../store/directory/directory-db.js";
import type { MessageRecord } from "../../store/store.js";

/**
 * A Twilio-style REST provider: `SMS_HTTP_URL` (API base, e.g. https://api.twilio.com/2010-04-01),
 * `SMS_HTTP_ACCOUNT_SID`, `SMS_HTTP_AUTH_TOKEN`, `SMS_FROM`.
 */
export interface HttpSmsSettings {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  from: string;
  /** Relais's public base URL: status callbacks go to `{publicUrl}/api/v1/webhooks/sms/{projectId}`. */
  publicUrl: string;
  timeoutMs?: number;
}

export function httpSmsSettingsFromEnv(env: NodeJS.ProcessEnv, publicUrl: string): HttpSmsSettings | undefined {
  const baseUrl = env.SMS_HTTP_URL?.trim();
  if (!baseUrl) return undefined;
  const accountSid = env.SMS_HTTP_ACCOUNT_SID?.trim();
  const authToken = env.SMS_HTTP_AUTH_TOKEN?.trim();
  if (!accountSid || !authToken) throw new Error("SMS_HTTP_URL is set: SMS_HTTP_ACCOUNT_SID and SMS_HTTP_AUTH_TOKEN are required too");
  return { baseUrl: baseUrl.replace(/\/+$/, ""), accountSid, authToken, from: env.SMS_FROM?.trim() || "Relais", publicUrl: publicUrl.replace(/\/+$/, "") };
}

/** Twilio's request signature: base64 HMAC-SHA1, keyed by the auth token, of the URL then each parameter name and value sorted by name. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join("");
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

/**
 * SMS through a Twilio-style HTTP API: one form POST per message to
 * `{base}/Accounts/{sid}/Messages.json` with HTTP basic auth, asking for status callbacks to
 * Relais's signed webhook. The provider's message sid is stored (`sms_smsc_ids`) so the callback
 * marks the message delivered or bounced. 4xx answers (but 429) are permanent failures.
 */
export class HttpSmsTransport implements Transport {
  readonly deliversOnSend = false;
  readonly maxBatch = 100;

  constructor(private readonly settings: HttpSmsSettings, private readonly db: DirectoryDb, private readonly clock: () => number) {}

  async send(messages: MessageRecord[]): Promise<SendResult[]> {
    const { settings } = this;
    const ids = messages.map((m) => m.id);
    const projects = new Map((await this.db.all(this.db.q.selectFrom("messages").select(["id", "project_id"]).where("id", "in", ids))).map((r) => [Number(r.id), r.project_id]));
    const auth = `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString("base64")}`;
    const url = `${settings.baseUrl}/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
    const mapped: { smsc_id: string; message_id: number; created_at: number }[] = [];
    const results = await Promise.all(messages.map(async (m): Promise<SendResult> => {
      const to = m.payload.to;
      if (typeof to !== "string" || !to) return { id: m.id, ok: false, permanent: true, error: "no phone number" };
      const form = new URLSearchParams({ To: to, From: settings.from, Body: String(m.payload.text ?? "") });
      const project = projects.get(m.id);
      if (project) form.set("StatusCallback", `${settings.publicUrl}/api/v1/webhooks/sms/${encodeURIComponent(project)}`);
      try {
        const r = await fetch(url, { method: "POST", headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" }, body: form, signal: AbortSignal.timeout(settings.timeoutMs ?? 10_000) });
        const body = (await r.json().catch(() => ({}))) as { sid?: string; message?: string; code?: number };
        if (!r.ok) {
          return { id: m.id, ok: false, permanent: r.status >= 400 && r.status < 500 && r.status !== 429, error: `SMS provider answered ${r.status}${body.message ? `: ${body.message}` : ""}` };
        }
        if (body.sid) mapped.push({ smsc_id: body.sid, message_id: m.id, created_at: this.clock() });
        return { id: m.id, ok: true, delivered: false };
      } catch (e) {
        return { id: m.id, ok: false, error: `SMS provider unreachable: ${(e as Error).message}` };
      }
    }));
    if (mapped.length) await this.db.run(this.db.q.insertInto("sms_smsc_ids").values(mapped).onConflict((c) => c.column("smsc_id").doNothing()));
    return results;
  }
}
