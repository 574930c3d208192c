import { isError, validateCampaign, type Finding, type ProjectConfig } from "../model/index.js";
import type { Store } from "../store/store.js";
import { ruleProblems, type RuleProblem } from "./config-rules.js";

/** A live campaign a configuration change would break, and how. */
export interface BrokenCampaign {
  id: string;
  name: string;
  status: string;
  /** The validator's errors the change would add (in English). */
  problems: { element?: string; path?: string; message: string }[];
}

/** Everything a configuration change would break. */
export interface Breakage {
  campaigns: BrokenCampaign[];
  personas: { key: string; problems: RuleProblem[] }[];
  /** Postal fields (the columns of postal files) the change would remove. */
  postalFields: string[];
}

/** Campaigns that run: a change must keep them valid. Drafts are checked again when activated. */
const LIVE = new Set(["active", "paused"]);

const findingKey = (f: Finding) => `${f.code}\u0000${f.element ?? ""}\u0000${f.path ?? ""}\u0000${f.message}`;
const problemKey = (p: RuleProblem) => `${p.path}\u0000${p.message}`;

/**
 * What changing the project's configuration from `before` to `after` would break: each active
 * or paused campaign is validated against both, and errors that only `after` gives (an unknown
 * field, group, bank…, a field no longer editable) count against the change; errors it had
 * already do not. Personas' rules and postal fields, which the validator does not read, are
 * checked the same way. One check for every deletion and narrowing of the configuration.
 *
 * @returns undefined when nothing breaks.
 */
export async function breakages(store: Store, projectId: string, before: ProjectConfig, after: ProjectConfig): Promise<Breakage | undefined> {
  const campaigns: BrokenCampaign[] = [];
  for (const c of await store.listCampaigns(projectId)) {
    if (!LIVE.has(c.status)) continue;
    const had = new Set(validateCampaign(c.doc, before, { lang: "en" }).filter(isError).map(findingKey));
    const added = validateCampaign(c.doc, after, { lang: "en" }).filter((f) => isError(f) && !had.has(findingKey(f)));
    if (added.length > 0) {
      campaigns.push({
        id: c.id, name: c.doc.name, status: c.status,
        problems: added.map((f) => ({ ...(f.element !== undefined ? { element: f.element } : {}), ...(f.path !== undefined ? { path: f.path } : {}), message: f.message })),
      });
    }
  }
  const personas: Breakage["personas"] = [];
  for (const p of after.personas) {
    const old = before.personas.find((x) => x.key === p.key);
    const had = new Set(old ? ruleProblems(old.rule, before, ["rule"]).map(problemKey) : []);
    const added = ruleProblems(p.rule, after, ["rule"]).filter((x) => !had.has(problemKey(x)));
    if (added.length > 0) personas.push({ key: p.key, problems: added });
  }
  const fieldsAfter = new Set(after.fields.map((f) => f.key));
  const fieldsBefore = new Set(before.fields.map((f) => f.key));
  const postalFields = after.postalFields.filter((f) => !fieldsAfter.has(f) && fieldsBefore.has(f));
  if (campaigns.length === 0 && personas.length === 0 && postalFields.length === 0) return undefined;
  return { campaigns, personas, postalFields };
}

/** "campaign “Welcome” (c1, active): Unknown field: “city”.; persona fr: unknown field city" */
export function describeBreakage(b: Breakage): string {
  const parts = [
    ...b.campaigns.map((c) => `campaign “${c.name || c.id}” (${c.id}, ${c.status}): ${c.problems.map((p) => p.message).join(" ")}`),
    ...b.personas.map((p) => `persona ${p.key}: ${p.problems.map((x) => x.message).join(", ")}`),
    ...(b.postalFields.length > 0 ? [`the postal fields (${b.postalFields.join(", ")})`] : []),
  ];
  return parts.join("; ");
}
