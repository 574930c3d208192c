import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CATALOG, ProjectConfig, type CampaignDocumentInput } from "../../src/model/index.js";
import { validateCampaign } from "../../src/model/validator/index.js";
import { CampaignDocument } from "../../src/model/campaign.js";
import { simulate } from "../../src/scenario/simulate.js";

const project = {
  timezone: "America/Toronto",
  modules: { ecommerce: true, siteTracking: true },
  fields: [
    { key: "email", type: "email", category: "uniqueKey" },
    { key: "phone", type: "phone", category: "general" },
    { key: "firstName", type: "text", category: "general" },
    { key: "score", type: "number", category: "general" },
    { key: "street", type: "text", category: "general" },
    { key: "postalCode", type: "text", category: "general" },
  ],
  communicationTypes: [
    { key: "newsletter", channel: "email" }, { key: "sms", channel: "sms" }, { key: "push", channel: "push" }, { key: "postal", channel: "postal" },
  ],
  groups: [{ key: "vip" }],
  personas: [{ key: "fans", rule: { field: "score", operator: "greaterThan", value: 50 } }],
  tables: [{ key: "purchases", columns: [{ key: "sku", type: "text" }, { key: "amount", type: "number" }] }],
  promoBanks: [{ key: "WELCOME", codes: ["W-1", "W-2"] }],
  destinations: [{ key: "crm", type: "sftp" }],
  postalFields: ["firstName", "street", "postalCode"],
};

/** One valid parameter set per element type, for the project above. */
const PARAMS: Record<string, Record<string, unknown>> = {
  "trigger.recurrence": { rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0" },
  "trigger.dates": { dates: ["2026-12-02T10:00"] },
  "trigger.import": { mode: "auto" },
  "trigger.manual": {},
  "trigger.api": {},
  "trigger.contactCreated": {},
  "trigger.contactUpdated": { fields: ["score"] },
  "trigger.contactSubscribed": { communicationTypes: ["newsletter"] },
  "trigger.contactUnsubscribed": {},
  "trigger.profilingTable": { table: "purchases", on: ["insert"] },
  "trigger.pageVisited": { urls: ["https://shop.example.com/*"] },
  "trigger.productViewed": { skus: ["A1"] },
  "trigger.cartAbandoned": { after: { amount: 1, unit: "hours" } },
  "action.sendEmail": { communicationType: "newsletter", message: { subject: "Bonjour {{ contact.firstName }} {{ promo.code }}", html: "<p>{{ promo.code }}</p>" } },
  "action.sendSms": { communicationType: "sms", message: { text: "Allo {{ contact.firstName }}" } },
  "action.sendWebPush": { message: { title: "Nouveau", body: "Regardez" } },
  "action.exportData": { destination: "crm", path: "exports/{{ run.date }}.csv", fields: ["email", "firstName"] },
  "action.updateContacts": { set: { firstName: "X" } },
  "action.unsubscribeContacts": { mode: "unsubscribe", communicationTypes: ["sms"] },
  "action.grantPromoCode": { bank: "WELCOME" },
  "action.postalMailing": { communicationType: "postal", destination: "crm", path: "postal.csv" },
  "action.postalUpdate": { communicationType: "postal", mode: "update", destination: "crm", path: "postal-update.csv" },
  "delay.period": { amount: 1, unit: "days" },
  "delay.weekdays": { days: ["MO", "WE"], time: "10:00" },
  "delay.approval": {},
  "condition.profile": { field: "score", operator: "greaterThan", value: 10 },
  "condition.groups": { groups: ["vip"], match: "any" },
  "condition.advancedProfile": { rule: { any: [{ field: "score", operator: "lessThan", value: 5 }, { table: "purchases", quantifier: "any" }] } },
  "condition.personas": { personas: ["fans"], match: "all" },
  "condition.recencyFrequency": { interaction: "opened", within: { amount: 30, unit: "days" } },
  "condition.messageDelivered": {},
  "condition.messageOpened": {},
  "condition.messageClicked": {},
  "condition.unsubscribedFromCampaign": {},
  "condition.complaint": {},
  "condition.deduplicate": { by: "email", keep: "newest" },
  "split.ax": { variants: [{ key: "A", weight: 1 }, { key: "B", weight: 2 }] },
  "split.axTest": { variants: [{ key: "A", percent: 20 }, { key: "B", percent: 20 }], winner: { mode: "auto", metric: "opens", after: { amount: 1, unit: "days" } } },
  "split.distribution": { outputs: [{ max: 2 }, { max: 1 }] },
  "end.success": {}, "end.failure": {}, "end.abandon": {}, "end.neutral": {},
  note: { text: "note" },
};

const TYPES = CATALOG.map((d) => d.type);

const contacts = Array.from({ length: 6 }, (_, i) => ({
  id: `c${i}`,
  createdAt: `2026-11-0${i + 1}T00:00:00Z`,
  fields: { email: i === 5 ? "" : `p${i % 4}@example.com`, phone: `514555000${i}`, firstName: `P${i}`, score: i * 20, street: "1 rue", postalCode: "h2x1y4" },
  subscriptions: { newsletter: i % 3 !== 0, sms: true, push: true, postal: true },
  groups: i % 2 ? ["vip"] : [],
  push: i % 2 ? [{ endpoint: `https://push.example.net/${i}` }] : [],
  tables: i % 2 ? { purchases: [{ sku: "A1", amount: 10 }] } : {},
}));

const events = [
  { at: "2026-12-01T09:00:00-05:00", type: "campaign.launch" },
  { at: "2026-12-01T09:05:00-05:00", type: "campaign.api", contact: "c1", data: { x: 1 } },
  { at: "2026-12-01T09:10:00-05:00", type: "contact.subscribed", contact: "c0", communicationType: "newsletter" },
  { at: "2026-12-01T09:20:00-05:00", type: "contact.updated", contact: "c2", fields: { score: 99 } },
  { at: "2026-12-01T09:30:00-05:00", type: "import", contacts: [{ id: "c9", fields: { email: "new@example.com" } }] },
  { at: "2026-12-01T09:40:00-05:00", type: "table.inserted", contact: "c3", table: "purchases", row: { sku: "B", amount: 5 } },
  { at: "2026-12-01T09:50:00-05:00", type: "page.visited", contact: "c1", url: "https://shop.example.com/a" },
  { at: "2026-12-01T10:00:00-05:00", type: "cart.updated", contact: "c4", items: [{ sku: "A1" }] },
  { at: "2026-12-02T10:00:00-05:00", type: "approval.approved", element: "x1" },
];

/** A random campaign: elements drawn from the catalog, exits wired at random to later or earlier elements. */
const campaignArb = fc
  .record({
    types: fc.array(fc.constantFrom(...TYPES), { minLength: 2, maxLength: 9 }),
    wiring: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
    reentry: fc.constantFrom("never", "afterExit", "always"),
  })
  .map(({ types, wiring, reentry }): CampaignDocumentInput => {
    const elements = types.map((type, i) => ({ id: `x${i}`, type, params: PARAMS[type] }));
    const connections: { from: string; exit: string; to: string }[] = [];
    let w = 0;
    for (const el of elements) {
      const def = CATALOG.find((d) => d.type === el.type)!;
      for (const exit of def.exits(def.params.parse(el.params))) {
        const pick = wiring[w++ % wiring.length] % (elements.length + 1);
        if (pick < elements.length) connections.push({ from: el.id, exit, to: elements[pick].id });
      }
    }
    return { id: "prop", name: "Propriété", reentry, elements, connections };
  });

describe("every campaign the validator accepts can be run", () => {
  it("runs random valid campaigns to the end without error, with consistent reports", async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(campaignArb, async (campaign) => {
        const findings = validateCampaign(CampaignDocument.parse(campaign), ProjectConfig.parse(project));
        fc.pre(!findings.some((f) => f.code.startsWith("E_")));
        ran++;
        const out = await simulate({ start: "2026-12-01T08:00:00-05:00", until: "2026-12-06T00:00:00-05:00", seed: 3, project, contacts, campaign, events });
        expect(out.valid).toBe(true);
        if (!out.valid) return;
        const total = Object.values(out.outcomes).reduce((a, b) => a + b, 0);
        expect(total).toBe(out.journeys.length);
        for (const j of out.journeys as { outcome: string; ended?: string }[]) expect(j.outcome === "inProgress").toBe(j.ended === undefined);
      }),
      { numRuns: 150, seed: 42 },
    );
    expect(ran).toBeGreaterThan(20);
  });
});
