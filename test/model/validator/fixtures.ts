import { CampaignDocument, type CampaignDocumentInput } from "../../../src/model/campaign.js";
import type { Finding } from "../../../src/model/finding.js";
import { ProjectConfig, type ProjectConfigInput } from "../../../src/model/project.js";
import { validateCampaign } from "../../../src/model/validator/index.js";

export const PROJECT_INPUT: ProjectConfigInput = {
  timezone: "America/Toronto",
  fields: [
    { key: "email", type: "email", category: "uniqueKey" },
    { key: "phone", type: "phone", category: "general" },
    { key: "firstName", type: "text", category: "general" },
    { key: "city", type: "text", category: "general" },
    { key: "createdBy", type: "text", category: "administrative" },
    { key: "optIn", type: "boolean", category: "subscription" },
  ],
  communicationTypes: [
    { key: "newsletter", channel: "email" },
    { key: "alerts", channel: "sms" },
    { key: "push", channel: "push" },
    { key: "postal", channel: "postal" },
  ],
  groups: [{ key: "vip" }],
  personas: [{ key: "montreal", rule: { field: "city", operator: "equals", value: "Montréal" } }],
  tables: [{ key: "purchases", columns: [{ key: "sku" }, { key: "amount", type: "number" }] }],
  promoBanks: [{ key: "WELCOME", codes: ["W-001"] }],
  destinations: [{ key: "crm" }],
};

export const PROJECT: ProjectConfig = ProjectConfig.parse(PROJECT_INPUT);

const email = { communicationType: "newsletter", message: { subject: "Bonjour", html: "<p>Bonjour</p>" } };

/** Valid parameters for every catalog type, in this fixture project. */
export const SAMPLE_PARAMS: Record<string, Record<string, unknown>> = {
  "trigger.recurrence": { rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0" },
  "trigger.dates": { dates: ["2026-12-01T09:00"] },
  "trigger.import": { mode: "auto" },
  "trigger.manual": {},
  "trigger.api": {},
  "trigger.contactCreated": {},
  "trigger.contactUpdated": { fields: ["city"] },
  "trigger.contactSubscribed": { communicationTypes: ["newsletter"] },
  "trigger.contactUnsubscribed": {},
  "trigger.profilingTable": { table: "purchases", on: ["insert"] },
  "trigger.pageVisited": { urls: ["https://example.com/*"] },
  "trigger.productViewed": { skus: ["A1"] },
  "trigger.cartAbandoned": { after: { amount: 1, unit: "hours" } },
  "action.sendEmail": email,
  "action.sendSms": { communicationType: "alerts", message: { text: "Bonjour" } },
  "action.sendWebPush": { communicationType: "push", message: { title: "Bonjour", body: "Nouveau" } },
  "action.exportData": { destination: "crm", path: "exports/{{ run.date }}.csv", fields: ["email"] },
  "action.updateContacts": { set: { city: "Québec" } },
  "action.unsubscribeContacts": { mode: "unsubscribe" },
  "action.grantPromoCode": { bank: "WELCOME" },
  "action.postalMailing": { communicationType: "postal", destination: "crm", path: "postal.csv" },
  "action.postalUpdate": { communicationType: "postal", mode: "update", destination: "crm", path: "postal-update.csv" },
  "delay.period": { amount: 2, unit: "days" },
  "delay.weekdays": { days: ["MO"] },
  "delay.approval": {},
  "condition.profile": { field: "city", operator: "equals", value: "Montréal" },
  "condition.groups": { groups: ["vip"] },
  "condition.advancedProfile": { rule: { table: "purchases", quantifier: "any", where: { field: "amount", operator: "greaterThan", value: 10 } } },
  "condition.personas": { personas: ["montreal"] },
  "condition.recencyFrequency": { interaction: "opened", within: { amount: 30, unit: "days" } },
  "condition.messageDelivered": {},
  "condition.messageOpened": {},
  "condition.messageClicked": {},
  "condition.unsubscribedFromCampaign": {},
  "condition.complaint": {},
  "condition.deduplicate": { by: "email", keep: "newest" },
  "split.ax": { variants: [{ key: "A", weight: 1 }, { key: "B", weight: 1 }] },
  "split.axTest": { variants: [{ key: "A", percent: 10 }, { key: "B", percent: 10 }], winner: { mode: "manual" } },
  "split.distribution": { outputs: [{ max: 3 }] },
  "end.success": {},
  "end.abandon": {},
  "end.failure": {},
  "end.neutral": {},
  note: { text: "Post-it" },
};

export type El = [id: string, type: string, params?: Record<string, unknown>];
export type Link = [from: string, exit: string, to: string];

/** A campaign document from terse elements (params default to the type's sample) and links. */
export function campaign(elements: El[], links: Link[] = []): CampaignDocument {
  const input: CampaignDocumentInput = {
    id: "test",
    name: "Test",
    elements: elements.map(([id, type, params]) => ({ id, type, params: params ?? SAMPLE_PARAMS[type] ?? {} })),
    connections: links.map(([from, exit, to]) => ({ from, exit, to })),
  };
  return CampaignDocument.parse(input);
}

export interface Brief {
  code: Finding["code"];
  element?: string;
  path?: string;
}

/** What a test compares: code, element and path of each finding, in the validator's order. */
export function brief(findings: readonly Finding[]): Brief[] {
  return findings.map((f) => {
    const b: Brief = { code: f.code };
    if (f.element !== undefined) b.element = f.element;
    if (f.path !== undefined) b.path = f.path;
    return b;
  });
}

/** Validates against the fixture project and returns the brief findings. */
export function check(doc: CampaignDocument, project: ProjectConfig = PROJECT): Brief[] {
  return brief(validateCampaign(doc, project));
}
