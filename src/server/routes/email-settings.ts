import { z } from "zod";
import nodemailer from "nodemailer";
import { loadProjectSmtp, ProjectSmtp, SMTP_SECRET, smtpUrl } from "../../channels/email/project-smtp.js";
import { deleteSecret, putSecret } from "../secrets.js";
import { ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

const admin = { auth: { permission: "admin" as const } };
const tags = ["email settings"];

/** The settings as the API shows them: never the password nor the DKIM private key. */
const SettingsOut = z.object({
  configured: z.boolean(),
  host: z.string().optional(), port: z.number().optional(), security: z.string().optional(), username: z.string().optional(),
  hasPassword: z.boolean(), ratePerSecond: z.number().optional(), mailDomain: z.string().optional(),
  dkim: z.object({ domainName: z.string(), keySelector: z.string(), hasPrivateKey: z.boolean() }).optional(),
});

function view(s: ProjectSmtp | undefined): z.infer<typeof SettingsOut> {
  if (!s) return { configured: false, hasPassword: false };
  return {
    configured: true, host: s.host, port: s.port, security: s.security, ...(s.username ? { username: s.username } : {}),
    hasPassword: !!s.password, ratePerSecond: s.ratePerSecond, ...(s.mailDomain ? { mailDomain: s.mailDomain } : {}),
    ...(s.dkim ? { dkim: { domainName: s.dkim.domainName, keySelector: s.dkim.keySelector, hasPrivateKey: true } } : {}),
  };
}

/**
 * A project's own SMTP server (admin only). The settings are stored encrypted (AES-256-GCM under
 * the server key, bound to the project) and the password and DKIM key are write-only: a PUT
 * without `password` keeps the stored one. Without settings, the project's emails go through
 * `SMTP_URL`, or to the capture outbox. Changes apply within 30 seconds.
 */
export default routes(async (app) => {
  const { store, db, secret } = app.relais;
  const base = "/projects/:projectId/email-settings";

  app.get(base, {
    config: admin,
    schema: { tags, summary: "The project's SMTP settings, without secrets", params: ProjectParams, response: { 200: SettingsOut } },
  }, async (request) => view(await loadProjectSmtp(db, request.params.projectId, secret)));

  app.put(base, {
    config: admin,
    schema: {
      tags, summary: "Sets the project's SMTP server (omit password to keep the stored one)", params: ProjectParams,
      body: ProjectSmtp, response: { 200: SettingsOut },
    },
  }, async (request) => {
    const { projectId } = request.params;
    const previous = await loadProjectSmtp(db, projectId, secret);
    const next = ProjectSmtp.parse({ ...request.body, ...(request.body.password === undefined && previous?.password && request.body.username === previous.username ? { password: previous.password } : {}) });
    await store.transaction(() => putSecret(db, projectId, SMTP_SECRET.scope, SMTP_SECRET.key, JSON.stringify(next), secret));
    return view(next);
  });

  app.delete(base, {
    config: admin,
    schema: { tags, summary: "Removes the project's SMTP server (back to SMTP_URL or the capture outbox)", params: ProjectParams, response: { 200: SettingsOut } },
  }, async (request) => {
    await store.transaction(() => deleteSecret(db, request.params.projectId, SMTP_SECRET.scope, SMTP_SECRET.key));
    return view(undefined);
  });

  app.post(`${base}/test`, {
    config: admin,
    schema: {
      tags, summary: "Connects to the project's SMTP server and logs in, without sending anything", params: ProjectParams,
      response: { 200: z.object({ ok: z.boolean(), error: z.string().optional() }) },
    },
  }, async (request) => {
    const s = await loadProjectSmtp(db, request.params.projectId, secret);
    if (!s) return { ok: false, error: "no SMTP settings for this project" };
    const u = new URL(smtpUrl(s));
    const t = nodemailer.createTransport({
      host: u.hostname, port: Number(u.port), secure: s.security === "tls", ...(s.security === "none" ? { ignoreTLS: true } : {}),
      ...(s.username ? { auth: { user: s.username, pass: s.password ?? "" } } : {}), connectionTimeout: 10_000, greetingTimeout: 10_000,
    });
    try {
      await t.verify();
      return { ok: true };
    } catch (e) {
      const err = e as { response?: string; code?: string; message: string };
      return { ok: false, error: `${err.code ? `${err.code}: ` : ""}${err.response ?? err.message}` };
    } finally {
      t.close();
    }
  });
});
