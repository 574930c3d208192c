import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { SmtpTransport } from "../src/channels/email/smtp-transport.js";
import { LinkSigner } from "../src/channels/links.js";
import { ChannelRouter } from "../src/channels/router.js";
import { VirtualClock } from "../src/engine/clock.js";
import { Engine } from "../src/engine/engine.js";
import type { SendResult, Transport } from "../src/engine/transport.js";
import { CampaignDocument, ProjectConfig } from "../src/model/index.js";
import type { MessageRecord } from "../src/store/store.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";

export interface EmailBenchOptions {
  contacts: number;
  dir: string;
  batchSize: number;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** An SMTP server in a child process that accepts and discards everything; prints its port, then a count on exit. */
const SINK = `
const { SMTPServer } = require("smtp-server");
let n = 0;
const s = new SMTPServer({ authOptional: true, disabledCommands: ["STARTTLS"], logger: false,
  onData(stream, _session, cb) { stream.on("data", () => {}); stream.on("end", () => { n++; cb(); }); } });
s.listen(0, "127.0.0.1", () => console.log(s.server.address().port));
process.on("SIGTERM", () => { console.log("received " + n); process.exit(0); });
`;

const MJML = `<mjml>
  <mj-head><mj-title>Nouveautés</mj-title><mj-preview>Vos offres de la semaine</mj-preview></mj-head>
  <mj-body background-color="#f4f4f4">
    <mj-section><mj-column>
      <mj-text font-size="20px">Bonjour {{ contact.firstName }},</mj-text>
      <mj-text>Voici les nouveautés de la semaine à {{ contact.city }}. Votre numéro client : {{ contact.customer }}.</mj-text>
      <mj-button href="https://boutique.example/offres?c={{ contact.customer }}">Voir les offres</mj-button>
    </mj-column></mj-section>
    <mj-section><mj-column>
      <mj-text font-size="11px"><a href="{{ unsubscribe_url }}">Se désabonner</a> · <a href="{{ view_online_url }}">Voir en ligne</a></mj-text>
    </mj-column></mj-section>
  </mj-body>
</mjml>`;

/** Times what the wrapped transport spends handing messages over. */
class Timed implements Transport {
  seconds = 0;
  constructor(private readonly inner: Transport) {}
  get deliversOnSend() {
    return this.inner.deliversOnSend;
  }
  get maxBatch() {
    return this.inner.maxBatch;
  }
  async send(messages: MessageRecord[]): Promise<SendResult[]> {
    const t = process.hrtime.bigint();
    try {
      return await this.inner.send(messages);
    } finally {
      this.seconds += Number(process.hrtime.bigint() - t) / 1e9;
    }
  }
  close() {
    this.inner.close?.();
  }
}

/**
 * email: N contacts get a personalized MJML email (Liquid per contact, MJML compiled once,
 * tracked links, text part) handed over SMTP to a local server in a child process. Prints
 * messages/s and where the time went: rendering and the store (the engine's steps) vs SMTP.
 */
export async function emailBench(opts: EmailBenchOptions): Promise<Record<string, unknown>> {
  const sink = spawn(process.execPath, ["-e", SINK], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: sink.stdout! })[Symbol.asyncIterator]();
  const port = Number((await lines.next()).value);
  const file = join(opts.dir, "email.sqlite");
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  const store = new SqliteStore(file);
  await store.migrate();
  await store.putProject("bench", ProjectConfig.parse({
    fields: [{ key: "email", type: "email", category: "uniqueKey" }, { key: "firstName", type: "text" }, { key: "city", type: "text" }, { key: "customer", type: "text" }],
    communicationTypes: [{ key: "news", channel: "email" }],
  }));
  const insert = store.db.prepare("INSERT INTO contacts (project_id, id, status, created_at, fields, subscriptions) VALUES ('bench', ?, 'active', 0, ?, '{\"news\":true}')");
  store.db.transaction(() => {
    for (let i = 0; i < opts.contacts; i++) insert.run(`c${i}@example.com`, JSON.stringify({ email: `c${i}@example.com`, firstName: `Prénom${i % 997}`, city: ["Montréal", "Québec", "Laval"][i % 3], customer: `N-${i}` }));
  })();
  const links = new LinkSigner(Buffer.alloc(32, 3), "https://relais.boutique.example");
  const smtp = new Timed(new SmtpTransport({ url: `smtp://127.0.0.1:${port}?tls=off`, defaultFrom: '"Boutique" <bonjour@boutique.example>', ratePerSecond: 0, maxConnections: 8, links }));
  const clock = new VirtualClock(Date.parse("2026-12-01T14:00:00Z"));
  const engine = new Engine({ store, clock, transport: new ChannelRouter().register("email", smtp), links, batchSize: opts.batchSize });
  await engine.saveCampaign("bench", CampaignDocument.parse({
    id: "email", name: "Nouveautés",
    elements: [
      { id: "t1", type: "trigger.manual", params: {} },
      { id: "a1", type: "action.sendEmail", params: { communicationType: "news", message: { subject: "{{ contact.firstName }}, vos offres", preheader: "Vos offres de la semaine", mjml: MJML } } },
      { id: "e1", type: "end.success", params: {} },
    ],
    connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
  }), 1);
  await engine.activate("email");
  process.stderr.write(`email: ${opts.contacts.toLocaleString("en")} personalized MJML emails to SMTP 127.0.0.1:${port}\n`);
  const started = process.hrtime.bigint();
  await engine.launch("email");
  await engine.tick();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sent = store.db.prepare("SELECT COUNT(*) FROM messages WHERE status = 'sent'").pluck().get() as number;
  smtp.close();
  await store.close();
  sink.kill("SIGTERM");
  const received = Number(/received (\d+)/.exec(String((await lines.next()).value))?.[1] ?? -1);
  return {
    workload: "email", messages: sent, receivedBySmtpServer: received, seconds: round(seconds), messagesPerSecond: Math.round(sent / seconds),
    split: { renderAndStoreSeconds: round(seconds - smtp.seconds), smtpSeconds: round(smtp.seconds) },
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}
