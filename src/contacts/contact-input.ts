import type { ProjectConfig } from "../model/index.js";
import type { ContactProblem } from "./contact-refused.js";
import { checkFields, coerceField } from "./field-values.js";
import { uniqueKeyField } from "./projects.js";

/**
 * Checks of what a client sends about contacts against the project's configuration. Each check
 * returns its problems (with the path of the bad value) so a request gets them all at once.
 */

/** Ids of erased contacts (tombstones) start with this; a unique-key value may not. */
export const TOMBSTONE_PREFIX = "erased-";

export const isTombstone = (id: string): boolean => id.startsWith(TOMBSTONE_PREFIX);

/** Field values checked and normalized with the API's strict JSON rules; unknown fields are problems. */
export function checkContactFields(config: ProjectConfig, input: Record<string, unknown>, base: string): { values: Record<string, unknown>; problems: ContactProblem[] } {
  const checked = checkFields(config.fields, input, "json");
  return { values: checked.values, problems: checked.problems.map((p) => ({ path: `${base}.${p.field}`, message: p.message })) };
}

/** The contact id a set of checked values gives (the unique key's value), or the problem with it. */
export function idFromValues(config: ProjectConfig, values: Record<string, unknown>, base: string): { id?: string; problems: ContactProblem[] } {
  const key = uniqueKeyField(config).key;
  const v = values[key];
  const path = `${base}.${key}`;
  if (v === undefined || v === null || v === "") return { problems: [{ path, message: `the unique key ${key} is required` }] };
  const id = String(v);
  if (isTombstone(id)) return { problems: [{ path, message: `values starting with "${TOMBSTONE_PREFIX}" are reserved for erased contacts` }] };
  return { id, problems: [] };
}

/** A communication type a contact can consent to: it must exist and not be administrative. */
export function checkCommunicationType(config: ProjectConfig, type: string, path: string): ContactProblem | undefined {
  const t = config.communicationTypes.find((c) => c.key === type);
  if (!t) {
    const known = config.communicationTypes.filter((c) => !c.administrative).map((c) => c.key);
    return { path, message: `unknown communication type ${type}${known.length ? ` (known: ${known.join(", ")})` : ": the project has none"}` };
  }
  if (t.administrative) {
    return { path, message: `${type} is an administrative communication type: it is sent without consent, so there is no subscription to set` };
  }
  return undefined;
}

export function checkSubscriptions(config: ProjectConfig, subscriptions: Record<string, boolean>, base: string): ContactProblem[] {
  return Object.keys(subscriptions).flatMap((type) => checkCommunicationType(config, type, `${base}.${type}`) ?? []);
}

export function checkGroup(config: ProjectConfig, group: string, path: string): ContactProblem | undefined {
  if (config.groups.some((g) => g.key === group)) return undefined;
  const known = config.groups.map((g) => g.key);
  return { path, message: `unknown group ${group}${known.length ? ` (known: ${known.join(", ")})` : ": the project has none"}` };
}

export function checkGroups(config: ProjectConfig, groups: string[], base: string): ContactProblem[] {
  return groups.flatMap((g, i) => checkGroup(config, g, `${base}.${i}`) ?? []);
}

/**
 * The id a unique-key value from a URL stands for, normalized as the key's type says (an
 * email lower-cased, a phone number in E.164). Read leniently, as text: a URL holds only text.
 * Undefined when the value cannot be such a key (then no contact has it).
 */
export function idFromUrl(config: ProjectConfig, raw: string): string | undefined {
  const r = coerceField(uniqueKeyField(config), raw, "csv");
  if (!r.ok || r.value === null || r.value === "") return undefined;
  const id = String(r.value);
  return isTombstone(id) ? undefined : id;
}
