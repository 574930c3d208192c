import type { Reference } from "../catalog/element-def.js";
import { ruleRefs, type Rule } from "../rule.js";
import { draft, type Draft } from "./draft.js";
import type { MessageArgs, UnknownReference } from "./messages.js";
import { attempt, hasValidParams, type ResolvedCampaign, type ResolvedElement, type ResolvedProject } from "./resolved-campaign.js";

const NOT_EDITABLE = new Set<string>(["administrative", "subscription", "uniqueKey"]);

function unknown(project: ResolvedProject, ref: Reference): UnknownReference | undefined {
  switch (ref.kind) {
    case "field": return project.fields.has(ref.key) ? undefined : { kind: "field", key: ref.key };
    case "table": return project.tables.has(ref.key) ? undefined : { kind: "table", key: ref.key };
    case "group": return project.groups.has(ref.key) ? undefined : { kind: "group", key: ref.key };
    case "persona": return project.personas.has(ref.key) ? undefined : { kind: "persona", key: ref.key };
    case "promoBank": return project.promoBanks.has(ref.key) ? undefined : { kind: "promoBank", key: ref.key };
    case "destination": return project.destinations.has(ref.key) ? undefined : { kind: "destination", key: ref.key };
    case "communicationType": {
      const channel = project.communicationTypes.get(ref.key);
      if (channel === undefined) return { kind: "communicationType", key: ref.key };
      if (ref.channel !== undefined && channel !== ref.channel) return { kind: "wrongChannel", key: ref.key, expected: ref.channel, actual: channel };
      return undefined;
    }
    // Messages name elements of the campaign: E_MESSAGE_REF, see send-condition-checks.
    default: return undefined;
  }
}

function checkElement(e: ResolvedElement, project: ResolvedProject): Draft[] {
  const def = e.def!;
  const params = e.params;
  const drafts: Draft[] = [];
  const report = (what: UnknownReference, path: (string | number)[]) =>
    drafts.push(draft("E_UNKNOWN_REFERENCE", what, { element: e.id, path }));

  const refs = attempt(() => def.references?.(params) ?? [], [] as Reference[]);
  for (const ref of refs) {
    const what = unknown(project, ref);
    if (what) report(what, ref.path);
  }

  const rules = attempt(() => def.rules?.(params) ?? [], [] as { rule: Rule; path: (string | number)[] }[]);
  for (const { rule, path } of rules) {
    const found = attempt(() => ruleRefs(rule, path), { fields: [], tables: [] });
    for (const f of found.fields) if (!project.fields.has(f.key)) report({ kind: "field", key: f.key }, f.path);
    for (const t of found.tables) {
      const columns = project.tables.get(t.key);
      // An unknown table is one problem: its columns are not reported on top of it.
      if (!columns) report({ kind: "table", key: t.key }, t.path);
      else for (const c of t.columns) if (!columns.has(c.key)) report({ kind: "column", key: c.key, table: t.key }, c.path);
    }
  }

  if (def.type === "action.updateContacts") {
    const set = (params as { set?: Record<string, unknown> }).set ?? {};
    for (const field of Object.keys(set)) {
      const category = project.fields.get(field);
      if (category !== undefined && NOT_EDITABLE.has(category))
        drafts.push(draft("E_FIELD_NOT_EDITABLE", { field, category: category as MessageArgs["E_FIELD_NOT_EDITABLE"]["category"] }, {
          element: e.id,
          path: ["params", "set", field],
        }));
    }
  }
  return drafts;
}

/**
 * `E_UNKNOWN_REFERENCE` and `E_FIELD_NOT_EDITABLE`: the project names an element uses.
 * Only elements whose parameters parse are read (otherwise `E_PARAMS` says it first);
 * personas' own rules belong to the project and are not checked here.
 */
export function checkReferences(campaign: ResolvedCampaign): Draft[] {
  return campaign.elements
    .filter(hasValidParams)
    .flatMap((e) => checkElement(e, campaign.project));
}
