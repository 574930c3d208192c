import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";
import type { LinkSigner } from "../channels/links.js";
import type { Clock } from "../engine/clock.js";
import type { Engine } from "../engine/engine.js";
import type { MessageKey } from "../engine/links.js";
import { logSubscriptions } from "../contacts/subscription-log.js";
import type { DirectoryDb } from "../store/directory/directory-db.js";
import type { Store } from "../store/store.js";

export interface InboundDeps {
  store: Store;
  engine: Engine;
  clock: Clock;
  db: DirectoryDb;
  links: LinkSigner;
  wake: () => void;
  log: (line: string) => void;
}

/** What a report says about the message it names. */
export type InboundReport =
  | { kind: "bounce"; hard: boolean; status: string }
  | { kind: "delivered" }
  | { kind: "complaint"; feedbackType: string }
  | { kind: "unknown" };

const MAX_REPORT_BYTES = 2 * 1024 * 1024;

/**
 * Reads a delivery status notification (RFC 3464, `multipart/report; report-type=delivery-status`)
 * or a feedback-loop complaint (ARF, RFC 5965, `report-type=feedback-report`) from its raw text.
 * The first recipient's `Action`/`Status` decide: failed with 5.x.x is a hard bounce, 4.x.x (or
 * `delayed`) a soft one, `delivered` a delivery.
 */
export function readReport(raw: string): InboundReport {
  const unfolded = raw.replace(/\r?\n[ \t]+/g, " ");
  if (/report-type="?feedback-report"?/i.test(unfolded) || /^Feedback-Type:/im.test(unfolded)) {
    return { kind: "complaint", feedbackType: (/^Feedback-Type:\s*([\w-]+)/im.exec(unfolded)?.[1] ?? "abuse").toLowerCase() };
  }
  if (!/report-type="?delivery-status"?/i.test(unfolded) && !/^Action:\s*\w+/im.test(unfolded)) return { kind: "unknown" };
  const action = (/^Action:\s*(\w+)/im.exec(unfolded)?.[1] ?? "").toLowerCase();
  const status = /^Status:\s*([245]\.\d{1,3}\.\d{1,3})/im.exec(unfolded)?.[1] ?? "";
  if (action === "delivered" || action === "relayed" || action === "expanded") return { kind: "delivered" };
  if (action === "failed" && status.startsWith("5")) return { kind: "bounce", hard: true, status };
  if (action === "failed" || action === "delayed" || status.startsWith("4")) return { kind: "bounce", hard: false, status: status || action };
  return { kind: "unknown" };
}

/** The message a report is about: the VERP recipient first, else a signed Message-ID quoted in the report. */
export function reportedMessage(links: LinkSigner, recipients: string[], raw: string): MessageKey | undefined {
  for (const r of recipients) {
    const key = links.parseBounceAddress(r);
    if (key) return key;
  }
  for (const m of raw.matchAll(/<(m\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}@[^<>\s]+)>/g)) {
    const key = links.parseBounceAddress(m[1]);
    if (key) return key;
  }
  return undefined;
}

/** Applies a report to its message: bounce (a hard one marks the address), delivery, or complaint (unsubscribes). */
export async function applyReport(deps: InboundDeps, key: MessageKey, report: InboundReport): Promise<boolean> {
  const { store, engine, db, clock } = deps;
  const at = clock.now();
  if (report.kind === "unknown") return false;
  const done = await store.transaction(async () => {
    if (report.kind === "bounce") return !!(await engine.messageEventByKey(key, "bounced", { hard: report.hard }, at));
    if (report.kind === "delivered") return !!(await engine.messageEventByKey(key, "delivered", {}, at));
    const message = await store.messageByKey(key.journey, key.element, key.hop);
    if (!message) return false;
    const before = (await store.getContacts([message.contactPk])).get(message.contactPk);
    await engine.messageEventByKey(key, "complained", {}, at);
    const type = message.communicationType;
    if (type && before?.subscriptions[type] === true) {
      const row = await db.first(db.q.selectFrom("messages").select("project_id").where("id", "=", message.id));
      if (row) await logSubscriptions(db, [{ projectId: row.project_id, contactPk: message.contactPk, communicationType: type, subscribed: false, at, source: "complaint" }]);
    }
    return true;
  });
  if (done) deps.wake();
  return done;
}

/**
 * The inbound SMTP listener for bounces and complaints (smtp-server). It accepts every message
 * (up to 2 MiB): an unmatched or unreadable one is dropped with a debug line, never bounced back,
 * so no bounce loop can start.
 */
export async function startInboundSmtp(deps: InboundDeps, port: number, host: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS", "AUTH"], logger: false, size: MAX_REPORT_BYTES, banner: "Relais bounces and complaints",
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= MAX_REPORT_BYTES) chunks.push(c);
      });
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const recipients = session.envelope.rcptTo.map((r: SMTPServerAddress) => r.address);
        void (async () => {
          const key = reportedMessage(deps.links, recipients, raw);
          const report = readReport(raw);
          if (!key || report.kind === "unknown") {
            deps.log(`inbound: dropped a message for ${recipients.join(", ")} (${key ? "not a report" : "no message of ours"})`);
            return;
          }
          if (!(await applyReport(deps, key, report))) deps.log(`inbound: ${report.kind} for a message that was never sent`);
        })().catch((e: unknown) => deps.log(`inbound: could not apply a report: ${(e as Error).message}`)).finally(() => callback());
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
