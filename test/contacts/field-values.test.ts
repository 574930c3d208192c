import { describe, expect, it } from "vitest";
import { checkFields, coerceField } from "../../src/contacts/field-values.js";

const f = (type: string) => ({ key: "x", type, category: "general" }) as never;

describe("field values", () => {
  it("reads CSV text leniently: decimal commas, oui/non, 10-digit phones, mixed-case emails", () => {
    expect(coerceField(f("number"), "3,5", "csv")).toEqual({ ok: true, value: 3.5 });
    expect(coerceField(f("number"), "1 200", "csv")).toEqual({ ok: true, value: 1200 });
    expect(coerceField(f("boolean"), "Oui", "csv")).toEqual({ ok: true, value: true });
    expect(coerceField(f("boolean"), "non", "csv")).toEqual({ ok: true, value: false });
    expect(coerceField(f("phone"), "(514) 555-0199", "csv")).toEqual({ ok: true, value: "+15145550199" });
    expect(coerceField(f("email"), " Marie@Example.COM ", "csv")).toEqual({ ok: true, value: "marie@example.com" });
    expect(coerceField(f("datetime"), "2026-12-01T09:30:00-05:00", "csv")).toEqual({ ok: true, value: "2026-12-01T14:30:00.000Z" });
  });

  it("wants JSON values of the field's own type from the API", () => {
    expect(coerceField(f("number"), "3", "json").ok).toBe(false);
    expect(coerceField(f("boolean"), "true", "json").ok).toBe(false);
    expect(coerceField(f("number"), 3, "json")).toEqual({ ok: true, value: 3 });
  });

  it("says what is wrong with a bad value", () => {
    expect(coerceField(f("date"), "2026-02-30", "csv")).toEqual({ ok: false, message: 'expected a date YYYY-MM-DD, got "2026-02-30"' });
    expect(coerceField(f("email"), "not-an-email", "csv")).toEqual({ ok: false, message: '"not-an-email" is not an email address' });
    expect(coerceField(f("number"), "12abc", "csv")).toEqual({ ok: false, message: '"12abc" is not a number' });
  });

  it("reports unknown fields and keeps the good ones", () => {
    const r = checkFields([f("number")], { x: 4, y: "z" }, "json");
    expect(r.values).toEqual({ x: 4 });
    expect(r.problems).toEqual([{ field: "y", message: "unknown field y" }]);
  });
});
