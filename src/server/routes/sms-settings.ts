import { z } from "zod";
import { DEFAULT_SMS_COUNTRY } from "../../channels/sms/phone.js";
import { DEFAULT_QUIET_HOURS } from "../../channels/sms/quiet-hours.js";
import { getCountries } from "libphonenumber-js/max";
import { notFound } from "../errors.js";
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

/** A project's SMS and web-push settings (no secrets here: accounts are the instance's, docs/sms-push.md). */
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
});
