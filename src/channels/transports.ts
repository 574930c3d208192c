import type { Store } from "../store/store.js";
import type { Transport } from "../engine/transport.js";
import { DirectoryDb } from "../store/directory/directory-db.js";
import { CaptureTransport } from "./capture-transport.js";
import { ProjectEmailTransport } from "./email/project-smtp.js";
import { SmtpTransport, smtpSettingsFromEnv } from "./email/smtp-transport.js";
import { PushTransport, pushSettingsFromEnv } from "./push/push-transport.js";
import { HttpSmsTransport, httpSmsSettingsFromEnv } from "./sms/http-transport.js";
import { SmppTransport, smppSettingsFromEnv } from "./sms/smpp-transport.js";
import { ProjectSmsTransport } from "./sms/project-sms.js";
import type { LinkSigner } from "./links.js";
import { ChannelRouter } from "./router.js";

/** What building the transports may read: the process environment and the store (per-project settings, secrets). */
export interface TransportDeps {
  env: NodeJS.ProcessEnv;
  store: Store;
  /** Key material for secrets at rest (the server secret), when the process has it. */
  secret?: Buffer;
  /** Signs the links and Message-IDs of messages (the same key as the tracking endpoints). */
  links: LinkSigner;
  log: (line: string) => void;
}

/**
 * The transports of `relais serve` and `relais worker`: one router, each channel registered when
 * it is configured, the capture outbox for the others. The single place where channels plug in.
 */
export function buildTransports(deps: TransportDeps): ChannelRouter {
  const router = new ChannelRouter();
  const smtp = smtpSettingsFromEnv(deps.env, deps.links);
  let email: Transport | undefined;
  if (smtp) {
    email = new SmtpTransport(smtp);
    const u = new URL(smtp.url);
    deps.log(`email: SMTP to ${u.hostname}:${u.port || (u.protocol === "smtps:" ? 465 : 587)}${smtp.ratePerSecond ? `, at most ${smtp.ratePerSecond}/s` : ""}${smtp.dkim ? `, DKIM ${smtp.dkim.keySelector}._domainkey.${smtp.dkim.domainName}` : ""}`);
  }
  // Projects with their own SMTP settings send through them; the others through SMTP_URL or the capture outbox.
  if (deps.secret) {
    email = new ProjectEmailTransport({
      store: deps.store, db: new DirectoryDb(deps.store), secret: deps.secret, links: deps.links,
      fallback: email ?? new CaptureTransport(true), defaultFrom: deps.env.RELAIS_MAIL_FROM ?? "Relais <no-reply@relais.local>",
    });
  }
  if (email) router.register("email", email);
  const smpp = smppSettingsFromEnv(deps.env);
  if (smpp) {
    router.register("sms", new SmppTransport(smpp, new DirectoryDb(deps.store), Date.now, deps.log));
    deps.log(`sms: SMPP to ${new URL(smpp.url).host} as ${smpp.from}`);
  }
  const smsHttp = smpp ? undefined : httpSmsSettingsFromEnv(deps.env, deps.links.baseUrl);
  if (smsHttp) {
    router.register("sms", new HttpSmsTransport(smsHttp, new DirectoryDb(deps.store), Date.now));
    deps.log(`sms: HTTP provider ${new URL(smsHttp.baseUrl).host} as ${smsHttp.from}`);
  }
  // Projects with their own SMS account send through it; the others through the instance's transport or the capture outbox.
  if (deps.secret) {
    const fallback = router.transportFor("sms");
    router.register("sms", new ProjectSmsTransport({ store: deps.store, db: new DirectoryDb(deps.store), secret: deps.secret, publicUrl: deps.links.baseUrl, fallback, now: Date.now }));
  }
  const push = pushSettingsFromEnv(deps.env);
  if (push && deps.secret) {
    router.register("push", new PushTransport(push, { store: deps.store, db: new DirectoryDb(deps.store), secret: deps.secret, links: deps.links, now: Date.now }));
    deps.log(`push: web push with VAPID subject ${push.subject}, TTL ${push.ttl} s`);
  }
  return router;
}
