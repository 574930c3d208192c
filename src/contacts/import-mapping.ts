import type { FieldDef, ProjectConfig } from "../model/index.js";
import { coerceField } from "./field-values.js";
import { uniqueKeyField } from "./projects.js";
import { ImportRefused, type RefusalDetail } from "./import-refused.js";

/**
 * Where each CSV column goes: `{ [column]: target }`, target one of `field:<key>`,
 * `subscription:<communicationType>`, `groups` or `ignore`. Columns left out map to the field of
 * the same name (exact, else case-insensitive), or refuse the file.
 */
export type ImportMapping = Record<string, string>;

/** One column that feeds contacts, in the order its cells are staged. */
export interface ImportColumn {
  /** The column's name in the header (trimmed). */
  name: string;
  /** Position in the file's header. */
  index: number;
  kind: "field" | "subscription" | "groups";
  /** Field key or communication type (empty for groups). */
  key: string;
  /** The field's definition, for `field` columns. */
  def?: FieldDef;
}

/** A mapping checked against a file's header and a project's configuration. */
export interface ResolvedMapping {
  columns: ImportColumn[];
  /** The column holding the unique key (its position in `columns`). */
  keyColumn: number;
  /** The mapping in effect, every named column included (what the import record shows). */
  effective: ImportMapping;
}

/** A row read into a contact: id, normalized fields, and the consent and groups it gives (absent when blank). */
export interface ImportedRow {
  id: string;
  fields: Record<string, unknown>;
  subscriptions?: Record<string, boolean>;
  groups?: string[];
}

/** Why one row was rejected, by column. */
export interface RowProblem {
  column: string;
  reason: string;
}

const YES_NO: FieldDef = { key: "subscription", type: "boolean", category: "general" };

/** `--map col=target` arguments as a mapping (the column name may itself contain `=`: the last one splits). */
export function mappingFromArgs(args: readonly string[]): ImportMapping {
  const out: ImportMapping = {};
  for (const arg of args) {
    const at = arg.lastIndexOf("=");
    if (at <= 0) throw new ImportRefused("invalid_mapping", `--map ${arg}: expected column=target (target: field:<key>, subscription:<type>, groups or ignore)`);
    out[arg.slice(0, at).trim()] = arg.slice(at + 1).trim();
  }
  return out;
}

/**
 * Checks a mapping against the file's header and the project before any row is read: every
 * named column must go somewhere known, the unique key must come from exactly one column, a
 * field or a communication type from at most one. Refuses with every problem at once.
 */
export function resolveMapping(rawHeader: readonly string[], mapping: ImportMapping, config: ProjectConfig): ResolvedMapping {
  const problems: RefusalDetail[] = [];
  const header = rawHeader.map((h) => h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (h && seen.has(h)) problems.push({ path: `header.${h}`, message: `the column ${h} appears more than once` });
    seen.add(h);
  }
  for (const col of Object.keys(mapping)) {
    if (!seen.has(col)) problems.push({ path: `mapping.${col}`, message: `the file has no column ${col} (its columns: ${header.filter(Boolean).join(", ")})` });
  }
  const fieldByKey = new Map(config.fields.map((f) => [f.key, f]));
  const commTypes = new Set(config.communicationTypes.map((c) => c.key));
  const columns: ImportColumn[] = [];
  const effective: ImportMapping = {};
  const unknown: string[] = [];
  const targets = new Map<string, string>();
  header.forEach((name, index) => {
    if (!name) return; // an unnamed column (a trailing delimiter in Excel exports) holds nothing to import
    let target = mapping[name];
    if (target === undefined) {
      const def = fieldByKey.get(name) ?? onlyOne(config.fields.filter((f) => f.key.toLowerCase() === name.toLowerCase()));
      if (!def) {
        unknown.push(name);
        return;
      }
      target = `field:${def.key}`;
    }
    effective[name] = target;
    if (target === "ignore") return;
    const path = `mapping.${name}`;
    if (target === "groups") {
      columns.push({ name, index, kind: "groups", key: "" });
      return;
    }
    const m = /^(field|subscription):(.+)$/.exec(target);
    if (!m) {
      problems.push({ path, message: `unknown target ${target}: expected field:<key>, subscription:<communicationType>, groups or ignore` });
      return;
    }
    const [, kind, key] = m;
    if (kind === "field" && !fieldByKey.has(key)) problems.push({ path, message: `the project has no field ${key}` });
    else if (kind === "subscription" && !commTypes.has(key)) problems.push({ path, message: `the project has no communication type ${key}` });
    else if (targets.has(target)) problems.push({ path, message: `the columns ${targets.get(target)} and ${name} both go to ${target}` });
    else {
      targets.set(target, name);
      columns.push({ name, index, kind: kind as "field" | "subscription", key, ...(kind === "field" ? { def: fieldByKey.get(key) } : {}) });
    }
  });
  if (unknown.length) {
    for (const name of unknown) problems.push({ path: `header.${name}`, message: `unknown column ${name}: no field has this name; map it to field:<key>, subscription:<type>, groups or ignore` });
  }
  const uk = uniqueKeyField(config);
  const keyColumn = columns.findIndex((c) => c.kind === "field" && c.key === uk.key);
  if (keyColumn < 0) {
    problems.push({ path: "mapping", message: `no column gives the unique key ${uk.key}: every contact is identified by it` });
  }
  if (problems.length) {
    const lead = unknown.length
      ? `unknown column${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}: map ${unknown.length > 1 ? "them" : "it"} to a field, a subscription, groups or ignore`
      : "the columns do not fit the project";
    throw new ImportRefused("invalid_mapping", `${lead} (${problems.map((p) => `${p.path}: ${p.message}`).join("; ")})`, problems);
  }
  return { columns, keyColumn, effective };
}

function onlyOne<T>(xs: T[]): T | undefined {
  return xs.length === 1 ? xs[0] : undefined;
}

/**
 * Reads one staged row (its cells in `columns` order) into a contact. Blank cells change
 * nothing (an import never clears a value). Returns null for a row with every cell blank.
 */
export function readRow(
  m: ResolvedMapping, cells: readonly string[], groups: ReadonlySet<string>, uniqueKey: string,
): { ok: true; row: ImportedRow } | { ok: false; problems: RowProblem[] } | null {
  const fields: Record<string, unknown> = {};
  let subscriptions: Record<string, boolean> | undefined;
  let groupKeys: string[] | undefined;
  let problems: RowProblem[] | undefined;
  let blank = true;
  for (let i = 0; i < m.columns.length; i++) {
    const raw = cells[i] ?? "";
    if (raw.trim() === "") continue;
    blank = false;
    const col = m.columns[i];
    if (col.kind === "field") {
      const r = coerceField(col.def!, raw, "csv");
      if (r.ok) fields[col.key] = r.value;
      else (problems ??= []).push({ column: col.name, reason: r.message });
    } else if (col.kind === "subscription") {
      const r = coerceField(YES_NO, raw, "csv");
      if (r.ok) (subscriptions ??= {})[col.key] = r.value as boolean;
      else (problems ??= []).push({ column: col.name, reason: r.message.replace("true/false", "yes/no, true/false") });
    } else {
      for (const g of raw.split(/[,;]/)) {
        const key = g.trim();
        if (!key) continue;
        if (!groups.has(key)) (problems ??= []).push({ column: col.name, reason: `unknown group ${key}` });
        else if (!(groupKeys ??= []).includes(key)) groupKeys.push(key);
      }
    }
  }
  if (blank) return null;
  const id = fields[uniqueKey];
  if ((id === undefined || id === null || id === "") && !problems?.some((p) => p.column === m.columns[m.keyColumn].name)) {
    (problems ??= []).unshift({ column: m.columns[m.keyColumn].name, reason: `missing the unique key ${uniqueKey}` });
  }
  if (problems) return { ok: false, problems };
  return { ok: true, row: { id: String(id), fields, ...(subscriptions ? { subscriptions } : {}), ...(groupKeys ? { groups: groupKeys } : {}) } };
}
