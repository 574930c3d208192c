import { evaluateRule, fieldTypes, ruleRefs, ruleUsesTables, type FieldType, type ProjectConfig, type Rule, type RuleEnv } from "../model/index.js";
import type { ContactRecord, Store } from "../store/store.js";

/** One problem of a rule: where (dotted path) and what. */
export interface RuleProblem {
  path: string;
  message: string;
}

/**
 * The fields, tables and columns a rule names that the project does not have. The same
 * reference check the validator runs on campaign rules (`ruleRefs`), for rules that belong to
 * the project itself (personas), which the validator leaves alone.
 */
export function ruleProblems(rule: Rule, config: ProjectConfig, base: (string | number)[] = []): RuleProblem[] {
  const fields = new Set(config.fields.map((f) => f.key));
  const tables = new Map(config.tables.map((t) => [t.key, new Set(t.columns.map((c) => c.key))]));
  const refs = ruleRefs(rule, base);
  const out: RuleProblem[] = [];
  const at = (path: (string | number)[]) => path.join(".");
  for (const f of refs.fields) if (!fields.has(f.key)) out.push({ path: at(f.path), message: `unknown field ${f.key}` });
  for (const t of refs.tables) {
    const columns = tables.get(t.key);
    // An unknown table is one problem: its columns are not reported on top of it.
    if (!columns) out.push({ path: at(t.path), message: `unknown profiling table ${t.key}` });
    else for (const c of t.columns) if (!columns.has(c.key)) out.push({ path: at(c.path), message: `profiling table ${t.key} has no column ${c.key}` });
  }
  return out;
}

/** What rules are evaluated with, as the engine builds it for a campaign of the project. */
export function ruleEnvOf(config: ProjectConfig, now: number): RuleEnv {
  return {
    now,
    timezone: config.timezone,
    fieldTypes: fieldTypes(config),
    tableColumns: new Map(config.tables.map((t) => [t.key, new Map<string, FieldType>(t.columns.map((c) => [c.key, c.type]))])),
  };
}

const CHUNK = 5000;

/**
 * How many active contacts of the project each rule holds for, evaluated exactly as the
 * engine's persona condition does (`evaluateRule`). One pass over the contacts for all the
 * rules; profiling-table rows are loaded only when a rule reads them.
 */
export async function countMatches(store: Store, projectId: string, config: ProjectConfig, rules: { key: string; rule: Rule }[], now: number): Promise<Map<string, number>> {
  const counts = new Map(rules.map((r) => [r.key, 0]));
  if (rules.length === 0) return counts;
  const env = ruleEnvOf(config, now);
  const active = (await store.listContacts(projectId)).filter((c) => c.status === "active");
  const withTables = rules.some((r) => ruleUsesTables(r.rule));
  const tally = (contacts: Iterable<ContactRecord>) => {
    for (const c of contacts) {
      const subject = { fields: c.fields, tables: c.tables };
      for (const r of rules) if (evaluateRule(r.rule, subject, env)) counts.set(r.key, counts.get(r.key)! + 1);
    }
  };
  if (!withTables) tally(active);
  else {
    for (let i = 0; i < active.length; i += CHUNK) {
      const loaded = await store.getContacts(active.slice(i, i + CHUNK).map((c) => c.pk), { tables: true });
      tally(loaded.values());
    }
  }
  return counts;
}
