import { describe, expect, it } from "vitest";
import { evaluateRule, fieldTypes, Rule, type ProjectConfig } from "../../src/model/index.js";
import { missingKey, normalizeName, suggestMapping } from "../../web/src/backoffice/column-mapping.js";
import { loadColumns, saveColumns, toggleColumn } from "../../web/src/backoffice/columns.js";
import { csvCell, parseCsvPreview, rejectionsCsv } from "../../web/src/backoffice/csv.js";
import { guideSections } from "../../web/src/backoffice/guide-model.js";
import { editedValue } from "../../web/src/backoffice/field-values.js";
import { combineRules, emptyRow, freeTextRule, operatorsFor, ruleToState, stateToRule } from "../../web/src/backoffice/rule-state.js";
import { BACKOFFICE_STRINGS } from "../../web/src/i18n-backoffice.js";
import { CATALOG, FAMILIES } from "../../src/model/index.js";

const config = {
  timezone: "America/Toronto", sendHour: 10, modules: {}, postalFields: [], personas: [], tables: [], promoBanks: [], destinations: [], groups: [],
  fields: [
    { key: "email", type: "email", category: "uniqueKey" },
    { key: "firstName", type: "text", category: "general" },
    { key: "lastName", type: "text", category: "general" },
    { key: "phone", type: "phone", category: "general" },
    { key: "age", type: "number", category: "general" },
    { key: "vip", type: "boolean", category: "general" },
    { key: "birthDate", type: "date", category: "general" },
    { key: "customerNumber", type: "text", category: "administrative" },
  ],
  communicationTypes: [{ key: "infolettre", channel: "email" }, { key: "transactionnel", channel: "email", administrative: true }],
} as ProjectConfig;
const types = fieldTypes(config);

describe("suggesting where each CSV column goes", () => {
  it("matches field names ignoring case, accents and punctuation, and French or English synonyms", () => {
    expect(suggestMapping(["Courriel", "Prénom", "NOM", "first_name", "Téléphone", "Âge", "groupes", "infolettre", "Note interne"], config)).toEqual({
      Courriel: "field:email", "Prénom": "field:firstName", NOM: "field:lastName", first_name: "ignore", "Téléphone": "field:phone",
      "Âge": "field:age", groupes: "groups", infolettre: "subscription:infolettre", "Note interne": "ignore",
    });
  });
  it("gives a field to the first column only, and says when the unique key is not mapped", () => {
    const m = suggestMapping(["email", "E-mail"], config);
    expect(m).toEqual({ email: "field:email", "E-mail": "ignore" });
    expect(missingKey(m, config)).toBeUndefined();
    expect(missingKey({ email: "ignore" }, config)).toBe("email");
    expect(normalizeName(" Date de naissance ")).toBe("datedenaissance");
    expect(suggestMapping(["Date de naissance"], config)).toEqual({ "Date de naissance": "field:birthDate" });
  });
});

describe("the CSV preview and the rejection report", () => {
  it("reads quoted cells, doubled quotes, line breaks in quotes, a BOM and the delimiter", () => {
    const p = parseCsvPreview('\uFEFFemail;firstName;note\r\nann@example.com;"Ann; Marie";"say ""hi""\nthere"\nbob@example.com;Bob;\n', 10);
    expect(p.delimiter).toBe(";");
    expect(p.header).toEqual(["email", "firstName", "note"]);
    expect(p.rows).toEqual([["ann@example.com", "Ann; Marie", 'say "hi"\nthere'], ["bob@example.com", "Bob", ""]]);
  });
  it("keeps only the first rows", () => {
    const text = ["a,b", ...Array.from({ length: 50 }, (_, i) => `${i},x`)].join("\n");
    expect(parseCsvPreview(text, 3).rows).toEqual([["0", "x"], ["1", "x"], ["2", "x"]]);
  });
  it("writes the rejections as CSV with quoting and formulas defused", () => {
    const csv = rejectionsCsv([
      { row: 2, line: 3, column: "email", reason: "not an email: \"bob@\"" },
      { row: 5, line: 6, column: "age", reason: "=1+1, not a number" },
    ]);
    expect(csv).toBe('row,line,column,reason\r\n2,3,email,"not an email: ""bob@"""\r\n5,6,age,"\'=1+1, not a number"\r\n');
    expect(csvCell(null)).toBe("");
    expect(rejectionsCsv([], ["ligne"])).toBe("ligne\r\n");
  });
});

describe("the rule builder's state", () => {
  it("turns lines into a rule of the model, typed after the field", () => {
    const state = {
      join: "any" as const,
      rows: [
        { ...emptyRow("age"), operator: "between" as const, value: "18", value2: "30,5" },
        { ...emptyRow("firstName"), operator: "in" as const, value: "Ann, Bob ,, Cy" },
        { ...emptyRow("birthDate"), operator: "withinLast" as const, value: "2", unit: "weeks" as const },
        { ...emptyRow("vip"), operator: "isTrue" as const, value: "ignored" },
      ],
    };
    const rule = stateToRule(state, types);
    expect(rule).toEqual({ any: [
      { field: "age", operator: "between", value: [18, 30.5] },
      { field: "firstName", operator: "in", value: ["Ann", "Bob", "Cy"] },
      { field: "birthDate", operator: "withinLast", value: { amount: 2, unit: "weeks" } },
      { field: "vip", operator: "isTrue" },
    ] });
    expect(Rule.safeParse(rule).success).toBe(true);
    // And back: the same lines, as the rule normalized them.
    const back = ruleToState(rule)!;
    expect(back.join).toBe("any");
    expect(back.rows.map((r) => [r.field, r.operator, r.value, r.value2, r.unit])).toEqual([
      ["age", "between", "18", "30.5", "days"], ["firstName", "in", "Ann, Bob, Cy", "", "days"], ["birthDate", "withinLast", "2", "", "weeks"], ["vip", "isTrue", "", "", "days"],
    ]);
  });
  it("gives one line as the rule itself, none as no rule, and refuses to flatten tables or negations", () => {
    expect(stateToRule({ join: "all", rows: [{ ...emptyRow("age"), operator: "greaterThan", value: "40" }] }, types)).toEqual({ field: "age", operator: "greaterThan", value: 40 });
    expect(stateToRule({ join: "all", rows: [] }, types)).toBeUndefined();
    expect(ruleToState(undefined)).toEqual({ join: "all", rows: [] });
    expect(ruleToState({ not: { field: "age", operator: "isEmpty" } })).toBeNull();
    expect(ruleToState({ all: [{ table: "orders", quantifier: "any" }] })).toBeNull();
  });
  it("offers the operators of the field's type", () => {
    expect(operatorsFor("boolean")).toEqual(["isTrue", "isFalse", "isEmpty", "isNotEmpty"]);
    expect(operatorsFor("number")).toContain("between");
    expect(operatorsFor("number")).not.toContain("contains");
    expect(operatorsFor("text")).toContain("contains");
    expect(operatorsFor("date")).toContain("anniversaryToday");
  });
  it("searches the free text in the unique key, email and name fields, and combines it with the advanced rule", () => {
    const rule = freeTextRule("  tremb ", config.fields)!;
    expect(rule).toEqual({ any: ["email", "firstName", "lastName"].map((field) => ({ field, operator: "contains", value: "tremb" })) });
    const env = { now: 0, timezone: "UTC", fieldTypes: types };
    expect(evaluateRule(rule, { fields: { email: "m@x.ca", lastName: "Tremblay" } }, env)).toBe(true);
    expect(evaluateRule(rule, { fields: { email: "m@x.ca", lastName: "Roy" } }, env)).toBe(false);
    expect(freeTextRule("  ", config.fields)).toBeUndefined();
    expect(combineRules(undefined, undefined)).toBeUndefined();
    expect(combineRules(rule, undefined)).toBe(rule);
    expect(combineRules(rule, { field: "age", operator: "isEmpty" })).toEqual({ all: [rule, { field: "age", operator: "isEmpty" }] });
  });
});

describe("profile and list helpers", () => {
  it("types an edited field value, and an emptied one clears it", () => {
    expect(editedValue({ type: "number" }, " 4,5 ")).toBe(4.5);
    expect(editedValue({ type: "boolean" }, "false")).toBe(false);
    expect(editedValue({ type: "text" }, "  ")).toBeNull();
    expect(editedValue({ type: "date" }, "2026-01-31")).toBe("2026-01-31");
  });
  it("remembers the chosen columns per project, in the list's order, dropping columns gone", () => {
    const store = new Map<string, string>();
    Object.assign(globalThis, { localStorage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => store.set(k, v) } });
    const available = ["firstName", "lastName", "city", "status"];
    expect(loadColumns("p1", available, ["firstName", "status", "gone"])).toEqual(["firstName", "status"]);
    const next = toggleColumn(["status"], "city", true, available);
    expect(next).toEqual(["city", "status"]);
    saveColumns("p1", [...next, "removedField"]);
    expect(loadColumns("p1", available, [])).toEqual(["city", "status"]);
    expect(loadColumns("p2", available, ["lastName"])).toEqual(["lastName"]);
  });
});

describe("the user guide", () => {
  it("has one section per family holding every catalog element, anchored by its type id", () => {
    for (const lang of ["fr", "en"] as const) {
      const sections = guideSections(lang);
      expect(sections.map((s) => s.family)).toEqual([...FAMILIES]);
      expect(sections.flatMap((s) => s.elements.map((e) => e.anchor))).toEqual(CATALOG.map((d) => d.type));
    }
    const en = guideSections("en").flatMap((s) => s.elements);
    const email = en.find((e) => e.type === "action.sendEmail")!;
    expect(email.label).toBe("Send an email");
    expect(email.params.map((p) => p.path)).toEqual(expect.arrayContaining(["communicationType", "message.subject", "message.html"]));
    expect(email.params.find((p) => p.path === "communicationType")).toMatchObject({ required: true, picker: "communicationType" });
    expect(email.exits).toEqual(["next"]);
    expect(en.find((e) => e.type === "condition.profile")!.exits).toEqual(["true", "false"]);
    expect(en.find((e) => e.type === "split.ax")!.exits).toBeNull();
    expect(en.find((e) => e.type === "end.success")!.exits).toEqual([]);
  });
  it("has every back-office string in French and English", () => {
    for (const [key, v] of Object.entries(BACKOFFICE_STRINGS)) {
      expect(v.fr, key).toBeTruthy();
      expect(v.en, key).toBeTruthy();
    }
  });
});
