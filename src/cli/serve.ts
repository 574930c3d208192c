import { LinkSigner } from "../channels/links.js";
import { buildTransports } from "../channels/transports.js";
import { attachSmsInbound } from "../channels/sms/inbound.js";
import { SystemClock } from "../engine/clock.js";
import { Engine } from "../engine/engine.js";
import { buildApp } from "../server/app.js";
import { bootstrap } from "../server/bootstrap.js";
import { loadServeConfig, serverSecret, type ServeConfig } from "../server/config.js";
import { createContext } from "../server/context.js";
import { EngineLoop } from "../server/engine-loop.js";
import { startInboundSmtp } from "../tracking/inbound-smtp.js";
import { notifyApprovers, smtpSystemMailer } from "../channels/email/approval-notices.js";
import { Metrics } from "../server/metrics.js";
import { openStore } from "../store/open-store.js";
import { Uploader } from "../exports/uploader.js";
import { join } from "node:path";

/**
 * `relais serve`: the HTTP API and, unless disabled, the engine on the wall clock, over the
 * configured store. SIGTERM/SIGINT stop accepting requests, let the requests and the batch in
 * flight finish, then close the store: nothing is lost.
 */
export async function runServe(overrides: Partial<ServeConfig> = {}): Promise<void> {
  // Signals are caught from the very start: one arriving while the server starts (or right after
  // it says it listens) stops it cleanly once it is up, instead of killing it half-way.
  const stopRequested = new Promise<string>((resolve) => {
    process.on("SIGTERM", () => resolve("SIGTERM"));
    process.on("SIGINT", () => resolve("SIGINT"));
  });
  const config = loadServeConfig(process.env, overrides);
  const { store, description } = openStore({
    databaseUrl: config.databaseUrl, pgSchema: config.pgSchema, sqliteFile: config.sqliteFile ?? join(config.dataDir, "relais.sqlite"),
  });
  await store.migrate();
  const clock = new SystemClock();
  const baseUrl = config.baseUrl ?? `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${config.port}`;
  const metrics = new Metrics();
  const secret = serverSecret(config);
  const links = new LinkSigner(secret, baseUrl);
  const transport = buildTransports({ env: process.env, store, secret, links, log: (l) => process.stdout.write(`${l}\n`) });
  const engine = new Engine({ store, clock, transport, links, onBatch: metrics.onBatch });
  let loop: EngineLoop | undefined;
  const ctx = createContext({ store, clock, engine, secret, baseUrl, wake: () => loop?.wake(), metrics, metricsToken: config.metricsToken });
  attachSmsInbound(transport, { engine, db: ctx.db, now: () => clock.now(), wake: ctx.wake });
  const app = await buildApp(ctx, {
    logger: config.logLevel === "silent" ? false : { level: config.logLevel },
    ...(config.trustProxy !== undefined && config.trustProxy !== false ? { trustProxy: config.trustProxy } : {}),
  });
  const first = await bootstrap(ctx, { adminEmail: config.adminEmail, adminPassword: config.adminPassword, demo: config.demo });
  if (config.engine) {
    // With other workers on the database (PostgreSQL), their commits wake this engine too.
    loop = new EngineLoop(engine, clock, { idleMs: config.idleMs, listen: true, log: (l) => app.log.warn(l) });
  }
  await app.listen({ port: config.port, host: config.host });
  // Bounces and complaints come back by SMTP (VERP return paths, feedback loops): docs/tracking.md.
  let inbound: { port: number; close: () => Promise<void> } | undefined;
  if (config.inboundSmtpPort !== "off") {
    try {
      inbound = await startInboundSmtp({ store, engine, clock, db: ctx.db, links, wake: () => loop?.wake(), log: (l) => app.log.debug(l) }, config.inboundSmtpPort, config.host);
    } catch (e) {
      app.log.error(`inbound SMTP listener not started on port ${config.inboundSmtpPort}: ${(e as Error).message} (set RELAIS_INBOUND_SMTP_PORT, or off)`);
    }
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  loop?.start();
  // Export and postal files go to their SFTP destinations from the processes that run the engine (docs/exports.md).
  const uploader = config.engine ? new Uploader({ store, db: ctx.db, secret, now: () => clock.now(), log: (l, level) => app.log[level](l) }) : undefined;
  uploader?.start();
  // Approvers hear of emails waiting for them (one notice per approval request): docs/email-delivery.md.
  const mailer = smtpSystemMailer(process.env);
  const notify = () => notifyApprovers({ store, db: ctx.db, clock, baseUrl, mailer, log: (l) => app.log.warn(l) })
    .catch((e: unknown) => app.log.error({ err: e }, "approval notices"));
  const notifier = setInterval(() => void notify(), 10_000);
  const lines = [`Relais is listening on http://${config.host}:${port} (API /api/v1, docs /docs), database: ${description}, engine: ${config.engine ? "on" : "off"}`];
  if (inbound) lines.push(`Bounces and complaints: SMTP on ${config.host}:${inbound.port}`);
  if (first.admin) {
    lines.push(first.admin.generated
      ? `First start: log in as ${first.admin.email} with the password ${first.admin.password} (shown once; set RELAIS_ADMIN_PASSWORD to choose it)`
      : `First start: log in as ${first.admin.email} with the password from RELAIS_ADMIN_PASSWORD`);
  }
  if (first.demoProject) lines.push(`Demo project: ${first.demoProject} (GET /api/v1/projects/${first.demoProject})`);
  // The login line must reach the person starting the server whatever the log level: plain stdout.
  process.stdout.write(`${lines.join("\n")}\n`);
  const signal = await stopRequested;
  process.stdout.write(`relais serve: ${signal}, finishing the requests and the batch in flight\n`);
  clearInterval(notifier);
  mailer?.close?.();
  await app.close();
  await inbound?.close();
  await loop?.stop();
  await uploader?.stop();
  transport.close();
  await store.close();
  process.stdout.write("relais serve: stopped\n");
}
