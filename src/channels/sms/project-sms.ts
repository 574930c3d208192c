import { z } from "zod";
import type { Transport } from "../../engine/transport.js";
import { PerProjectTransport, type ProjectTransportSettings } from "../per-project.js";
import type { DirectoryDb } from "../../store/directory/directory-db.js";
import type { Store } from "../../store/store.js";
import { getSecret } from "../../server/secrets.js";
import { HttpSmsTransport } from "./http-transport.js";

/** A project's own Twilio-style SMS account (stored encrypted whole: it holds the auth token). */
export const ProjectSmsProvider = z.strictObject({
  baseUrl: z.string().regex(/^https?:\/\/[^\s]+$/, "the provider's API base URL, such as https://api.twilio.com/2010-04-01").max(500),
  accountSid: z.string().min(1).max(200),
  authToken: z.string().min(1).max(500).optional().describe("write-only; omit to keep the stored one"),
  from: z.string().min(1).max(20).describe("sender: a number in E.164 or an alphanumeric sender (11 characters at most)"),
});
export type ProjectSmsProvider = z.infer<typeof ProjectSmsProvider>;

export const SMS_SECRET = { scope: "sms", key: "http" } as const;

export async function loadProjectSmsProvider(db: DirectoryDb, projectId: string, secret: Buffer): Promise<ProjectSmsProvider | undefined> {
  const text = await getSecret(db, projectId, SMS_SECRET.scope, SMS_SECRET.key, secret);
  return text === undefined ? undefined : ProjectSmsProvider.parse(JSON.parse(text));
}

/**
 * SMS for every project: a project with its own provider account sends through it; the others
 * through the instance's transport (`SMS_SMPP_URL` / `SMS_HTTP_*`, or the capture outbox).
 */
export class ProjectSmsTransport extends PerProjectTransport {
  constructor(private readonly deps: { store: Store; db: DirectoryDb; secret: Buffer; publicUrl: string; fallback: Transport; now: () => number }) {
    super(deps.store, deps.fallback);
  }

  protected async settingsOf(projectId: string): Promise<ProjectTransportSettings> {
    const s = await loadProjectSmsProvider(this.deps.db, projectId, this.deps.secret);
    return {
      fingerprint: s ? JSON.stringify(s) : "",
      build: () => (s?.authToken
        ? new HttpSmsTransport({ baseUrl: s.baseUrl.replace(/\/+$/, ""), accountSid: s.accountSid, authToken: s.authToken, from: s.from, publicUrl: this.deps.publicUrl.replace(/\/+$/, "") }, this.deps.db, this.deps.now)
        : undefined),
    };
  }
}
