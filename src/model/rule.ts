import { z } from "zod";
import { Duration } from "./duration.js";

export const OPERATORS = [
  "equals", "notEquals", "contains", "notContains", "startsWith", "endsWith", "in", "notIn",
  "greaterThan", "greaterOrEqual", "lessThan", "lessOrEqual", "between", "isEmpty", "isNotEmpty",
  "isTrue", "isFalse", "withinLast", "withinNext", "anniversaryToday",
] as const;
export type Operator = (typeof OPERATORS)[number];

/** Operators that take no `value`. */
export const UNARY_OPERATORS: ReadonlySet<Operator> = new Set([
  "isEmpty", "isNotEmpty", "isTrue", "isFalse", "anniversaryToday",
]);

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

export const FieldRule = z
  .object({
    field: z.string().min(1),
    operator: z.enum(OPERATORS),
    value: z.unknown().optional(),
  })
  .superRefine((r, ctx) => {
    const issue = checkValue(r.operator, r.value);
    if (issue) ctx.addIssue({ code: "custom", path: ["value"], message: issue });
  });
export type FieldRule = z.infer<typeof FieldRule>;

function checkValue(op: Operator, value: unknown): string | undefined {
  if (UNARY_OPERATORS.has(op)) return undefined;
  switch (op) {
    case "in":
    case "notIn":
      return z.array(Scalar).safeParse(value).success ? undefined : "expected an array of values";
    case "between":
      return z.tuple([Scalar, Scalar]).safeParse(value).success ? undefined : "expected [low, high]";
    case "withinLast":
    case "withinNext":
      return Duration.safeParse(value).success ? undefined : "expected a duration { amount, unit }";
    default:
      return Scalar.safeParse(value).success ? undefined : "expected a value";
  }
}

const Count = z.object({ operator: z.enum(OPERATORS), value: z.number() });

export interface TableRule {
  table: string;
  quantifier: "any" | "none" | "all" | "count";
  where?: Rule;
  count?: { operator: Operator; value: number };
}
export type Rule = FieldRule | TableRule | { all: Rule[] } | { any: Rule[] } | { not: Rule };

export const TableRule: z.ZodType<TableRule> = z.lazy(() =>
  z
    .object({
      table: z.string().min(1),
      quantifier: z.enum(["any", "none", "all", "count"]),
      where: Rule.optional(),
      count: Count.optional(),
    })
    .superRefine((r, ctx) => {
      if (r.quantifier === "count" && !r.count)
        ctx.addIssue({ code: "custom", path: ["count"], message: "quantifier count needs { operator, value }" });
    }),
);

export const Rule: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(Rule) }).strict(),
    z.object({ any: z.array(Rule) }).strict(),
    z.object({ not: Rule }).strict(),
    TableRule,
    FieldRule,
  ]),
);

export function isFieldRule(r: Rule): r is FieldRule {
  return "field" in r;
}
export function isTableRule(r: Rule): r is TableRule {
  return "table" in r && "quantifier" in r;
}

/** Every field key and table (with its column keys) a rule mentions, for reference checks. */
export interface RuleRefs {
  fields: { key: string; path: (string | number)[] }[];
  tables: { key: string; path: (string | number)[]; columns: { key: string; path: (string | number)[] }[] }[];
}

export function ruleRefs(rule: Rule, base: (string | number)[] = []): RuleRefs {
  const out: RuleRefs = { fields: [], tables: [] };
  const walk = (r: Rule, path: (string | number)[], table?: RuleRefs["tables"][number]) => {
    if ("all" in r) r.all.forEach((x, i) => walk(x, [...path, "all", i], table));
    else if ("any" in r) r.any.forEach((x, i) => walk(x, [...path, "any", i], table));
    else if ("not" in r) walk(r.not, [...path, "not"], table);
    else if (isTableRule(r)) {
      const t = { key: r.table, path: [...path, "table"], columns: [] as { key: string; path: (string | number)[] }[] };
      out.tables.push(t);
      if (r.where) walk(r.where, [...path, "where"], t);
    } else if (isFieldRule(r)) {
      if (table) table.columns.push({ key: r.field, path: [...path, "field"] });
      else out.fields.push({ key: r.field, path: [...path, "field"] });
    }
  };
  walk(rule, base);
  return out;
}
