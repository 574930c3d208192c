import { z } from "zod";
import { DEFAULT_SMS_COUNTRY } from "../../channels/sms/phone.js";
import { DEFAULT_QUIET_HOURS } from "../../channels/sms/quiet-hours.js";
import { getCountries } from "libphonenumber-js/max";
import { badRequest, notFound } from "../errors.js";
import { loadProjectSmsProvider, ProjectSmsProvider, SMS_SECRET } from "../../channels/sms/project-sms.js";
import { deleteSecret, putSecret } from "../secrets.js";
import { ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a local time HH:MM");
const COUNTRIES = new Set<string>(getCountries());

const SmsSettings = z.object({
  defaultCountry: z.string().describe("ISO 3166 country national numbers are read in"),
  quietHours: z.object({ start: HHMM, end: HHMM }).nullable().describe("local times (project time zone) between which SMS are held; null: none"),
});

const PushSettings = z.object({
  sites: z.array(z.string()).describe("origins allowed to register push subscriptions from the browser"),
});

/** A project's SMS provider account as the API shows it: never the auth token. */
const ProviderOut = z.object({
  configured: z.boolean(), baseUrl: z.string().optional(), accountSid: z.string().optional(), from: z.string().optional(), hasAuthToken: z.boolean(),
});
const providerView = (s: ProjectSmsProvider | undefined): z.infer<typeof ProviderOut> =>
  s ? { configured: true, baseUrl: s.baseUrl, accountSid: s.accountSid, from: s.from, hasAuthToken: !!s.authToken } : { configured: false, hasAuthToken: false };

/**
 * A project's SMS and web-push settings, and its own SMS provider account (docs/sms-push.md): the
 * account is stored encrypted and its auth token is write-only.
 */
export default routes(async (app) => {
  const ctx = app.relais;
  const config = async (projectId: string) => {
    const p = await ctx.projects.get(projectId);
    if (!p) throw notFound("project");
    return p.config;
  };
  const smsOut = (c: Awaited<ReturnType<typeof config>>) => ({
    defaultCountry: c.sms?.defaultCountry ?? DEFAULT_SMS_COUNTRY,
    quietHours: c.sms?.quietHours === undefined ? DEFAULT_QUIET_HOURS : c.sms.quietHours,
  });

  app.get("/projects/:projectId/sms-settings", {
    config: { auth: { permission: "read" } },
    schema: { tags: ["sms"], summary: "A project's SMS settings (country, quiet hours)", params: ProjectParams, response: { 200: SmsSettings } },
  }, async (request) => smsOut(await config(request.params.projectId)));

  app.put("/projects/:projectId/sms-settings", {
    config: { auth: { permission: "admin" } },
    schema: {
      tags: ["sms"], summary: "Change a project's SMS settings", params: ProjectParams,
      body: z.strictObject({
        defaultCountry: z.string().refine((c) => COUNTRIES.has(c), { message: "an ISO 3166 country code libphonenumber knows, such as CA or FR" }),
        quietHours: z.strictObject({ start: HHMM, end: HHMM }).nullable(),
      }),
      response: { 200: SmsSettings },
    },
  }, async (request) => {
    await config(request.params.projectId);
    return smsOut(await ctx.projects.updateConfig(request.params.projectId, (c) => ({ ...c, sms: request.body })));
  });

  app.get("/projects/:projectId/push-settings", {
    config: { auth: { permission: "read" } },
    schema: { tags: ["push"], summary: "A project's web-push settings (sites)", params: ProjectParams, response: { 200: PushSettings } },
  }, async (request) => ({ sites: (await config(request.params.projectId)).sites ?? [] }));

  app.put("/projects/:projectId/push-settings", {
    config: { auth: { permission: "admin" } },
    schema: {
      tags: ["push"], summary: "Change a project's web-push settings", params: ProjectParams,
      body: z.strictObject({ sites: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, "an origin such as https://shop.example (no path, no trailing slash)")).max(50) }),
      response: { 200: PushSettings },
    },
  }, async (request) => {
    await config(request.params.projectId);
    return { sites: (await ctx.projects.updateConfig(request.params.projectId, (c) => ({ ...c, sites: request.body.sites }))).sites ?? [] };
  });

  const provider = "/projects/:projectId/sms-provider";
  app.get(provider, {
    config: { auth: { permission: "admin" } },
    schema: { tags: ["sms"], summary: "The project's own SMS provider account, without the auth token", params: ProjectParams, response: { 200: ProviderOut } },
  }, async (request) => providerView(await loadProjectSmsProvider(ctx.db, request.params.projectId, ctx.secret)));

  app.put(provider, {
    config: { auth: { permission: "admin" } },
    schema: {
      tags: ["sms"], summary: "Sets the project's own Twilio-style SMS account (omit authToken to keep the stored one)", params: ProjectParams,
      body: ProjectSmsProvider, response: { 200: ProviderOut },
    },
  }, async (request) => {
    const { projectId } = request.params;
    await config(projectId);
    const previous = await loadProjectSmsProvider(ctx.db, projectId, ctx.secret);
    const authToken = request.body.authToken ?? (previous?.accountSid === request.body.accountSid ? previous.authToken : undefined);
    if (!authToken) throw badRequest("authToken is required (no token is stored for this account)", [{ path: "body.authToken", message: "required" }]);
    const next: ProjectSmsProvider = { ...request.body, baseUrl: request.body.baseUrl.replace(/\/+$/, ""), authToken };
    await ctx.store.transaction(() => putSecret(ctx.db, projectId, SMS_SECRET.scope, SMS_SECRET.key, JSON.stringify(next), ctx.secret));
    return providerView(next);
  });

  app.delete(provider, {
    config: { auth: { permission: "admin" } },
    schema: { tags: ["sms"], summary: "Removes the project's own SMS account (back to the instance's transport or the capture outbox)", params: ProjectParams, response: { 200: ProviderOut } },
  }, async (request) => {
    await ctx.store.transaction(() => deleteSecret(ctx.db, request.params.projectId, SMS_SECRET.scope, SMS_SECRET.key));
    return providerView(undefined);
  });
});
