import { describe, expect, it } from "vitest";
import { ProjectConfig } from "../../../src/model/project.js";
import { campaign, check, PROJECT_INPUT, SAMPLE_PARAMS } from "./fixtures.js";

const requestEmail = { ...SAMPLE_PARAMS["action.sendEmail"], requestApproval: true };

// One minimal campaign per code of ELEMENTS.md §10, each raising exactly that finding.
describe("each validation code", () => {
  it("reports E_NO_TRIGGER once, on no element, for a campaign without a trigger", () => {
    const doc = campaign([["a1", "action.sendEmail"], ["e1", "end.success"]], [["a1", "next", "e1"]]);
    expect(check(doc)).toEqual([{ code: "E_NO_TRIGGER" }]);
  });

  it("reports E_NO_ACTION for a campaign without any action", () => {
    const doc = campaign([["t1", "trigger.manual"], ["e1", "end.success"]], [["t1", "next", "e1"]]);
    expect(check(doc)).toEqual([{ code: "E_NO_ACTION" }]);
  });

  it("reports E_UNKNOWN_TYPE on an element whose type is not in the catalog, and nothing else about it", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["x1", "action.sendFax", { to: 1 }], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "x1"], ["x1", "whatever", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_UNKNOWN_TYPE", element: "x1", path: "type" }]);
  });

  it("reports E_DUPLICATE_ID on the second element that reuses an id", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["e1", "end.success"], ["a1", "end.neutral"]],
      [["t1", "next", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_DUPLICATE_ID", element: "a1", path: "id" }]);
  });

  it("reports E_PARAMS at params.amount for a period delay without an amount", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["d1", "delay.period", { unit: "days" }], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "d1"], ["d1", "next", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_PARAMS", element: "d1", path: "params.amount" }]);
  });

  it("reports E_BAD_CONNECTION at connections.<index> for a connection leaving an end", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "e1"], ["e1", "next", "a1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_BAD_CONNECTION", element: "e1", path: "connections.2" }]);
  });

  it("reports E_EXIT_TAKEN on the element whose exit is connected twice", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["e1", "end.success"], ["e2", "end.neutral"]],
      [["t1", "next", "a1"], ["a1", "next", "e1"], ["a1", "next", "e2"]],
    );
    expect(check(doc)).toEqual([{ code: "E_EXIT_TAKEN", element: "a1", path: "exits.next" }]);
  });

  it("reports E_CYCLE_WITHOUT_DELAY once, on the loop's first element in the document", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["k1", "condition.groups"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "k1"], ["k1", "true", "e1"], ["k1", "false", "a1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_CYCLE_WITHOUT_DELAY", element: "a1" }]);
  });

  it("reports E_SEND_CONDITION_PLACEMENT on an opened condition right after the trigger", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["k1", "condition.messageOpened"], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "k1"], ["k1", "true", "a1"], ["k1", "false", "e1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_SEND_CONDITION_PLACEMENT", element: "k1" }]);
  });

  it("reports E_MESSAGE_REF at params.message when the message names no send of the campaign", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["d1", "delay.period"], ["k1", "condition.messageOpened", { message: "e1" }], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "d1"], ["d1", "next", "k1"], ["k1", "true", "e1"], ["k1", "false", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_MESSAGE_REF", element: "k1", path: "params.message" }]);
  });

  it("reports E_APPROVAL_WITHOUT_REQUEST on an approval no requestApproval email precedes", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["p1", "delay.approval"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "p1"], ["p1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_APPROVAL_WITHOUT_REQUEST", element: "p1" }]);
  });

  it("reports E_APPROVAL_MISSING on a requestApproval email followed by no approval", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail", requestEmail], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_APPROVAL_MISSING", element: "a1" }]);
  });

  it("reports E_APPROVAL_OPTIMIZED_TIME at params.optimizedSendTime", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail", { ...requestEmail, optimizedSendTime: true }], ["p1", "delay.approval"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "p1"], ["p1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_APPROVAL_OPTIMIZED_TIME", element: "a1", path: "params.optimizedSendTime" }]);
  });

  it("reports E_FIELD_NOT_EDITABLE at params.set.<field> for an administrative field", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["u1", "action.updateContacts", { set: { city: "Laval", createdBy: "relais" } }], ["e1", "end.success"]],
      [["t1", "next", "u1"], ["u1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_FIELD_NOT_EDITABLE", element: "u1", path: "params.set.createdBy" }]);
  });

  it("reports E_PROMO_WITHOUT_EMAIL on a promo grant no email after it shows", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["g1", "action.grantPromoCode"], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "g1"], ["g1", "next", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_PROMO_WITHOUT_EMAIL", element: "g1" }]);
  });

  it("reports E_UNKNOWN_REFERENCE at the path of a communication type the project lacks", () => {
    const doc = campaign(
      [["t1", "trigger.contactSubscribed", { communicationTypes: ["newsletter", "promos"] }], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_UNKNOWN_REFERENCE", element: "t1", path: "params.communicationTypes.1" }]);
  });

  it("reports E_MODULE_REQUIRED on a site-tracking trigger in a project without that module", () => {
    const doc = campaign(
      [["t1", "trigger.pageVisited"], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "E_MODULE_REQUIRED", element: "t1" }]);
  });

  it("warns W_UNREACHABLE on an element no trigger leads to", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["a2", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "e1"], ["a2", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "W_UNREACHABLE", element: "a2" }]);
  });

  it("warns W_OPEN_EXIT at exits.<exit> for an exit with no connection", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["k1", "condition.groups"], ["a1", "action.sendEmail"], ["e1", "end.success"]],
      [["t1", "next", "k1"], ["k1", "true", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "W_OPEN_EXIT", element: "k1", path: "exits.false" }]);
  });

  it("warns W_NO_END, on no element, for a campaign without an end", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["d1", "delay.period"]],
      [["t1", "next", "a1"], ["a1", "next", "d1"], ["d1", "next", "a1"]],
    );
    expect(check(doc)).toEqual([{ code: "W_NO_END" }]);
  });

  it("warns W_NO_DELAY_BEFORE_MESSAGE_CONDITION on an opened condition right after the send", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["k1", "condition.messageOpened", { message: "a1" }], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "k1"], ["k1", "true", "e1"], ["k1", "false", "e1"]],
    );
    expect(check(doc)).toEqual([{ code: "W_NO_DELAY_BEFORE_MESSAGE_CONDITION", element: "k1" }]);
  });
});

describe("a valid campaign", () => {
  it("gives no finding for the welcome campaign of the catalog", () => {
    const doc = campaign(
      [
        ["t1", "trigger.contactSubscribed", { communicationTypes: ["newsletter"] }],
        ["a1", "action.sendEmail", { communicationType: "newsletter", message: { subject: "Bienvenue {{ contact.firstName }}", html: "<p>Bonjour</p>" } }],
        ["e1", "end.success"],
      ],
      [["t1", "next", "a1"], ["a1", "next", "e1"]],
    );
    expect(check(doc)).toEqual([]);
  });

  it("gives no finding for a reminder to those who did not open, two days later", () => {
    const doc = campaign(
      [
        ["t1", "trigger.contactSubscribed", { communicationTypes: ["newsletter"] }],
        ["a1", "action.sendEmail"],
        ["d1", "delay.period", { amount: 2, unit: "days" }],
        ["k1", "condition.messageOpened", { message: "a1" }],
        ["a2", "action.sendEmail"],
        ["e1", "end.success"],
        ["e2", "end.neutral"],
        ["n1", "note", { text: "Relance des non-ouvreurs" }],
      ],
      [["t1", "next", "a1"], ["a1", "next", "d1"], ["d1", "next", "k1"], ["k1", "true", "e1"], ["k1", "false", "a2"], ["a2", "next", "e2"]],
    );
    expect(check(doc)).toEqual([]);
  });

  it("accepts a loop through a delay", () => {
    const doc = campaign(
      [["t1", "trigger.manual"], ["a1", "action.sendEmail"], ["d1", "delay.period"], ["k1", "condition.messageClicked", { message: "a1" }], ["e1", "end.success"]],
      [["t1", "next", "a1"], ["a1", "next", "d1"], ["d1", "next", "k1"], ["k1", "true", "e1"], ["k1", "false", "d1"]],
    );
    expect(check(doc)).toEqual([]);
  });

  it("accepts every element type of the catalog with its sample parameters, given the modules", () => {
    const project = ProjectConfig.parse({ ...PROJECT_INPUT, modules: { ecommerce: true, siteTracking: true } });
    const types = Object.keys(SAMPLE_PARAMS).filter((t) => !t.startsWith("trigger.") && !t.startsWith("end.") && t !== "note");
    const elements: [string, string][] = [["t1", "trigger.manual"], ...types.map((t, i): [string, string] => [`x${i}`, t])];
    const doc = campaign([...elements, ["e1", "end.success"]]);
    const findings = check(doc, project);
    expect(findings.filter((f) => f.code === "E_PARAMS" || f.code === "E_UNKNOWN_REFERENCE" || f.code === "E_MODULE_REQUIRED")).toEqual([]);
  });
});
