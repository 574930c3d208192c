import { describe, expect, it } from "vitest";
import { CampaignDocument, ProjectConfig } from "../../src/model/index.js";
import { buildScenario, eventElements, formFromScenario, formProblems, fromApiContact, pathOf, sampleContact } from "../../web/src/simulation/scenario.js";

const config = ProjectConfig.parse({
  timezone: "America/Toronto",
  fields: [{ key: "email", type: "email", category: "uniqueKey" }],
  communicationTypes: [{ key: "news", channel: "email" }, { key: "sms", channel: "sms" }],
});
const doc = CampaignDocument.parse({
  id: "c", name: "c",
  elements: [
    { id: "t", type: "trigger.manual", params: {} },
    { id: "a", type: "action.sendEmail", label: "Bienvenue", params: { communicationType: "news", message: { subject: "s", html: "<p>x</p>" } } },
    { id: "k", type: "condition.messageOpened", params: { message: "a" } },
    { id: "ok", type: "end.success", params: {} },
    { id: "ko", type: "end.failure", params: {} },
  ],
  connections: [{ from: "t", exit: "next", to: "a" }, { from: "a", exit: "next", to: "k" }, { from: "k", exit: "true", to: "ok" }, { from: "k", exit: "false", to: "ko" }],
});

describe("the simulation form", () => {
  it("builds a scenario the simulator reads: local times as instants, events in time order, each with what its type needs", () => {
    const ann = sampleContact("ann@example.com", config);
    expect(ann).toEqual({ id: "ann@example.com", fields: { email: "ann@example.com" }, subscriptions: { news: true, sms: true }, groups: [] });
    const s = buildScenario({
      start: "2026-12-01T08:00", until: "2026-12-10T00:00", contacts: [ann],
      events: [
        { at: "2026-12-02T10:00", type: "message.clicked", contact: "ann@example.com", element: "a", value: "https://shop.example/x" },
        { at: "2026-12-01T09:00", type: "campaign.launch", contact: "ann@example.com" },
        { at: "2026-12-03T10:00", type: "contact.unsubscribed", contact: "ann@example.com", value: "news" },
      ],
    });
    expect(s.start).toBe(new Date("2026-12-01T08:00").toISOString());
    expect(s.events).toEqual([
      { at: new Date("2026-12-01T09:00").toISOString(), type: "campaign.launch" },
      { at: new Date("2026-12-02T10:00").toISOString(), type: "message.clicked", contact: "ann@example.com", element: "a", url: "https://shop.example/x" },
      { at: new Date("2026-12-03T10:00").toISOString(), type: "contact.unsubscribed", contact: "ann@example.com", communicationType: "news" },
    ]);
  });

  it("says what an event is missing, per event, in the user's language", () => {
    const contacts = [sampleContact("ann@example.com", config)];
    expect(formProblems([{ at: "2026-12-01T09:00", type: "message.opened", contact: "bob@example.com" }], contacts, "fr"))
      .toEqual(["Événement 1 : choisissez un contact de l'échantillon.", "Événement 1 : choisissez l'élément."]);
    expect(formProblems([{ at: "", type: "test.winner", element: "x" }], contacts, "en")).toEqual(["Event 1: no date.", "Event 1: value missing."]);
    expect(formProblems([{ at: "2026-12-01T09:00", type: "message.opened", contact: "ann@example.com", element: "a" }], contacts, "fr")).toEqual([]);
  });

  it("offers only the elements an event can name, and reads contacts from the API and from a scenario file", () => {
    expect(eventElements(doc, "message.opened")).toEqual([{ id: "a", label: "Bienvenue" }]);
    expect(eventElements(doc, "approval.approved")).toEqual([]);
    expect(fromApiContact({ id: "x", fields: { email: "x" }, subscriptions: { news: { subscribed: false } }, groups: ["vip"] }))
      .toEqual({ id: "x", fields: { email: "x" }, subscriptions: { news: false }, groups: ["vip"] });
    const f = formFromScenario({ start: "2026-12-01T13:00:00Z", contacts: [{ id: "c1", fields: { email: "c1@x" } }, { nope: true }] });
    expect(f.contacts).toEqual([{ id: "c1", fields: { email: "c1@x" }, subscriptions: {}, groups: [] }]);
    expect(f.start).toMatch(/^2026-12-01T\d\d:00$/);
  });

  it("turns a journey's path into the elements and connections to highlight", () => {
    const p = pathOf({ path: [{ element: "t", exit: "next" }, { element: "a", exit: "next" }, { element: "k", exit: "false" }, { element: "ko" }] }, doc);
    expect([...p.elements]).toEqual(["t", "a", "k", "ko"]);
    expect([...p.connections]).toEqual(["t:next", "a:next", "k:false"]);
    expect(pathOf(undefined, doc).elements.size).toBe(0);
  });
});
