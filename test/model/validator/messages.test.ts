import { describe, expect, it } from "vitest";
import { ERROR_CODES, WARNING_CODES } from "../../../src/model/finding.js";
import { MESSAGES, type MessageArgs } from "../../../src/model/validator/index.js";

// Arguments that exercise every variant of every message.
const SAMPLES: { [C in keyof MessageArgs]: MessageArgs[C][] } = {
  E_NO_TRIGGER: [{}],
  E_NO_ACTION: [{}],
  E_UNKNOWN_TYPE: [{ type: "action.sendFax" }],
  E_DUPLICATE_ID: [{ id: "a1" }],
  E_PARAMS: [{ param: "amount", detail: { fr: "obligatoire", en: "required" } }, { param: "", detail: { fr: "objet attendu", en: "expected object" } }],
  E_BAD_CONNECTION: [
    { reason: "unknownElement", side: "from", id: "x" },
    { reason: "unknownElement", side: "to", id: "x" },
    { reason: "unknownExit", from: "a1", exit: "true", exits: ["next"] },
    { reason: "fromEnd", from: "e1" },
    { reason: "fromNote", from: "n1" },
    { reason: "intoTrigger", to: "t1" },
    { reason: "intoNote", to: "n1" },
  ],
  E_EXIT_TAKEN: [{ exit: "next" }],
  E_CYCLE_WITHOUT_DELAY: [{ elements: ["a1", "k1"] }],
  E_SEND_CONDITION_PLACEMENT: [{}],
  E_MESSAGE_REF: [{ message: "a1", reason: "notASend" }, { message: "a1", reason: "notUpstream" }],
  E_APPROVAL_WITHOUT_REQUEST: [{}],
  E_APPROVAL_MISSING: [{}],
  E_APPROVAL_OPTIMIZED_TIME: [{}],
  E_FIELD_NOT_EDITABLE: [
    { field: "createdBy", category: "administrative" },
    { field: "optIn", category: "subscription" },
    { field: "email", category: "uniqueKey" },
  ],
  E_PROMO_WITHOUT_EMAIL: [{}],
  E_UNKNOWN_REFERENCE: [
    ...(["field", "table", "group", "persona", "communicationType", "promoBank", "destination"] as const).map((kind) => ({ kind, key: "x" })),
    { kind: "column", key: "colour", table: "purchases" },
    { kind: "wrongChannel", key: "alerts", expected: "email", actual: "sms" },
  ],
  E_MODULE_REQUIRED: [{ module: "ecommerce" }, { module: "siteTracking" }],
  W_UNREACHABLE: [{}],
  W_OPEN_EXIT: [{ exit: "false" }],
  W_NO_END: [{}],
  W_NO_DELAY_BEFORE_MESSAGE_CONDITION: [{}],
};

describe("the finding messages", () => {
  it("exist for every code, in French and in English, and differ between them", () => {
    for (const code of [...ERROR_CODES, ...WARNING_CODES]) {
      const build = MESSAGES[code] as (a: unknown) => { fr: string; en: string };
      for (const args of SAMPLES[code]) {
        const text = build(args);
        expect(text.fr.trim(), code).not.toBe("");
        expect(text.en.trim(), code).not.toBe("");
        expect(text.fr, code).not.toBe(text.en);
        expect(text.fr + text.en, code).not.toContain("undefined");
      }
    }
  });
});
