import { DURATION_UNITS, UNARY_OPERATORS, type DurationUnit, type FieldDef, type FieldType, type Operator, type Rule } from "../../../src/model/index.js";

/** One condition line of the rule builder, as the inputs hold it (text until turned into a rule). */
export interface RuleRow {
  field: string;
  operator: Operator;
  /** The value; for `in`/`notIn` a comma-separated list; for `between` the low end; for `withinLast/Next` the amount. */
  value: string;
  /** The high end of `between`. */
  value2: string;
  /** The unit of `withinLast/Next`. */
  unit: DurationUnit;
}

/** What the rule builder edits: condition lines joined by all or any. */
export interface RuleState {
  join: "all" | "any";
  rows: RuleRow[];
}

export const emptyRow = (field = ""): RuleRow => ({ field, operator: "equals", value: "", value2: "", unit: "days" });

const text = (v: unknown) => (v === undefined || v === null ? "" : String(v));

function rowOf(r: Rule): RuleRow | null {
  if (!("field" in r) || !("operator" in r)) return null;
  const row = emptyRow(r.field);
  row.operator = r.operator;
  const v = r.value as unknown;
  if (r.operator === "in" || r.operator === "notIn") row.value = Array.isArray(v) ? v.map(text).join(", ") : text(v);
  else if (r.operator === "between") {
    row.value = Array.isArray(v) ? text(v[0]) : "";
    row.value2 = Array.isArray(v) ? text(v[1]) : "";
  } else if (r.operator === "withinLast" || r.operator === "withinNext") {
    const d = v as { amount?: number; unit?: DurationUnit } | undefined;
    row.value = text(d?.amount);
    row.unit = d?.unit && DURATION_UNITS.includes(d.unit) ? d.unit : "days";
  } else row.value = text(v);
  return row;
}

/**
 * The builder's state for a rule, or null when the rule is more than a flat list of field
 * conditions (tables, nesting, negation): those are edited as JSON.
 */
export function ruleToState(rule: Rule | undefined | null): RuleState | null {
  if (!rule) return { join: "all", rows: [] };
  const list = "all" in rule ? rule.all : "any" in rule ? rule.any : [rule];
  const rows = list.map(rowOf);
  if (rows.some((r) => r === null)) return null;
  return { join: "any" in rule ? "any" : "all", rows: rows as RuleRow[] };
}

function scalar(s: string, type: FieldType | undefined): string | number | boolean {
  const t = s.trim();
  if (type === "number" && t !== "" && Number.isFinite(Number(t.replace(",", ".")))) return Number(t.replace(",", "."));
  if (type === "boolean" && (t === "true" || t === "false")) return t === "true";
  return t;
}

/** A row as a rule of the model (values typed after the field: numbers for number fields…). */
export function rowToRule(row: RuleRow, types: ReadonlyMap<string, FieldType>): Rule {
  const type = types.get(row.field);
  const base = { field: row.field, operator: row.operator };
  if (UNARY_OPERATORS.has(row.operator)) return base;
  switch (row.operator) {
    case "in":
    case "notIn":
      return { ...base, value: row.value.split(",").map((x) => x.trim()).filter(Boolean).map((x) => scalar(x, type)) };
    case "between":
      return { ...base, value: [scalar(row.value, type), scalar(row.value2, type)] };
    case "withinLast":
    case "withinNext":
      return { ...base, value: { amount: Math.max(0, Math.trunc(Number(row.value) || 0)), unit: row.unit } };
    default:
      return { ...base, value: scalar(row.value, type) };
  }
}

/** The rule the builder's state says: undefined with no line, the line itself with one, else all/any. */
export function stateToRule(state: RuleState, types: ReadonlyMap<string, FieldType>): Rule | undefined {
  const rules = state.rows.filter((r) => r.field).map((r) => rowToRule(r, types));
  if (rules.length === 0) return undefined;
  if (rules.length === 1) return rules[0];
  return state.join === "any" ? { any: rules } : { all: rules };
}

/** The operators that make sense for a field type (all of them for an unknown field). */
export function operatorsFor(type: FieldType | undefined): Operator[] {
  const common: Operator[] = ["equals", "notEquals", "in", "notIn", "isEmpty", "isNotEmpty"];
  switch (type) {
    case "boolean": return ["isTrue", "isFalse", "isEmpty", "isNotEmpty"];
    case "number": return [...common, "greaterThan", "greaterOrEqual", "lessThan", "lessOrEqual", "between"];
    case "date":
    case "datetime": return [...common, "greaterThan", "greaterOrEqual", "lessThan", "lessOrEqual", "between", "withinLast", "withinNext", "anniversaryToday"];
    case undefined: return [...common, "contains", "notContains", "startsWith", "endsWith", "greaterThan", "greaterOrEqual", "lessThan", "lessOrEqual", "between", "isTrue", "isFalse", "withinLast", "withinNext", "anniversaryToday"];
    default: return [...common, "contains", "notContains", "startsWith", "endsWith"];
  }
}

/**
 * The rule of the contact list's search box: the text is contained in the unique key, an email
 * field or a name field (first, last, full name). Blank text: no rule.
 */
export function freeTextRule(q: string, fields: Pick<FieldDef, "key" | "type" | "category">[]): Rule | undefined {
  const t = q.trim();
  if (!t) return undefined;
  const keys = fields.filter((f) => f.category === "uniqueKey" || f.type === "email" || /name|nom/i.test(f.key)).map((f) => f.key);
  const unique = [...new Set(keys)];
  if (unique.length === 0) return undefined;
  const rules: Rule[] = unique.map((field) => ({ field, operator: "contains", value: t }));
  return rules.length === 1 ? rules[0] : { any: rules };
}

/** Both searches at once: the free text and the advanced rule must hold. */
export function combineRules(...rules: (Rule | undefined)[]): Rule | undefined {
  const present = rules.filter((r): r is Rule => r !== undefined);
  return present.length === 0 ? undefined : present.length === 1 ? present[0] : { all: present };
}
