import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { evaluateRule, OPERATORS, type FieldType, type Operator, type Rule, type RuleEnv, type RuleSubject } from "../../src/model/index.js";

const ZONE = "America/Toronto";
const local = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toMillis();

/** 2026-06-15 14:00 in Toronto (EDT, UTC-4). */
const NOW = local("2026-06-15T14:00");

const TYPES: Record<string, FieldType> = {
  name: "text", age: "number", vip: "boolean", birthday: "date", lastSeen: "datetime", email: "email", phone: "phone",
};

function env(now = NOW): RuleEnv {
  return {
    now,
    timezone: ZONE,
    fieldTypes: new Map(Object.entries(TYPES)),
    tableColumns: new Map([["orders", new Map<string, FieldType>([["sku", "text"], ["total", "number"], ["at", "datetime"]])]]),
  };
}

/** Does `field operator value` hold for a contact whose field holds `raw`? */
function holds(field: string, operator: Operator, value: unknown, raw: unknown, now = NOW): boolean {
  const rule = { field, operator, ...(value === undefined ? {} : { value }) } as Rule;
  return evaluateRule(rule, { fields: raw === undefined ? {} : { [field]: raw } }, env(now));
}

type Case = [operator: Operator, value: unknown, raw: unknown, expected: boolean];

function table(field: string, cases: Case[]) {
  it.each(cases)(`${field} %s %j on %j is %s`, (operator, value, raw, expected) => {
    expect(holds(field, operator, value, raw)).toBe(expected);
  });
}

describe("text fields", () => {
  table("name", [
    ["equals", "Montréal", "  montréal ", true],
    ["equals", " MONTRÉAL", "Montréal", true],
    ["equals", "Montreal", "Montréal", false],
    ["notEquals", "Laval", "Montréal", true],
    ["notEquals", "montréal ", "Montréal", false],
    ["contains", "TRÉ", "Montréal", true],
    ["contains", "xyz", "Montréal", false],
    ["notContains", "xyz", "Montréal", true],
    ["notContains", "mont", "Montréal", false],
    ["startsWith", " MON", "Montréal", true],
    ["startsWith", "réal", "Montréal", false],
    ["endsWith", "RÉAL ", "Montréal", true],
    ["endsWith", "Mont", "Montréal", false],
    ["in", ["Laval", " montréal"], "Montréal", true],
    ["in", ["Laval", "Québec"], "Montréal", false],
    ["notIn", ["Laval", "Québec"], "Montréal", true],
    ["notIn", ["LAVAL"], "laval", false],
    ["greaterThan", "a", "B", true],
    ["greaterOrEqual", "b", "B", true],
    ["lessThan", "c", "B", true],
    ["lessOrEqual", "a", "B", false],
    ["between", ["a", "C"], "b", true],
    ["between", ["a", "b"], "B ", true],
    ["between", ["c", "d"], "b", false],
    ["isEmpty", undefined, "  ", true],
    ["isEmpty", undefined, "x", false],
    ["isNotEmpty", undefined, "x", true],
    ["isNotEmpty", undefined, " ", false],
    ["isTrue", undefined, "x", false],
    ["isFalse", undefined, "x", false],
  ]);
});

describe("number fields", () => {
  table("age", [
    ["equals", 30, 30, true],
    ["equals", "30", 30, true],
    ["equals", 30, " 30 ", true],
    ["equals", 31, 30, false],
    ["notEquals", 31, 30, true],
    ["notEquals", 30, 30, false],
    ["greaterThan", 29, 30, true],
    ["greaterThan", 30, 30, false],
    ["greaterOrEqual", 30, 30, true],
    ["greaterOrEqual", 31, 30, false],
    ["lessThan", 31, 30, true],
    ["lessThan", 30, 30, false],
    ["lessOrEqual", 30, 30, true],
    ["lessOrEqual", 29, 30, false],
    ["greaterThan", 9, 10, true],
    ["between", [18, 30], 18, true],
    ["between", [18, 30], 30, true],
    ["between", [18, 30], 30.5, false],
    ["between", [18, 30], 17, false],
    ["in", [1, "30"], 30, true],
    ["in", [1, 2], 30, false],
    ["notIn", [1, 2], 30, true],
    ["notIn", [30], 30, false],
    ["isEmpty", undefined, 0, false],
    ["isNotEmpty", undefined, 0, true],
    ["isTrue", undefined, 1, false],
    ["withinLast", { amount: 1, unit: "days" }, NOW, false],
    ["anniversaryToday", undefined, NOW, false],
  ]);

  it("reads an unreadable number as satisfying only the negative operators", () => {
    expect(holds("age", "equals", 0, "abc")).toBe(false);
    expect(holds("age", "greaterThan", -1, "abc")).toBe(false);
    expect(holds("age", "notEquals", 0, "abc")).toBe(true);
    expect(holds("age", "notIn", [0], "abc")).toBe(true);
  });
});

describe("boolean fields", () => {
  table("vip", [
    ["isTrue", undefined, true, true],
    ["isTrue", undefined, "true", true],
    ["isTrue", undefined, " Oui ", true],
    ["isTrue", undefined, 1, true],
    ["isTrue", undefined, false, false],
    ["isFalse", undefined, false, true],
    ["isFalse", undefined, "non", true],
    ["isFalse", undefined, 0, true],
    ["isFalse", undefined, true, false],
    ["isTrue", undefined, "maybe", false],
    ["isFalse", undefined, "maybe", false],
    ["equals", true, "yes", true],
    ["equals", "false", false, true],
    ["equals", true, false, false],
    ["notEquals", true, false, true],
    ["notEquals", false, false, false],
    ["in", [true], "vrai", true],
    ["notIn", [true], false, true],
    ["greaterThan", false, true, false],
    ["between", [false, true], true, false],
  ]);
});

describe("date fields", () => {
  table("birthday", [
    ["equals", "1990-06-15", "1990-06-15", true],
    ["equals", "1990-06-16", "1990-06-15", false],
    ["notEquals", "1990-06-16", "1990-06-15", true],
    ["greaterThan", "1990-06-14", "1990-06-15", true],
    ["greaterThan", "1990-06-15", "1990-06-15", false],
    ["greaterOrEqual", "1990-06-15", "1990-06-15", true],
    ["lessThan", "1990-06-16", "1990-06-15", true],
    ["lessOrEqual", "1990-06-14", "1990-06-15", false],
    ["between", ["1990-06-01", "1990-06-15"], "1990-06-15", true],
    ["between", ["1990-06-15", "1990-06-30"], "1990-06-15", true],
    ["between", ["1990-06-16", "1990-06-30"], "1990-06-15", false],
    ["in", ["1990-06-15"], "1990-06-15", true],
    ["notIn", ["1990-06-15"], "1990-06-14", true],
    ["withinLast", { amount: 7, unit: "days" }, "2026-06-10", true],
    ["withinLast", { amount: 7, unit: "days" }, "2026-06-01", false],
    ["withinLast", { amount: 7, unit: "days" }, "2026-06-20", false],
    ["withinNext", { amount: 1, unit: "weeks" }, "2026-06-20", true],
    ["withinNext", { amount: 1, unit: "weeks" }, "2026-06-30", false],
    ["withinNext", { amount: 1, unit: "weeks" }, "2026-06-10", false],
    ["anniversaryToday", undefined, "1990-06-15", true],
    ["anniversaryToday", undefined, "1990-06-14", false],
    ["anniversaryToday", undefined, "1990-07-15", false],
    ["isEmpty", undefined, "1990-06-15", false],
    ["isTrue", undefined, "1990-06-15", false],
  ]);

  it("reads a date that is not a date as satisfying only the negative operators", () => {
    expect(holds("birthday", "equals", "1990-06-15", "someday")).toBe(false);
    expect(holds("birthday", "anniversaryToday", undefined, "someday")).toBe(false);
    expect(holds("birthday", "notEquals", "1990-06-15", "someday")).toBe(true);
  });
});

describe("date-time fields", () => {
  table("lastSeen", [
    ["equals", "2026-06-15T14:00:00Z", "2026-06-15T10:00", true],
    ["equals", "2026-06-15T10:00:00-04:00", "2026-06-15T14:00:00.000Z", true],
    ["equals", "2026-06-15T10:01", "2026-06-15T10:00", false],
    ["notEquals", "2026-06-15T10:01", "2026-06-15T10:00", true],
    ["greaterThan", "2026-06-15T09:59", "2026-06-15T10:00", true],
    ["greaterOrEqual", "2026-06-15T10:00", "2026-06-15T10:00", true],
    ["lessThan", "2026-06-15T10:00", "2026-06-15T10:00", false],
    ["lessOrEqual", "2026-06-15T10:00", "2026-06-15T10:00", true],
    ["between", ["2026-06-15T10:00", "2026-06-15T11:00"], "2026-06-15T10:00", true],
    ["between", ["2026-06-15T09:00", "2026-06-15T10:00"], "2026-06-15T10:00", true],
    ["between", ["2026-06-15T10:01", "2026-06-15T11:00"], "2026-06-15T10:00", false],
    ["withinLast", { amount: 5, unit: "hours" }, "2026-06-15T10:00", true],
    ["withinLast", { amount: 3, unit: "hours" }, "2026-06-15T10:00", false],
    ["withinLast", { amount: 240, unit: "minutes" }, "2026-06-15T10:00", true],
    ["withinLast", { amount: 5, unit: "hours" }, "2026-06-15T15:00", false],
    ["withinNext", { amount: 30, unit: "minutes" }, "2026-06-15T14:30", true],
    ["withinNext", { amount: 29, unit: "minutes" }, "2026-06-15T14:30", false],
    ["withinNext", { amount: 2, unit: "days" }, "2026-06-15T13:00", false],
    ["withinLast", { amount: 1, unit: "days" }, NOW - 3_600_000, true],
    ["anniversaryToday", undefined, "2001-06-15T23:30", true],
    ["anniversaryToday", undefined, "2001-06-16T00:30", false],
  ]);

  it("counts days back in local calendar days across a DST change", () => {
    // 2027-03-14 is spring-forward in Toronto: one calendar day before 12:00 EDT is 12:00 EST, 23 hours earlier.
    const now = local("2027-03-14T12:00");
    const oneDay = { amount: 1, unit: "days" };
    expect(holds("lastSeen", "withinLast", oneDay, "2027-03-13T12:30", now)).toBe(true);
    expect(holds("lastSeen", "withinLast", oneDay, "2027-03-13T11:30", now)).toBe(false);
    expect(holds("lastSeen", "withinLast", { amount: 24, unit: "hours" }, "2027-03-13T11:30", now)).toBe(true);
    expect(holds("lastSeen", "withinNext", { amount: 1, unit: "days" }, "2027-03-14T11:30", local("2027-03-13T12:00"))).toBe(true);
  });
});

describe("email fields", () => {
  table("email", [
    ["equals", "ann@example.com", "  Ann@Example.COM ", true],
    ["equals", "ann@example.org", "ann@example.com", false],
    ["notEquals", "bob@example.com", "ann@example.com", true],
    ["endsWith", "@EXAMPLE.com", "ann@example.com", true],
    ["startsWith", "ANN@", "ann@example.com", true],
    ["contains", "example", "ann@example.com", true],
    ["notContains", "gmail", "ann@example.com", true],
    ["in", ["bob@x.io", "ANN@example.com"], "ann@example.com", true],
    ["notIn", ["ann@example.com"], "Ann@Example.com", false],
    ["isNotEmpty", undefined, "ann@example.com", true],
  ]);
});

describe("phone fields", () => {
  table("phone", [
    ["equals", "+15145550101", "+1 (514) 555-0101", true],
    ["equals", "+1 514 555 0101", "514-555-0101", true],
    ["equals", "1-514-555-0101", "(514) 555-0101", true],
    ["equals", "+15145550102", "514-555-0101", false],
    ["notEquals", "+15145550101", "514.555.0101", false],
    ["in", ["+33 1 23 45 67 89", "+1 514-555-0101"], "5145550101", true],
    ["notIn", ["+15145550101"], "514 555 0102", true],
    ["startsWith", "+1 514", "(514) 555-0101", true],
    ["startsWith", "+1 438", "(514) 555-0101", false],
    ["contains", "555-01", "(514) 555-0101", true],
    ["endsWith", "0101", "+1 514 555 0101", true],
    ["notContains", "999", "+1 514 555 0101", true],
  ]);

  it("reads a phone with no digit as satisfying only the negative operators", () => {
    expect(holds("phone", "equals", "+15145550101", "n/a")).toBe(false);
    expect(holds("phone", "notEquals", "+15145550101", "n/a")).toBe(true);
  });
});

describe("empty values", () => {
  const VALUE: Record<Operator, unknown> = {
    equals: "x", notEquals: "x", contains: "x", notContains: "x", startsWith: "x", endsWith: "x", in: ["x"], notIn: ["x"],
    greaterThan: 1, greaterOrEqual: 1, lessThan: 1, lessOrEqual: 1, between: [0, 1], isEmpty: undefined, isNotEmpty: undefined,
    isTrue: undefined, isFalse: undefined, withinLast: { amount: 1, unit: "days" }, withinNext: { amount: 1, unit: "days" },
    anniversaryToday: undefined,
  };
  const SATISFIED = new Set<Operator>(["isEmpty", "notEquals", "notIn", "notContains"]);
  const empties: [string, unknown][] = [["missing", undefined], ["null", null], ["empty text", ""], ["blank text", "   "], ["empty list", []]];

  for (const field of Object.keys(TYPES)) {
    for (const [label, raw] of empties) {
      it(`a ${label} ${TYPES[field]} value satisfies only isEmpty, notEquals, notIn and notContains`, () => {
        const satisfied = OPERATORS.filter((op) => holds(field, op, VALUE[op], raw));
        expect(new Set(satisfied)).toEqual(SATISFIED);
      });
    }
  }

  it("treats a field absent from the declared types by what its value looks like", () => {
    expect(holds("mystery", "greaterThan", 2, 10)).toBe(true);
    expect(holds("mystery", "isTrue", undefined, true)).toBe(true);
    expect(holds("mystery", "equals", "abc", " ABC ")).toBe(true);
    expect(holds("mystery", "isEmpty", undefined, undefined)).toBe(true);
  });
});

describe("anniversaries", () => {
  it("compares month and day in the campaign's timezone, not in UTC", () => {
    // 22:00 in Toronto on 15 June is already 16 June in UTC.
    const lateEvening = local("2026-06-15T22:00");
    expect(DateTime.fromMillis(lateEvening, { zone: "UTC" }).day).toBe(16);
    expect(holds("birthday", "anniversaryToday", undefined, "1990-06-15", lateEvening)).toBe(true);
    expect(holds("birthday", "anniversaryToday", undefined, "1990-06-16", lateEvening)).toBe(false);
  });

  it("reads a date-time's day in the campaign's timezone", () => {
    // 01:00 UTC on 16 June is 21:00 on 15 June in Toronto.
    expect(holds("lastSeen", "anniversaryToday", undefined, "1999-06-16T01:00:00Z", local("2026-06-15T09:00"))).toBe(true);
  });

  it("celebrates a 29 February on 28 February in a year that is not a leap year", () => {
    expect(holds("birthday", "anniversaryToday", undefined, "2000-02-29", local("2027-02-28T12:00"))).toBe(true);
    expect(holds("birthday", "anniversaryToday", undefined, "2000-02-29", local("2027-03-01T12:00"))).toBe(false);
  });

  it("celebrates a 29 February only on 29 February in a leap year", () => {
    expect(holds("birthday", "anniversaryToday", undefined, "2000-02-29", local("2028-02-28T12:00"))).toBe(false);
    expect(holds("birthday", "anniversaryToday", undefined, "2000-02-29", local("2028-02-29T12:00"))).toBe(true);
  });

  it("does not celebrate a 28 February twice in a leap year", () => {
    expect(holds("birthday", "anniversaryToday", undefined, "2001-02-28", local("2028-02-28T12:00"))).toBe(true);
    expect(holds("birthday", "anniversaryToday", undefined, "2001-02-28", local("2028-02-29T12:00"))).toBe(false);
  });
});

describe("profiling-table rules", () => {
  const ORDERS = [
    { sku: "A-1", total: "120", at: "2026-06-14T10:00" },
    { sku: "B-2", total: 40, at: "2026-01-02T10:00" },
    { sku: "a-3", total: 15, at: "2026-06-15T09:00" },
  ];
  const check = (rule: Rule, rows: unknown = ORDERS) => evaluateRule(rule, { fields: {}, tables: { orders: rows as Record<string, unknown>[] } }, env());
  const big = { field: "total", operator: "greaterThan", value: 100 } as Rule;
  const small = { field: "total", operator: "lessThan", value: 1000 } as Rule;
  const none = { field: "total", operator: "greaterThan", value: 1000 } as Rule;

  it("any: holds when at least one row matches, reading columns by their declared types", () => {
    expect(check({ table: "orders", quantifier: "any", where: big })).toBe(true);
    expect(check({ table: "orders", quantifier: "any", where: none })).toBe(false);
    expect(check({ table: "orders", quantifier: "any", where: { field: "sku", operator: "startsWith", value: "A" } })).toBe(true);
    expect(check({ table: "orders", quantifier: "any" })).toBe(true);
    expect(check({ table: "orders", quantifier: "any" }, [])).toBe(false);
  });

  it("none: holds when no row matches", () => {
    expect(check({ table: "orders", quantifier: "none", where: none })).toBe(true);
    expect(check({ table: "orders", quantifier: "none", where: big })).toBe(false);
    expect(check({ table: "orders", quantifier: "none" }, [])).toBe(true);
  });

  it("all: holds when every row matches, and over zero rows", () => {
    expect(check({ table: "orders", quantifier: "all", where: small })).toBe(true);
    expect(check({ table: "orders", quantifier: "all", where: big })).toBe(false);
    expect(check({ table: "orders", quantifier: "all", where: big }, [])).toBe(true);
    expect(evaluateRule({ table: "orders", quantifier: "all", where: big }, { fields: {} }, env())).toBe(true);
  });

  it("count: compares the number of matching rows", () => {
    const count = (operator: Operator, value: number, where?: Rule) => check({ table: "orders", quantifier: "count", where, count: { operator, value } });
    expect(count("equals", 3)).toBe(true);
    expect(count("equals", 1, big)).toBe(true);
    expect(count("greaterOrEqual", 2, { field: "sku", operator: "startsWith", value: "a" })).toBe(true);
    expect(count("greaterThan", 2, { field: "sku", operator: "startsWith", value: "a" })).toBe(false);
    expect(count("lessThan", 1, none)).toBe(true);
    expect(count("equals", 0, none)).toBe(true);
    expect(count("equals", 2, { field: "at", operator: "withinLast", value: { amount: 7, unit: "days" } })).toBe(true);
  });

  it("count without a comparison never holds", () => {
    expect(check({ table: "orders", quantifier: "count" })).toBe(false);
  });

  it("reads a table that is not a list as having no rows", () => {
    expect(check({ table: "orders", quantifier: "any" }, "oops")).toBe(false);
    expect(check({ table: "orders", quantifier: "all", where: big }, { a: 1 })).toBe(true);
    expect(check({ table: "orders", quantifier: "count", where: big, count: { operator: "equals", value: 0 } }, [null, 3])).toBe(true);
  });
});

describe("combined rules", () => {
  const subject: RuleSubject = { fields: { name: "Ann", age: 30, vip: true } };
  const yes = { field: "age", operator: "equals", value: 30 } as Rule;
  const no = { field: "age", operator: "equals", value: 31 } as Rule;
  const check = (rule: Rule) => evaluateRule(rule, subject, env());

  it("all holds when every part holds, and when it has no part", () => {
    expect(check({ all: [yes, yes] })).toBe(true);
    expect(check({ all: [yes, no] })).toBe(false);
    expect(check({ all: [] })).toBe(true);
  });

  it("any holds when some part holds, never when it has no part", () => {
    expect(check({ any: [no, yes] })).toBe(true);
    expect(check({ any: [no, no] })).toBe(false);
    expect(check({ any: [] })).toBe(false);
  });

  it("not inverts", () => {
    expect(check({ not: yes })).toBe(false);
    expect(check({ not: { not: yes } })).toBe(true);
  });

  it("nests all, any and not to any depth", () => {
    const rule: Rule = {
      all: [
        { any: [no, { field: "name", operator: "equals", value: "ann" }] },
        { not: { any: [no, { field: "vip", operator: "isFalse" }] } },
        { not: { all: [yes, no] } },
      ],
    };
    expect(check(rule)).toBe(true);
    expect(check({ not: rule })).toBe(false);
  });
});

describe("robustness", () => {
  const FIELDS = [...Object.keys(TYPES), "mystery"];
  const scalar = fc.oneof(
    fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
    fc.constantFrom("2026-06-15", "2026-06-15T10:00", "2000-02-29", "+1 514 555 0101", "oui", " ", "", "NaN", "1e400", "2026-13-45"),
    fc.integer({ min: -8.64e15, max: 8.64e15 }),
  );
  const value = fc.oneof(
    scalar,
    fc.array(scalar, { maxLength: 3 }),
    fc.record({ amount: fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double(), fc.string()), unit: fc.constantFrom("minutes", "hours", "days", "weeks", "years") }, { noNullPrototype: true }),
    fc.jsonValue(),
  );
  const fieldRule = fc.record(
    { field: fc.constantFrom(...FIELDS, "total", "sku", "at"), operator: fc.constantFrom(...OPERATORS), value },
    { requiredKeys: ["field", "operator"], noNullPrototype: true },
  );
  const { rule } = fc.letrec<{ rule: Rule; tableRule: Rule }>((tie) => ({
    rule: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fieldRule as fc.Arbitrary<Rule>,
      tie("tableRule"),
      fc.record({ all: fc.array(tie("rule"), { maxLength: 3 }) }, { noNullPrototype: true }),
      fc.record({ any: fc.array(tie("rule"), { maxLength: 3 }) }, { noNullPrototype: true }),
      fc.record({ not: tie("rule") }, { noNullPrototype: true }),
    ),
    tableRule: fc.record(
      {
        table: fc.constantFrom("orders", "unknown"),
        quantifier: fc.constantFrom("any", "none", "all", "count"),
        where: tie("rule"),
        count: fc.record({ operator: fc.constantFrom(...OPERATORS), value: fc.integer({ min: -2, max: 5 }) }),
      },
      { requiredKeys: ["table", "quantifier"], noNullPrototype: true },
    ) as fc.Arbitrary<Rule>,
  }));
  const row = fc.dictionary(fc.constantFrom("total", "sku", "at", "other"), value, { maxKeys: 4, noNullPrototype: true });
  const subject = fc.record({
    fields: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 8, noNullPrototype: true }),
    tables: fc.dictionary(fc.constantFrom("orders", "unknown"), fc.oneof(fc.array(row, { maxLength: 4 }), value), { maxKeys: 2, noNullPrototype: true }),
  }, { noNullPrototype: true }) as fc.Arbitrary<RuleSubject>;
  const now = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) });

  it("reads a window without a usable duration as not holding, instead of throwing", () => {
    expect(holds("birthday", "withinLast", undefined, "2026-06-10")).toBe(false);
    expect(holds("lastSeen", "withinNext", null, "2026-06-15T15:00")).toBe(false);
    expect(holds("lastSeen", "withinNext", { amount: 1, unit: "years" }, "2026-06-15T15:00")).toBe(false);
  });

  // Rules and contact data arrive as JSON, so objects have ordinary prototypes.
  it("evaluateRule never throws, whatever the rule's values and the contact's data", () => {
    fc.assert(
      fc.property(rule, subject, now, (r, s, t) => {
        expect(typeof evaluateRule(r, s, env(t))).toBe("boolean");
      }),
      { numRuns: 3000 },
    );
  });
});
