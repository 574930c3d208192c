import type { ProjectConfig } from "../model/index.js";
import type { ContactRecord } from "../store/store.js";
import { invalid, type ContactProblem } from "./contact-refused.js";
import type { ContactDeps, Contacts } from "./contacts.js";
import { coerceField } from "./field-values.js";

type Row = Record<string, unknown>;
type TableDef = ProjectConfig["tables"][number];

/**
 * A contact's rows of the project's profiling tables (purchases, visits, …). Rows are checked
 * against the table's columns with the API's strict JSON rules. Writes go through
 * `engine.contactEvent` (`table.inserted` / `table.updated`), which fires `trigger.profilingTable`.
 *
 * The store identifies the row an update changes by ONE column: the first row of the contact
 * in that table whose value in the row's first column equals the new row's, merged with the new
 * values; with no such row the update inserts it (and still fires as an update). Here that
 * column is `match`'s one column, or by default the table's first declared column, which the row
 * must then hold; it is put first in the row handed to the store.
 */
export class ContactTables {
  constructor(private readonly deps: ContactDeps, private readonly contacts: Pick<Contacts, "config" | "find">) {}

  async rows(projectId: string, rawId: string, table: string): Promise<Row[]> {
    const config = await this.contacts.config(projectId);
    const contact = await this.contacts.find(projectId, config, rawId);
    const def = tableOf(config, table);
    return this.read(contact.pk, def.key);
  }

  async insert(projectId: string, rawId: string, table: string, input: Row): Promise<Row[]> {
    const config = await this.contacts.config(projectId);
    const contact = await this.contacts.find(projectId, config, rawId);
    const def = tableOf(config, table);
    const row = checkRow(def, input, "body.row");
    await this.write(projectId, contact, def.key, "table.inserted", row);
    return this.read(contact.pk, def.key);
  }

  async update(projectId: string, rawId: string, table: string, input: Row, match: Row | undefined): Promise<Row[]> {
    const config = await this.contacts.config(projectId);
    const contact = await this.contacts.find(projectId, config, rawId);
    const def = tableOf(config, table);
    const row = checkRow(def, input, "body.row");
    let column: string;
    let value: unknown;
    if (match !== undefined) {
      const keys = Object.keys(match);
      if (keys.length !== 1) throw invalid([{ path: "body.match", message: `expected exactly one column and its value, got ${keys.length}` }]);
      const m = checkRow(def, match, "body.match");
      column = keys[0]!;
      value = m[column];
      if (column in row && JSON.stringify(row[column]) !== JSON.stringify(value)) {
        throw invalid([{ path: `body.row.${column}`, message: `${column} identifies the row to update (match): it cannot change in the same request` }]);
      }
    } else {
      const first = def.columns[0];
      if (!first || !(first.key in row)) {
        throw invalid([{ path: "body.row", message: `the row must hold ${first?.key ?? "a column"} (the table's first column, which identifies the row to update), or give match` }]);
      }
      column = first.key;
      value = row[column];
    }
    const { [column]: _match, ...rest } = row;
    await this.write(projectId, contact, def.key, "table.updated", { [column]: value, ...rest });
    return this.read(contact.pk, def.key);
  }

  private async read(pk: number, table: string): Promise<Row[]> {
    const contact = (await this.deps.store.getContacts([pk], { tables: true })).get(pk);
    return contact?.tables?.[table] ?? [];
  }

  private async write(projectId: string, contact: ContactRecord, table: string, type: "table.inserted" | "table.updated", row: Row): Promise<void> {
    const { store, engine, clock } = this.deps;
    await store.transaction(() => engine.contactEvent(projectId, { type, contact: contact.id, table, row }, clock.now()));
    this.deps.wake?.();
  }
}

function tableOf(config: ProjectConfig, table: string): TableDef {
  const def = config.tables.find((t) => t.key === table);
  if (def) return def;
  const known = config.tables.map((t) => t.key);
  throw invalid([{ path: "params.table", message: `unknown profiling table ${table}${known.length ? ` (known: ${known.join(", ")})` : ": the project has none"}` }]);
}

/** A row's values checked and normalized column by column; unknown columns and bad values are problems. */
function checkRow(def: TableDef, input: Row, base: string): Row {
  const { row, problems } = tableRowProblems(def, input, base);
  if (problems.length) throw invalid(problems);
  return row;
}

/** `checkRow` without throwing: the normalized row and what is wrong with it (the site tracker's ingest). */
export function tableRowProblems(def: TableDef, input: Row, base: string): { row: Row; problems: ContactProblem[] } {
  const problems: ContactProblem[] = [];
  const out: Row = {};
  if (Object.keys(input).length === 0) problems.push({ path: base, message: "the row is empty" });
  for (const [key, raw] of Object.entries(input)) {
    const col = def.columns.find((c) => c.key === key);
    if (!col) {
      problems.push({ path: `${base}.${key}`, message: `unknown column ${key} of table ${def.key} (columns: ${def.columns.map((c) => c.key).join(", ") || "none"})` });
      continue;
    }
    const r = coerceField({ key, type: col.type, category: "general" }, raw, "json");
    if (r.ok) out[key] = r.value;
    else problems.push({ path: `${base}.${key}`, message: r.message });
  }
  return { row: out, problems };
}
