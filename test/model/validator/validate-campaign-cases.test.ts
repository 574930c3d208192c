import { describe, expect, it } from "vitest";
import { ProjectConfig } from "../../../src/model/project.js";
import { hasErrors, splitFindings, usesPromoCode, validateCampaign } from "../../../src/model/validator/index.js";
import { campaign, check, PROJECT, SAMPLE_PARAMS } from "./fixtures.js";

const email = SAMPLE_PARAMS["action.sendEmail"];
const requestEmail = { ...email, requestApproval: true };

describe("parameters", () => {
  it("points E_PARAMS at nested parameters and list items", () => {
    const doc = campaign(
      [
        ["t1", "trigger.contactSubscribed", { communicationTypes: [""] }],
        ["a1", "action.sendEmail", { communicationType: "newsletter", message: { subject: "Bonjour" } }],
        ["e1", "end.success"],
      ],
      [["t1", "next", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([
      { code: "E_PARAMS", element: "t1", path: "params.communicationTypes.0" },
      { code: "E_PARAMS", element: "a1", path: "params.message.html" },
    ]);
  });

  it("reports one E_PARAMS per parameter even when zod finds several problems there", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["s1", "split.ax", { variants: [{ key: "A b", weight: 1 }, { key: "A b", weight: 1 }] }], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "s1"], ["s1", "A", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([
      { code: "E_PARAMS", element: "s1", path: "params.variants.0.key" },
      { code: "E_PARAMS", element: "s1", path: "params.variants.1.key" },
    ]);
  });

  it("follows the closest branch of a rule to the faulty operator", () => {
    const doc = campaign(
      [["t1", "trigger.manual", { audience: { all: [{ field: "city", operator: "sounds like", value: "x" }] } }], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_PARAMS", element: "t1", path: "params.audience.all.0.operator" }]);
  });

  it("reports parameters that are not an object at params", () => {
    const doc = campaign([["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["e1", "end.success"]], [["t1", "next", "a1"], ["a1", "next", "e1"]]);
    (doc.elements[1] as { params: unknown }).params = "bonjour";
    expect(check(doc)).toEqual([{ code: "E_PARAMS", element: "a1", path: "params" }]);
  });

  it("says what was expected, in both languages", () => {
    const doc = campaign([["t1", "trigger.manual"], ["d1", "delay.period", { unit: "days" }]], [["t1", "next", "d1"]]);
    const f = validateCampaign(doc, PROJECT).find((x) => x.code === "E_PARAMS")!;
    expect(f.messages.fr).toContain("amount");
    expect(f.messages.fr).toContain("obligatoire (nombre attendu)");
    expect(f.messages.en).toContain("required (expected number)");
  });

  it("says which forms a rule accepts when the parameters come close to none", () => {
    const doc = campaign([["t1", "trigger.manual"], ["k1", "condition.profile", {}]], [["t1", "next", "k1"]]);
    const f = validateCampaign(doc, PROJECT, { lang: "en" }).find((x) => x.code === "E_PARAMS")!;
    expect(f.path).toBe("params");
    expect(f.message).toBe("Invalid parameters: expected { table, quantifier } or { field, operator }.");
  });

  it("names the accepted types of a value that can be of several", () => {
    const doc = campaign([["t1", "trigger.manual"], ["u1", "action.updateContacts", { set: { city: ["Laval"] } }]], [["t1", "next", "u1"]]);
    const f = validateCampaign(doc, PROJECT).find((x) => x.code === "E_PARAMS")!;
    expect(f.path).toBe("params.set.city");
    expect(f.message).toBe("Paramètre « set.city » : texte, nombre, booléen ou null attendu.");
  });

  it("checks no reference of an element whose parameters are invalid", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail", { communicationType: "promos", message: { subject: "" , html: "x" } }], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_PARAMS", element: "a1", path: "params.message.subject" }]);
  });

  it("does not check the exits of an element whose parameters are invalid", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["s1", "split.ax", { variants: [] }], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "s1"], ["s1", "A", "a1"], ["s1", "Z", "e1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_PARAMS", element: "s1", path: "params.variants" }]);
  });

  it("never reports on a note, even with broken parameters", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["e1", "end.success"], ["n1", "note", { text: 42 }]],
      [["t1", "next", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([]);
  });
});

describe("references", () => {
  it("reports a communication type of the wrong channel as E_UNKNOWN_REFERENCE, saying so", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail", { ...email, communicationType: "alerts" }], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "e1"]],
    );
    const findings = validateCampaign(doc, PROJECT, { lang: "en" });
    expect(findings.map((f) => [f.code, f.element, f.path])).toEqual([["E_UNKNOWN_REFERENCE", "a1", "params.communicationType"]]);
    expect(findings[0].message).toContain("channel sms");
  });

  it("reports unknown fields, tables and columns of rules where they are written", () => {
    const rule = {
      all: [
        { field: "shoeSize", operator: "isNotEmpty" },
        { table: "orders", quantifier: "any", where: { field: "nope", operator: "isEmpty" } },
        { table: "purchases", quantifier: "any", where: { field: "colour", operator: "isEmpty" } },
      ],
    };
    const doc = campaign(
      [["t1", "trigger.manual", { audience: rule }], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([
      { code: "E_UNKNOWN_REFERENCE", element: "t1", path: "params.audience.all.0.field" },
      { code: "E_UNKNOWN_REFERENCE", element: "t1", path: "params.audience.all.1.table" },
      { code: "E_UNKNOWN_REFERENCE", element: "t1", path: "params.audience.all.2.where.field" },
    ]);
  });

  it("reports unknown groups, personas, banks, destinations and fields", () => {
    const doc = campaign(
      [
        ["t1", "trigger.manual"],
        ["k1", "condition.groups", { groups: ["vip", "gold"] }],
        ["k2", "condition.personas", { personas: ["paris"] }],
        ["g1", "action.grantPromoCode", { bank: "NOEL" }],
        ["a1", "action.sendEmail", { ...email, message: { subject: "{{ promo.code }}", html: "x" } }],
        ["x1", "action.exportData", { destination: "ftp", path: "a.csv", fields: ["email", "age"] }],
        ["u1", "action.updateContacts", { set: { age: 3 } }],
        ["e1", "end.success"],
      ],
      [["t1", "next", "k1"], ["k1", "true", "k2"], ["k1", "false", "k2"], ["k2", "true", "g1"], ["k2", "false", "g1"], ["g1", "next", "a1"], ["a1", "next", "x1"], ["x1", "next", "u1"], ["u1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([
      { code: "E_UNKNOWN_REFERENCE", element: "k1", path: "params.groups.1" },
      { code: "E_UNKNOWN_REFERENCE", element: "k2", path: "params.personas.0" },
      { code: "E_UNKNOWN_REFERENCE", element: "g1", path: "params.bank" },
      { code: "E_UNKNOWN_REFERENCE", element: "x1", path: "params.destination" },
      { code: "E_UNKNOWN_REFERENCE", element: "x1", path: "params.fields.1" },
      { code: "E_UNKNOWN_REFERENCE", element: "u1", path: "params.set.age" },
    ]);
  });

  it("refuses to update unique-key and subscription fields", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["u1", "action.updateContacts", { set: { optIn: true, email: "x@example.com" } }], ["e1", "end.success"]],
      [["t1", "next", "u1"], ["u1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([
      { code: "E_FIELD_NOT_EDITABLE", element: "u1", path: "params.set.email" },
      { code: "E_FIELD_NOT_EDITABLE", element: "u1", path: "params.set.optIn" },
    ]);
  });

  it("does not check the rules of the project's personas", () => {
    const project = ProjectConfig.parse({ personas: [{ key: "p", rule: { field: "ghost", operator: "isEmpty" } }], communicationTypes: [{ key: "newsletter", channel: "email" }] });
    const doc = campaign(
      [["t1", "trigger.manual"], ["k1", "condition.personas", { personas: ["p"] }], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "k1"], ["k1", "true", "a1"], ["k1", "false", "e1"], ["a1", "next", "e1"]],
    );
    expect(check(doc, project)).toEqual([]);
  });
});

describe("connections", () => {
  const base: [string, string][] = [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["e1", "end.success"]];
  const links: [string, string, string][] = [["t1", "next", "a1"], ["a1", "next", "e1"]];

  it("refuses an exit the element does not have", () => {
    expect(check(campaign(base, [...links, ["a1", "true", "e1"]]))).toEqual([{ code: "E_BAD_CONNECTION", element: "a1", path: "connections.2" }]);
  });

  it("refuses a connection into a trigger", () => {
    expect(check(campaign([...base, ["k1", "condition.groups"]], [...links, ["k1", "true", "t1"], ["k1", "false", "e1"]]))).toEqual([
      { code: "E_BAD_CONNECTION", element: "k1", path: "connections.2" },
      { code: "W_UNREACHABLE", element: "k1" },
    ]);
  });

  it("reports a connection to an unknown element on its source, and one between unknown elements on no element", () => {
    expect(check(campaign(base, [...links, ["ghost", "next", "e1"], ["ghost", "next", "phantom"]]))).toEqual([
      { code: "E_BAD_CONNECTION", path: "connections.3" },
      { code: "E_BAD_CONNECTION", element: "e1", path: "connections.2" },
    ]);
  });

  it("reports a connection of a note on the element at its other end", () => {
    const doc = campaign([...base, ["n1", "note"]], [...links, ["n1", "next", "a1"], ["e1", "next", "n1"]]);
    expect(check(doc)).toEqual([
      { code: "E_BAD_CONNECTION", element: "a1", path: "connections.2" },
      { code: "E_BAD_CONNECTION", element: "e1", path: "connections.3" },
    ]);
  });

  it("does not also report an open exit whose only connection is refused", () => {
    expect(check(campaign(base, [["t1", "next", "a1"], ["a1", "next", "ghost"]]))).toEqual([
      { code: "E_BAD_CONNECTION", element: "a1", path: "connections.1" },
      { code: "W_UNREACHABLE", element: "e1" },
    ]);
  });

  it("reports every extra connection of one exit", () => {
    const doc = campaign([...base, ["e2", "end.neutral"], ["e3", "end.failure"]], [...links, ["a1", "next", "e2"], ["a1", "next", "e3"]]);
    expect(check(doc)).toEqual([
      { code: "E_EXIT_TAKEN", element: "a1", path: "exits.next" },
      { code: "E_EXIT_TAKEN", element: "a1", path: "exits.next" },
    ]);
  });

  it("reports each open exit of split variants and of unreachable elements", () => {
    const doc = campaign(
      [...base, ["s1", "split.distribution", { outputs: [{ max: 1 }, { max: 2 }] }], ["k1", "condition.groups"]],
      [...links, ["s1", "out1", "e1"]],
    );
    expect(check(doc)).toEqual([
      { code: "W_OPEN_EXIT", element: "s1", path: "exits.out2" },
      { code: "W_OPEN_EXIT", element: "s1", path: "exits.rest" },
      { code: "W_UNREACHABLE", element: "s1" },
      { code: "W_OPEN_EXIT", element: "k1", path: "exits.false" },
      { code: "W_OPEN_EXIT", element: "k1", path: "exits.true" },
      { code: "W_UNREACHABLE", element: "k1" },
    ]);
  });

  it("lets connections lead through an element of unknown type with any exit", () => {
    const doc = campaign([["t1", "trigger.manual"], ["x1", "wait.forever"], ["a1", "action.sendEmail"], ["e1", "end.success"]], [
      ["t1", "next", "x1"], ["x1", "later", "a1"], ["x1", "sooner", "a1"], ["a1", "next", "e1"],
    ]);
    expect(check(doc)).toEqual([{ code: "E_UNKNOWN_TYPE", element: "x1", path: "type" }]);
  });

  it("ignores a later element reusing an id, even a note, which it never reports", () => {
    const doc = campaign([...base, ["e1", "note"], ["t1", "action.sendSms", { text: 1 }]], links);
    expect(check(doc)).toEqual([{ code: "E_DUPLICATE_ID", element: "t1", path: "id" }]);
  });
});

describe("loops", () => {
  it("treats a connection from an element to itself as a loop", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["k1", "condition.groups"], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "k1"], ["k1", "false", "k1"], ["k1", "true", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_CYCLE_WITHOUT_DELAY", element: "k1" }]);
  });

  it("accepts a delay looping on itself", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["d1", "delay.weekdays"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "d1"], ["d1", "next", "d1"]],
    );
    expect(check(doc)).toEqual([{ code: "W_UNREACHABLE", element: "e1" }]);
  });

  it("finds the delay-free loop inside a tangle that also holds a delay", () => {
    // k1 ⇄ k2 has no delay; k1 → d1 → k1 does.
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["k1", "condition.groups"], ["d1", "delay.period"], ["k2", "condition.profile"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "k1"], ["k1", "true", "d1"], ["d1", "next", "k1"], ["k1", "false", "k2"], ["k2", "true", "k1"], ["k2", "false", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_CYCLE_WITHOUT_DELAY", element: "k1" }]);
  });

  it("reports two separate loops once each", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["k1", "condition.groups"], ["a1", "action.sendEmail"], ["k2", "condition.profile"], ["e1", "end.success"]],
      [["t1", "next", "k1"], ["k1", "true", "k1"], ["k1", "false", "a1"], ["a1", "next", "k2"], ["k2", "true", "a1"], ["k2", "false", "e1"]],
    );
    expect(check(doc)).toEqual([
      { code: "E_CYCLE_WITHOUT_DELAY", element: "k1" },
      { code: "E_CYCLE_WITHOUT_DELAY", element: "a1" },
    ]);
  });
});

describe("conditions on sends", () => {
  it("accepts a ★ condition after a delay alone", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["d1", "delay.period"], ["k1", "condition.complaint"], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "d1"], ["d1", "next", "k1"], ["k1", "true", "e1"], ["k1", "false", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([]);
  });

  it("reports a ★ condition one branch reaches without a send or delay", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["k0", "condition.groups"], ["a1", "action.sendEmail"], ["d1", "delay.period"], ["k1", "condition.unsubscribedFromCampaign"], ["e1", "end.success"]],
      [["t1", "next", "k0"], ["k0", "true", "a1"], ["k0", "false", "k1"], ["a1", "next", "d1"], ["d1", "next", "k1"], ["k1", "true", "e1"], ["k1", "false", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_SEND_CONDITION_PLACEMENT", element: "k1" }]);
  });

  it("does not warn about a missing delay where the placement is already an error", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["k0", "condition.groups"], ["a1", "action.sendEmail"], ["k1", "condition.messageDelivered"], ["e1", "end.success"]],
      [["t1", "next", "k0"], ["k0", "true", "a1"], ["k0", "false", "k1"], ["a1", "next", "k1"], ["k1", "true", "e1"], ["k1", "false", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_SEND_CONDITION_PLACEMENT", element: "k1" }]);
  });

  it("warns about a missing delay on a clicked condition when one path skips the delay", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendSms"], ["k0", "condition.groups"], ["d1", "delay.period"], ["k1", "condition.messageClicked"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "k0"], ["k0", "true", "d1"], ["k0", "false", "k1"], ["d1", "next", "k1"], ["k1", "true", "e1"], ["k1", "false", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "W_NO_DELAY_BEFORE_MESSAGE_CONDITION", element: "k1" }]);
  });

  it("does not warn about a missing delay before a complaint condition", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["k1", "condition.complaint"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "k1"], ["k1", "true", "e1"], ["k1", "false", "e1"]],
    );
    expect(check(doc)).toEqual([]);
  });

  it("reports a message sent on one branch only as not upstream", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["k0", "condition.groups"], ["a1", "action.sendEmail"], ["a2", "action.sendEmail"], ["d1", "delay.period"], ["k1", "condition.messageOpened", { message: "a1" }], ["e1", "end.success"]],
      [["t1", "next", "k0"], ["k0", "true", "a1"], ["k0", "false", "a2"], ["a1", "next", "d1"], ["a2", "next", "d1"], ["d1", "next", "k1"], ["k1", "true", "e1"], ["k1", "false", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_MESSAGE_REF", element: "k1", path: "params.message" }]);
  });

  it("reports a message sent only after the condition, in a loop, as not upstream", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["d1", "delay.period"], ["k1", "condition.messageOpened", { message: "a1" }], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "d1"], ["d1", "next", "k1"], ["k1", "false", "a1"], ["a1", "next", "d1"], ["k1", "true", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_MESSAGE_REF", element: "k1", path: "params.message" }]);
  });

  it("accepts a message sent upstream on every path, loops included", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["d1", "delay.period"], ["k1", "condition.messageOpened", { message: "a1" }], ["a2", "action.sendSms"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "d1"], ["d1", "next", "k1"], ["k1", "false", "a2"], ["a2", "next", "d1"], ["k1", "true", "e1"]],
    );
    expect(check(doc)).toEqual([]);
  });
});

describe("approvals", () => {
  it("accepts an approval after every requestApproval email", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail", requestEmail], ["d1", "delay.period"], ["p1", "delay.approval"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "d1"], ["d1", "next", "p1"], ["p1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([]);
  });

  it("reports a requestApproval email with one branch that skips the approval", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail", requestEmail], ["k1", "condition.groups"], ["p1", "delay.approval"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "k1"], ["k1", "true", "p1"], ["k1", "false", "e1"], ["p1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_APPROVAL_MISSING", element: "a1" }]);
  });

  it("reports an approval reached by one path without a request", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["k1", "condition.groups"], ["a1", "action.sendEmail", requestEmail], ["a2", "action.sendSms"], ["p1", "delay.approval"], ["e1", "end.success"]],
      [["t1", "next", "k1"], ["k1", "true", "a1"], ["k1", "false", "a2"], ["a1", "next", "p1"], ["a2", "next", "p1"], ["p1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_APPROVAL_WITHOUT_REQUEST", element: "p1" }]);
  });

  it("does not report an approval no trigger reaches as lacking a request", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["p1", "delay.approval"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "e1"], ["p1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "W_UNREACHABLE", element: "p1" }]);
  });

  it("reports a requestApproval email whose exit is left open", () => {
    const doc = campaign([["t1", "trigger.manual"], ["a1", "action.sendEmail", requestEmail], ["e1", "end.success"]], [["t1", "next", "a1"]]);
    expect(check(doc)).toEqual([
      { code: "E_APPROVAL_MISSING", element: "a1" },
      { code: "W_OPEN_EXIT", element: "a1", path: "exits.next" },
      { code: "W_UNREACHABLE", element: "e1" },
    ]);
  });
});

describe("promo codes", () => {
  it("accepts a grant followed, on some path, by an email that shows the code", () => {
    const doc = campaign(
      [["t1", "trigger.api"], ["g1", "action.grantPromoCode"], ["k1", "condition.groups"], ["a1", "action.sendEmail", { ...email, message: { subject: "Merci", html: "<p>{{promo.code}}</p>" } }], ["e1", "end.success"]],
      [["t1", "next", "g1"], ["g1", "next", "k1"], ["k1", "true", "a1"], ["k1", "false", "e1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([]);
  });

  it("recognizes promo.code in Liquid outputs and tags, and nowhere else", () => {
    expect(usesPromoCode("Votre code : {{ promo.code }}")).toBe(true);
    expect(usesPromoCode("{{promo.code|upcase}}")).toBe(true);
    expect(usesPromoCode("{{ 'Code ' | append: promo.code }}")).toBe(true);
    expect(usesPromoCode("{%- if promo.code -%}oui{% endif %}")).toBe(true);
    expect(usesPromoCode("promo.code")).toBe(false);
    expect(usesPromoCode("{{ contact.promo.code }}")).toBe(false);
    expect(usesPromoCode("{{ promo.codes }}")).toBe(false);
    expect(usesPromoCode("{{ contact.firstName }} promo.code")).toBe(false);
  });
});

describe("the findings", () => {
  it("come campaign-wide first, then by element in document order, then code and path", () => {
    const doc = campaign(
      [["k1", "condition.groups", { groups: ["gold"] }], ["d1", "delay.period", {}]],
      [["k1", "true", "d1"]],
    );
    expect(check(doc)).toEqual([
      { code: "E_NO_ACTION" },
      { code: "E_NO_TRIGGER" },
      { code: "W_NO_END" },
      { code: "E_UNKNOWN_REFERENCE", element: "k1", path: "params.groups.0" },
      { code: "W_OPEN_EXIT", element: "k1", path: "exits.false" },
      { code: "E_PARAMS", element: "d1", path: "params.amount" },
      { code: "E_PARAMS", element: "d1", path: "params.unit" },
    ]);
  });

  it("carry the message in the requested language, French by default, and both in messages", () => {
    const doc = campaign([["a1", "action.sendEmail"]]);
    const fr = validateCampaign(doc, PROJECT);
    const en = validateCampaign(doc, PROJECT, { lang: "en" });
    expect(fr[0].message).toBe(fr[0].messages.fr);
    expect(en[0].message).toBe(en[0].messages.en);
    expect(en[0].messages).toEqual(fr[0].messages);
    expect(fr[0].messages.fr).not.toBe(fr[0].messages.en);
  });

  it("tell errors from warnings", () => {
    const findings = validateCampaign(campaign([["t1", "trigger.manual"], ["a1", "action.sendEmail"]], [["t1", "next", "a1"]]), PROJECT);
    expect(hasErrors(findings)).toBe(false);
    expect(splitFindings(findings).warnings.map((f) => f.code)).toEqual(["W_NO_END", "W_OPEN_EXIT"]);
    expect(hasErrors(validateCampaign(campaign([]), PROJECT))).toBe(true);
  });
});
