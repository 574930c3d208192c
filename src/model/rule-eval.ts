import { DateTime } from "luxon";
import { normalizeAddress } from "./addresses.js";
import { DURATION_UNITS, type Duration } from "./duration.js";
import type { FieldType } from "./project.js";
import { isFieldRule, isTableRule, type FieldRule, type Rule, type TableRule } from "./rule.js";

/** What a rule is evaluated against: a contact's fields and profiling-table rows. */
export interface RuleSubject {
  fields: Record<string, unknown>;
  tables?: Record<string, Record<string, unknown>[]>;
}

/** Everything besides the subject a rule needs: the time, the timezone and the types. */
export interface RuleEnv {
  /** Current instant, epoch milliseconds. */
  now: number;
  /** IANA zone for dates, `anniversaryToday` and calendar windows. */
  timezone: string;
  fieldTypes: ReadonlyMap<string, FieldType>;
  tableColumns?: ReadonlyMap<string, ReadonlyMap<string, FieldType>>;
}

/** True when `rule` holds for `subject`. Never throws on odd data: a value that cannot be read is empty. */
export function evaluateRule(rule: Rule, subject: RuleSubject, env: RuleEnv): boolean {
  if ("all" in rule) return rule.all.every((r) => evaluateRule(r, subject, env));
  if ("any" in rule) return rule.any.some((r) => evaluateRule(r, subject, env));
  if ("not" in rule) return !evaluateRule(rule.not, subject, env);
  if (isTableRule(rule)) return evaluateTable(rule, subject, env);
  if (isFieldRule(rule)) return evaluateField(rule, subject.fields[rule.field], env.fieldTypes.get(rule.field), env);
  return false;
}

/** Does the rule read profiling tables? (Callers load rows only when it does.) */
export function ruleUsesTables(rule: Rule): boolean {
  if ("all" in rule) return rule.all.some(ruleUsesTables);
  if ("any" in rule) return rule.any.some(ruleUsesTables);
  if ("not" in rule) return ruleUsesTables(rule.not);
  return isTableRule(rule);
}

function evaluateTable(rule: TableRule, subject: RuleSubject, env: RuleEnv): boolean {
  // Odd data (not a list, a row that is not an object) reads as no rows / an empty row rather than throwing.
  const raw = subject.tables?.[rule.table];
  const rows = (Array.isArray(raw) ? raw : []).map((r) => (r !== null && typeof r === "object" ? (r as Record<string, unknown>) : {}));
  const columns = env.tableColumns?.get(rule.table) ?? new Map<string, FieldType>();
  const rowEnv: RuleEnv = { ...env, fieldTypes: columns, tableColumns: undefined };
  const matches = (row: Record<string, unknown>) => (rule.where ? evaluateRule(rule.where, { fields: row }, rowEnv) : true);
  switch (rule.quantifier) {
    case "any":
      return rows.some(matches);
    case "none":
      return !rows.some(matches);
    case "all":
      return rows.every(matches);
    case "count": {
      const n = rows.filter(matches).length;
      if (!rule.count) return false;
      return evaluateField({ field: "", operator: rule.count.operator, value: rule.count.value }, n, "number", env);
    }
  }
}

export function isEmptyValue(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "string" && v.trim() === "") || (Array.isArray(v) && v.length === 0);
}

const norm = (v: unknown) => String(v).trim().toLowerCase();

function inferType(v: unknown): FieldType {
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "boolean";
  return "text";
}

function toBool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  const s = norm(v);
  if (["true", "1", "yes", "oui", "vrai"].includes(s)) return true;
  if (["false", "0", "no", "non", "faux"].includes(s)) return false;
  return undefined;
}

/** A date or date-time value as epoch ms; plain dates are local midnight in the zone. */
export function toInstant(v: unknown, zone: string): number | undefined {
  if (typeof v === "number") return v;
  if (v instanceof Date) return v.getTime();
  if (typeof v !== "string") return undefined;
  const s = v.trim();
  const dt = /^\d{4}-\d{2}-\d{2}$/.test(s)
    ? DateTime.fromISO(s, { zone })
    : DateTime.fromISO(s, { zone, setZone: false });
  return dt.isValid ? dt.toMillis() : undefined;
}

/** Comparable key of a value for its type, or undefined when it cannot be read. */
function key(v: unknown, type: FieldType, zone: string): number | string | boolean | undefined {
  switch (type) {
    case "number": {
      const n = typeof v === "number" ? v : Number(String(v).trim());
      return Number.isFinite(n) ? n : undefined;
    }
    case "boolean":
      return toBool(v);
    case "date":
    case "datetime":
      return toInstant(v, zone);
    case "phone":
      return normalizeAddress(v, "phone");
    default:
      return norm(v);
  }
}

function evaluateField(rule: FieldRule, raw: unknown, declared: FieldType | undefined, env: RuleEnv): boolean {
  const op = rule.operator;
  const empty = isEmptyValue(raw);
  if (op === "isEmpty") return empty;
  if (op === "isNotEmpty") return !empty;
  if (empty) return op === "notEquals" || op === "notIn" || op === "notContains";
  const type = declared ?? inferType(raw);
  const zone = env.timezone;
  const a = key(raw, type, zone);
  if (a === undefined) return op === "notEquals" || op === "notIn" || op === "notContains";
  const b = (v: unknown) => key(v, type, zone);
  const value = rule.value;
  // Text operators read a phone number in E.164, so "514-555-0101" starts with "+1514".
  const hay = type === "phone" ? String(a) : norm(raw);
  const needle = (v: unknown) => (type === "phone" ? String(v).replace(/[^\d+]/g, "") : norm(v));
  switch (op) {
    case "isTrue":
      return a === true;
    case "isFalse":
      return a === false;
    case "equals":
      return a === b(value);
    case "notEquals":
      return a !== b(value);
    case "in":
      return Array.isArray(value) && value.some((x) => a === b(x));
    case "notIn":
      return !(Array.isArray(value) && value.some((x) => a === b(x)));
    case "contains":
      return hay.includes(needle(value));
    case "notContains":
      return !hay.includes(needle(value));
    case "startsWith":
      return hay.startsWith(needle(value));
    case "endsWith":
      return hay.endsWith(needle(value));
    case "greaterThan":
    case "greaterOrEqual":
    case "lessThan":
    case "lessOrEqual": {
      const c = b(value);
      if (c === undefined || typeof c === "boolean" || typeof a === "boolean") return false;
      if (op === "greaterThan") return a > c;
      if (op === "greaterOrEqual") return a >= c;
      if (op === "lessThan") return a < c;
      return a <= c;
    }
    case "between": {
      if (!Array.isArray(value) || value.length !== 2) return false;
      const lo = b(value[0]);
      const hi = b(value[1]);
      if (lo === undefined || hi === undefined || typeof a === "boolean") return false;
      return a >= lo && a <= hi;
    }
    case "withinLast":
    case "withinNext": {
      if (typeof a !== "number" || (type !== "date" && type !== "datetime") || !isDuration(value)) return false;
      return op === "withinLast"
        ? a <= env.now && a >= shift(env.now, value, -1, zone)
        : a >= env.now && a <= shift(env.now, value, 1, zone);
    }
    case "anniversaryToday": {
      if (typeof a !== "number" || (type !== "date" && type !== "datetime")) return false;
      return isAnniversary(a, env.now, zone);
    }
  }
  return false;
}

function isDuration(v: unknown): v is Duration {
  if (v === null || typeof v !== "object") return false;
  const d = v as Record<string, unknown>;
  return typeof d.amount === "number" && Number.isFinite(d.amount) && (DURATION_UNITS as readonly unknown[]).includes(d.unit);
}

/** `at` moved by a duration: minutes and hours are absolute, days and weeks calendar units in `zone` (ELEMENTS.md §1). */
function shift(at: number, d: Duration, sign: 1 | -1, zone: string): number {
  if (d.unit === "minutes" || d.unit === "hours") return at + sign * d.amount * (d.unit === "minutes" ? 60_000 : 3_600_000);
  const moved = DateTime.fromMillis(at, { zone }).plus({ [d.unit]: sign * d.amount });
  return moved.isValid ? moved.toMillis() : at + sign * d.amount * (d.unit === "days" ? 86_400_000 : 604_800_000);
}

/** Same month and day as today in `zone`; a 29 February is celebrated on 28 February in other years. */
export function isAnniversary(instant: number, now: number, zone: string): boolean {
  const d = DateTime.fromMillis(instant, { zone });
  const today = DateTime.fromMillis(now, { zone });
  if (d.month === today.month && d.day === today.day) return true;
  return d.month === 2 && d.day === 29 && !today.isInLeapYear && today.month === 2 && today.day === 28;
}
