import { z } from "zod";
import { SlugKey } from "../../contacts/config-keys.js";
import { countMatches, ruleProblems } from "../../contacts/config-rules.js";
import { Rule, type ProjectConfig } from "../../model/index.js";
import { badRequest } from "../errors.js";
import { Ok, ProjectParams } from "../schemas.js";
import { ADMIN, changeConfig, configOf, KeyParams, mustFind, refuseDuplicate, TAGS } from "./config-shared.js";
import { routes } from "./route-plugin.js";

const Persona = z.object({ key: z.string(), rule: Rule });
const PersonaOut = Persona.extend({ count: z.number().int().describe("active contacts the rule holds for now") });

/** A rule naming a field, table or column the project lacks is bad input (400), with the path of each. */
function checkRule(rule: Rule, config: ProjectConfig): void {
  const problems = ruleProblems(rule, config, ["body", "rule"]);
  if (problems.length > 0) throw badRequest(`the rule names what the project does not have: ${problems.map((p) => p.message).join(", ")}`, problems);
}

/** Personas: named rules over contacts' fields and profiling tables, used by the persona condition. */
export default routes(async (app) => {
  const now = () => app.relais.clock.now();

  app.get("/projects/:projectId/personas", {
    schema: {
      tags: TAGS, summary: "The project's personas, with how many active contacts match each", params: ProjectParams,
      response: { 200: z.object({ personas: z.array(PersonaOut) }) },
    },
  }, async (request) => {
    const { projectId } = request.params;
    const config = await configOf(app, projectId);
    const counts = await countMatches(app.relais.store, projectId, config, config.personas, now());
    return { personas: config.personas.map((p) => ({ ...p, count: counts.get(p.key) ?? 0 })) };
  });

  // The settings screen counts a rule while it is being written, before any persona holds it.
  app.post("/projects/:projectId/personas/count", {
    config: { auth: { permission: "read" as const } },
    schema: {
      tags: TAGS, summary: "How many active contacts a rule holds for now (nothing is saved)", params: ProjectParams,
      body: z.strictObject({ rule: Rule }), response: { 200: z.object({ count: z.number().int() }) },
    },
  }, async (request) => {
    const { projectId } = request.params;
    const config = await configOf(app, projectId);
    checkRule(request.body.rule, config);
    const counts = await countMatches(app.relais.store, projectId, config, [{ key: "", rule: request.body.rule }], now());
    return { count: counts.get("") ?? 0 };
  });

  app.get("/projects/:projectId/personas/:key", {
    schema: { tags: TAGS, summary: "A persona, with how many active contacts match it", params: KeyParams, response: { 200: PersonaOut } },
  }, async (request) => {
    const { projectId, key } = request.params;
    const config = await configOf(app, projectId);
    const persona = mustFind(config.personas, key, "persona");
    const counts = await countMatches(app.relais.store, projectId, config, [persona], now());
    return { ...persona, count: counts.get(key) ?? 0 };
  });

  app.post("/projects/:projectId/personas", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Add a persona", params: ProjectParams,
      body: z.strictObject({ key: SlugKey, rule: Rule }), response: { 201: PersonaOut },
    },
  }, async (request, reply) => {
    const { projectId } = request.params;
    const { key, rule } = request.body;
    const next = await changeConfig(app, projectId, `add persona ${key}`, (c) => {
      refuseDuplicate(c.personas, key, "persona");
      checkRule(rule, c);
      return { ...c, personas: [...c.personas, { key, rule }] };
    });
    const persona = mustFind(next.personas, key, "persona");
    const counts = await countMatches(app.relais.store, projectId, next, [persona], now());
    reply.code(201);
    return { ...persona, count: counts.get(key) ?? 0 };
  });

  app.put("/projects/:projectId/personas/:key", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Replace a persona's rule", params: KeyParams,
      body: z.strictObject({ rule: Rule }), response: { 200: PersonaOut },
    },
  }, async (request) => {
    const { projectId, key } = request.params;
    const { rule } = request.body;
    const next = await changeConfig(app, projectId, `change persona ${key}`, (c) => {
      mustFind(c.personas, key, "persona");
      checkRule(rule, c);
      return { ...c, personas: c.personas.map((p) => (p.key === key ? { key, rule } : p)) };
    });
    const persona = mustFind(next.personas, key, "persona");
    const counts = await countMatches(app.relais.store, projectId, next, [persona], now());
    return { ...persona, count: counts.get(key) ?? 0 };
  });

  app.delete("/projects/:projectId/personas/:key", {
    config: ADMIN,
    schema: { tags: TAGS, summary: "Delete a persona (refused while a live campaign uses it)", params: KeyParams, response: { 200: Ok } },
  }, async (request) => {
    const { projectId, key } = request.params;
    await changeConfig(app, projectId, `delete persona ${key}`, (c) => {
      mustFind(c.personas, key, "persona");
      return { ...c, personas: c.personas.filter((p) => p.key !== key) };
    });
    return { ok: true as const };
  });
});
