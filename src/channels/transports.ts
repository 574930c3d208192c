import type { Store } from "../store/store.js";
import { SmtpTransport, smtpSettingsFromEnv } from "./email/smtp-transport.js";
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
  if (smtp) {
    router.register("email", new SmtpTransport(smtp));
    const u = new URL(smtp.url);
    deps.log(`email: SMTP to ${u.hostname}:${u.port || (u.protocol === "smtps:" ? 465 : 587)}${smtp.ratePerSecond ? `, at most ${smtp.ratePerSecond}/s` : ""}${smtp.dkim ? `, DKIM ${smtp.dkim.keySelector}._domainkey.${smtp.dkim.domainName}` : ""}`);
  }
  return router;
}
