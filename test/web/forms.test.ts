import { describe, expect, it } from "vitest";
import { CATALOG } from "../../src/model/index.js";
import { formFields, getAt, parseInput, setAt } from "../../web/src/forms.js";

describe("properties forms generated from parameter schemas", () => {
  it("gives a delay its amount (integer ≥ 0) and its unit as a choice", () => {
    const [amount, unit] = formFields("delay.period");
    expect(amount).toMatchObject({ key: "amount", kind: "integer", required: true, min: 0 });
    expect(unit).toMatchObject({ key: "unit", kind: "enum", options: ["minutes", "hours", "days", "weeks"] });
  });

  it("offers project pickers for references and a rule builder for audiences", () => {
    expect(formFields("condition.groups")[0]).toMatchObject({ key: "groups", kind: "list", picker: "group", required: true });
    expect(formFields("condition.messageOpened")[0]).toMatchObject({ key: "message", kind: "text", picker: "message", required: false });
    const rec = formFields("trigger.recurrence");
    expect(rec.find((f) => f.key === "audience")).toMatchObject({ kind: "rule", required: false });
    expect(formFields("condition.profile")).toEqual([{ key: "rule", path: [], kind: "rule", required: true }]);
  });

  it("builds the email editor: communication type picker, subject, preheader, HTML and MJML", () => {
    const fields = formFields("action.sendEmail");
    expect(fields.find((f) => f.key === "communicationType")).toMatchObject({ kind: "text", picker: "communicationType", required: true });
    const message = fields.find((f) => f.key === "message")!;
    expect(message.kind).toBe("object");
    const byKey = Object.fromEntries(message.fields!.map((f) => [f.key, f]));
    expect(byKey.subject).toMatchObject({ kind: "text", required: true, path: ["message", "subject"] });
    expect(byKey.preheader.kind).toBe("text");
    expect(byKey.html.kind).toBe("longText");
    expect(byKey.mjml.kind).toBe("longText");
  });

  it("produces a form for every catalog element", () => {
    for (const def of CATALOG) expect(Array.isArray(formFields(def.type)), def.type).toBe(true);
    expect(formFields("split.axTest").map((f) => f.kind)).toEqual(["json", "json"]);
  });

  it("reads and writes values by path without touching the original", () => {
    const params = { message: { subject: "a" } };
    const next = setAt(params, ["message", "html"], "<p>x</p>");
    expect(next).toEqual({ message: { subject: "a", html: "<p>x</p>" } });
    expect(params).toEqual({ message: { subject: "a" } });
    expect(getAt(next, ["message", "html"])).toBe("<p>x</p>");
    expect(setAt(next, ["message", "subject"], "")).toEqual({ message: { html: "<p>x</p>" } });
    expect(parseInput({ key: "amount", path: ["amount"], kind: "integer", required: true }, "3")).toBe(3);
    expect(parseInput({ key: "groups", path: ["groups"], kind: "list", required: true }, "vip, montreal")).toEqual(["vip", "montreal"]);
  });
});
