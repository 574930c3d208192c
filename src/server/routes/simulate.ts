import { z } from "zod";
import { projectConfig } from "../../campaigns/campaign-service.js";
import { findingsLang } from "../../campaigns/lang.js";
import { LangQuery } from "../../campaigns/api-schemas.js";
import { ScenarioInputError, simulate } from "../../scenario/simulate.js";
import { badRequest } from "../errors.js";
import { ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

/** Bounds so one request cannot hold the server: a simulation is for trying a campaign out. */
export const SIMULATION_LIMITS = { contacts: 10_000, events: 100_000 };

const FindingOut = z.object({ code: z.string(), element: z.string().optional(), path: z.string().optional(), message: z.string(), messages: z.object({ fr: z.string(), en: z.string() }) });

/**
 * `relais simulate` as a route (docs/editor.md): runs a scenario (SCENARIOS.md) on the real engine
 * with a virtual clock, in a throw-away in-memory store: nothing of the project is read or
 * written but its configuration, used when the scenario gives no `project`.
 */
export default routes(async (app) => {
  app.post("/projects/:projectId/simulate", {
    config: { auth: { permission: "read" } },
    schema: {
      tags: ["campaigns"], summary: "Simulate a campaign over a scenario (relais simulate); the project's configuration is the default",
      params: ProjectParams, querystring: LangQuery,
      body: z.strictObject({
        description: z.string().optional(),
        start: z.string(), until: z.string(), seed: z.number().int().optional(),
        project: z.record(z.string(), z.unknown()).optional().describe("default: this project's configuration"),
        contacts: z.array(z.unknown()).max(SIMULATION_LIMITS.contacts).optional(),
        history: z.array(z.unknown()).optional(),
        campaign: z.record(z.string(), z.unknown()),
        activateAt: z.string().optional(),
        events: z.array(z.unknown()).max(SIMULATION_LIMITS.events).optional(),
        autoDeliver: z.boolean().optional(),
        expected: z.unknown().optional().describe("ignored here (relais simulate compares it)"),
      }).describe("a scenario: start, until, campaign, contacts, events, … (SCENARIOS.md)"),
      response: {
        200: z.looseObject({
          valid: z.boolean(), errors: z.array(FindingOut), warnings: z.array(FindingOut),
          outcomes: z.record(z.string(), z.number()).optional(),
          elements: z.record(z.string(), z.object({ entered: z.number(), waiting: z.number(), exits: z.record(z.string(), z.number()) })).optional(),
        }),
      },
    },
  }, async (request) => {
    const body = request.body;
    const lang = findingsLang(request.query.lang, request.headers["accept-language"]);
    const input = { ...body, project: body.project ?? (await projectConfig(app.relais, request.params.projectId)) };
    try {
      return { ...(await simulate(input, { lang })) };
    } catch (e) {
      if (e instanceof ScenarioInputError) throw badRequest(`invalid scenario: ${e.problems.join("; ")}`, e.problems.map((p) => ({ path: "body", message: p })));
      throw e;
    }
  });
});
