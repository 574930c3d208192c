import { CampaignDocument, ProjectConfig } from "../src/model/index.js";

/** The b1 workload's project and campaign, shared by its single-process (SQLite) and multi-worker (PostgreSQL) drivers. */
export const B1_PROJECT_ID = "bench";

export const B1_PROJECT = ProjectConfig.parse({
  timezone: "America/Toronto",
  fields: [{ key: "email", type: "email", category: "uniqueKey" }, { key: "score", type: "number" }, { key: "firstName", type: "text" }],
  communicationTypes: [{ key: "newsletter", channel: "email" }],
});

/** manual → score < 50 ? (email → 2 days → opened ? success : failure) : neutral. */
export const B1_CAMPAIGN = CampaignDocument.parse({
  id: "b1", name: "Bench b1", reentry: "afterExit",
  elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "k1", type: "condition.profile", params: { field: "score", operator: "lessThan", value: 50 } },
    { id: "a1", type: "action.sendEmail", params: { communicationType: "newsletter", message: { subject: "Bonjour {{ contact.firstName }}", html: "<p>Offre de la semaine</p>" } } },
    { id: "d1", type: "delay.period", params: { amount: 2, unit: "days" } },
    { id: "k2", type: "condition.messageOpened", params: { message: "a1" } },
    { id: "e1", type: "end.success", params: {} },
    { id: "e2", type: "end.failure", params: {} },
    { id: "e3", type: "end.neutral", params: {} },
  ],
  connections: [
    { from: "t1", exit: "next", to: "k1" },
    { from: "k1", exit: "true", to: "a1" },
    { from: "k1", exit: "false", to: "e3" },
    { from: "a1", exit: "next", to: "d1" },
    { from: "d1", exit: "next", to: "k2" },
    { from: "k2", exit: "true", to: "e1" },
    { from: "k2", exit: "false", to: "e2" },
  ],
});

/** Tuesday 1 December 2026, 09:00 in Toronto: the instant b1 starts. */
export const B1_T0 = Date.parse("2026-12-01T14:00:00Z");
export const DAY = 86_400_000;

