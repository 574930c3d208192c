import { sql, type RawBuilder, type SqlBool } from "kysely";
import { evaluateRule, fieldTypes, ruleRefs, ruleUsesTables, type FieldType, type ProjectConfig, type Rule, type RuleEnv } from "../model/index.js";
import { TOMBSTONE_PREFIX } from "./contact-input.js";
import { invalid, type ContactProblem } from "./contact-refused.js";
import type { ContactPage, SearchBody } from "./contact-schemas.js";
import { contactViews, type ContactData } from "./contact-view.js";
import type { ContactDeps } from "./contacts.js";

/** Contacts read per step of a rule search. */
export const SEARCH_CHUNK = 2000;

/** The first id after every tombstone id (`erased-…`): `.` follows `-` in byte order. */
const AFTER_TOMBSTONES = `${TOMBSTONE_PREFIX.slice(0, -1)}.`;

export const encodeCursor = (lastId: string): string => Buffer.from(lastId, "utf8").toString("base64url");

function decodeCursor(cursor: string, path: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (id === "" || encodeCursor(id) !== cursor) throw invalid([{ path, message: "not a cursor this API gave: pass the `next` of the previous page as it is" }]);
  return id;
}

/** Fields, tables and columns a rule names that the project does not have. */
export function ruleProblems(config: ProjectConfig, rule: Rule, base: string): ContactProblem[] {
  const refs = ruleRefs(rule, base.split("."));
  const fields = new Set(config.fields.map((f) => f.key));
  const problems: ContactProblem[] = [];
  for (const f of refs.fields) if (!fields.has(f.key)) problems.push({ path: f.path.join("."), message: `unknown field ${f.key}` });
  for (const t of refs.tables) {
    const table = config.tables.find((x) => x.key === t.key);
    if (!table) {
      problems.push({ path: t.path.join("."), message: `unknown profiling table ${t.key}` });
      continue;
    }
    for (const c of t.columns) if (!table.columns.some((x) => x.key === c.key)) problems.push({ path: c.path.join("."), message: `unknown column ${c.key} of table ${t.key}` });
  }
  return problems;
}

/** Needles the SQL prefilter handles: printable ASCII without quote or backslash (same in JSON text, same case folding everywhere). */
const PLAIN = /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/;

/** A condition every match meets: the contact's `fields` JSON text, lowercased, holds `like`. */
export type Prefilter = { like: string } | { and: Prefilter[] } | { or: Prefilter[] };

/**
 * What every contact a rule matches also meets, or undefined when nothing is known: text
 * operators (contains, equals, starts/ends with) on text and email fields mean the value is
 * somewhere in the contact's `fields` JSON text, whatever its case. `all` keeps what it knows,
 * `any` needs something for each of its rules; `not` and table rules give nothing. It only
 * narrows what is read: the rule is still evaluated on every candidate.
 */
export function rulePrefilter(rule: Rule, types: Map<string, FieldType>): Prefilter | undefined {
  if ("all" in rule) {
    const parts = rule.all.map((r) => rulePrefilter(r, types)).filter((p): p is Prefilter => p !== undefined);
    return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { and: parts };
  }
  if ("any" in rule) {
    const parts = rule.any.map((r) => rulePrefilter(r, types));
    if (parts.length === 0 || parts.some((p) => p === undefined)) return undefined;
    const unique = [...new Map(parts.map((p) => [JSON.stringify(p), p!])).values()];
    return unique.length === 1 ? unique[0] : { or: unique };
  }
  if (!("field" in rule) || !["contains", "equals", "startsWith", "endsWith"].includes(rule.operator)) return undefined;
  const type = types.get(rule.field);
  if (type !== "text" && type !== "email") return undefined;
  const needle = String(rule.value ?? "").trim().toLowerCase();
  return needle && PLAIN.test(needle) ? { like: needle } : undefined;
}

function prefilterSql(p: Prefilter): RawBuilder<SqlBool> {
  if ("like" in p) return sql<SqlBool>`LOWER(fields) LIKE ${`%${p.like.replace(/[!%_]/g, (c) => `!${c}`)}%`} ESCAPE '!'`;
  return sql<SqlBool>`(${sql.join(("and" in p ? p.and : p.or).map(prefilterSql), "and" in p ? sql` AND ` : sql` OR `)})`;
}

/**
 * One page of a project's contacts in id order (byte order, the same on both stores), erased
 * contacts left out. Without a rule it is one indexed query (and the total is counted). With a
 * rule, contacts are read by id in chunks of `SEARCH_CHUNK` and the rule is evaluated in
 * JavaScript (the engine's evaluator, so a search finds what a campaign's audience would)
 * until the page is full. Pushing rules down to SQL is future work. A rule search may return
 * a `next` whose page turns out empty: knowing there is no further match would mean reading
 * every remaining contact.
 */
export async function searchContacts(deps: ContactDeps, projectId: string, config: ProjectConfig, query: SearchBody, base: "body" | "querystring"): Promise<ContactPage> {
  const { db, store, clock } = deps;
  const problems = query.rule ? ruleProblems(config, query.rule, `${base}.rule`) : [];
  if (problems.length) throw invalid(problems);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, `${base}.cursor`);

  const filtered = () => {
    let q = db.q.selectFrom("contacts").where("project_id", "=", projectId)
      .where((eb) => eb.or([eb("id", "<", TOMBSTONE_PREFIX), eb("id", ">=", AFTER_TOMBSTONES)]));
    if (query.status) q = q.where("status", "=", query.status);
    return q;
  };
  const prefilter = query.rule ? rulePrefilter(query.rule, fieldTypes(config)) : undefined;
  const read = async (from: string | undefined, limit: number): Promise<ContactData[]> => {
    let q = filtered().select(["pk", "id", "status", "created_at", "fields", "subscriptions", "groups"]);
    if (prefilter) q = q.where(prefilterSql(prefilter));
    if (from !== undefined) q = q.where("id", ">", from);
    return (await db.all(q.orderBy("id").limit(limit))).map((r) => ({
      pk: Number(r.pk), id: r.id, status: r.status as ContactData["status"], createdAt: Number(r.created_at),
      fields: JSON.parse(r.fields), subscriptions: JSON.parse(r.subscriptions), groups: JSON.parse(r.groups),
    }));
  };

  if (!query.rule) {
    const rows = await read(after, query.limit + 1);
    const page = rows.slice(0, query.limit);
    const count = await db.first(filtered().select((eb) => eb.fn.countAll<number>().as("n")));
    return {
      contacts: await contactViews(db, config, page),
      next: rows.length > query.limit ? encodeCursor(page.at(-1)!.id) : null,
      total: Number(count?.n ?? 0),
    };
  }

  const rule = query.rule;
  const env: RuleEnv = {
    now: clock.now(),
    timezone: config.timezone,
    fieldTypes: fieldTypes(config),
    tableColumns: new Map(config.tables.map((t) => [t.key, new Map(t.columns.map((c) => [c.key, c.type]))])),
  };
  const withTables = ruleUsesTables(rule);
  const page: ContactData[] = [];
  let from = after;
  for (;;) {
    const chunk = await read(from, SEARCH_CHUNK);
    const tables = withTables ? await store.getContacts(chunk.map((c) => c.pk), { tables: true }) : undefined;
    const matches = (c: ContactData) => evaluateRule(rule, { fields: c.fields, tables: tables?.get(c.pk)?.tables ?? {} }, env);
    for (let i = 0; i < chunk.length; i++) {
      if (!matches(chunk[i]!)) continue;
      if (page.length === query.limit) {
        // A further match proves there is a next page.
        return { contacts: await contactViews(db, config, page), next: encodeCursor(page.at(-1)!.id) };
      }
      page.push(chunk[i]!);
    }
    const end = chunk.length < SEARCH_CHUNK;
    if (end || page.length === query.limit) {
      return { contacts: await contactViews(db, config, page), next: end ? null : encodeCursor(page.at(-1)!.id) };
    }
    from = chunk.at(-1)!.id;
  }
}
