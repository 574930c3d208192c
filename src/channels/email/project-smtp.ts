import { z } from "zod";
import type { Transport } from "../../engine/transport.js";
import { PerProjectTransport, type ProjectTransportSettings } from "../per-project.js";
import type { DirectoryDb } from "../../store/directory/directory-db.js";
import type { Store } from "../../store/store.js";
import { getSecret } from "../../server/secrets.js";
import type { LinkSigner } from "../links.js";
import { SmtpTransport } from "./smtp-transport.js";

/** A project's own SMTP server (stored encrypted whole: it holds a password and maybe a DKIM key). */
export const ProjectSmtp = z.strictObject({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535).default(587),
  /** `tls`: TLS from the start (465); `starttls`: upgrade when offered (587); `none`: never (a local relay). */
  security: z.enum(["tls", "starttls", "none"]).default("starttls"),
  username: z.string().max(255).optional(),
  password: z.string().max(1000).optional(),
  /** At most this many messages per second for this project (0: no limit). */
  ratePerSecond: z.number().min(0).max(100_000).default(0),
  /** Domain of Message-IDs and of the bounce address; default: the sender's. */
  mailDomain: z.string().max(255).optional(),
  dkim: z.strictObject({ domainName: z.string().min(1), keySelector: z.string().min(1), privateKey: z.string().min(1).max(20_000) }).optional(),
});
export type ProjectSmtp = z.infer<typeof ProjectSmtp>;

export const SMTP_SECRET = { scope: "email", key: "smtp" } as const;

export async function loadProjectSmtp(db: DirectoryDb, projectId: string, secret: Buffer): Promise<ProjectSmtp | undefined> {
  const text = await getSecret(db, projectId, SMTP_SECRET.scope, SMTP_SECRET.key, secret);
  return text === undefined ? undefined : ProjectSmtp.parse(JSON.parse(text));
}

/** nodemailer's URL for these settings (credentials URL-encoded). */
export function smtpUrl(s: ProjectSmtp): string {
  const auth = s.username ? `${encodeURIComponent(s.username)}:${encodeURIComponent(s.password ?? "")}@` : "";
  return `${s.security === "tls" ? "smtps" : "smtp"}://${auth}${s.host}:${s.port}${s.security === "none" ? "?tls=off" : ""}`;
}

/**
 * Email for every project: a project with its own SMTP settings sends through them (a pooled
 * transport per project, rebuilt when the settings change); the others go to the instance's
 * transport (`SMTP_URL`, or the capture outbox). Settings are re-read at most every 30 seconds.
 */
export class ProjectEmailTransport extends PerProjectTransport {
  constructor(private readonly deps: { store: Store; db: DirectoryDb; secret: Buffer; links: LinkSigner; fallback: Transport; defaultFrom: string }) {
    super(deps.store, deps.fallback);
  }

  protected async settingsOf(projectId: string): Promise<ProjectTransportSettings> {
    const settings = await loadProjectSmtp(this.deps.db, projectId, this.deps.secret);
    return {
      fingerprint: settings ? JSON.stringify(settings) : "",
      build: () => (settings
        ? new SmtpTransport({ url: smtpUrl(settings), defaultFrom: this.deps.defaultFrom, mailDomain: settings.mailDomain, ratePerSecond: settings.ratePerSecond, maxConnections: 5, dkim: settings.dkim, links: this.deps.links })
        : undefined),
    };
  }
}
