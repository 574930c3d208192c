import { afterEach, describe, expect, it } from "vitest";
import { hasErrors, validateCampaign, type CampaignDocumentInput, CampaignDocument } from "../../src/model/index.js";
import { SERVER_STORES, testServer, type TestServer } from "./helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");
const T2 = T0 + 2 * 86_400_000;

/** Welcome email on creation; two days later, those who did not open get a reminder. */
const WELCOME: CampaignDocumentInput = {
  id: "welcome",
  name: "Bienvenue",
  elements: [
    { id: "t1", type: "trigger.contactCreated", params: {} },
    { id: "a1", type: "action.sendEmail", label: "Welcome", params: { communicationType: "newsletter", message: { subject: "Bienvenue {{ contact.firstName }}", html: "<p>Bonjour {{ contact.firstName }}</p>" } } },
    { id: "d1", type: "delay.period", params: { amount: 2, unit: "days" } },
    { id: "k1", type: "condition.messageOpened", params: { message: "a1" } },
    { id: "a2", type: "action.sendEmail", params: { communicationType: "newsletter", message: { subject: "Rappel", html: "<p>Vous avez un message</p>" } } },
    { id: "e1", type: "end.success", params: {} },
    { id: "e2", type: "end.neutral", params: {} },
    { id: "n1", type: "note", params: { text: "Relance des non-ouvreurs" } },
  ],
  connections: [
    { from: "t1", exit: "next", to: "a1" },
    { from: "a1", exit: "next", to: "d1" },
    { from: "d1", exit: "next", to: "k1" },
    { from: "k1", exit: "true", to: "e1" },
    { from: "k1", exit: "false", to: "a2" },
    { from: "a2", exit: "next", to: "e2" },
  ],
};

const PEOPLE = [
  { email: "ann@example.com", firstName: "Ann", newsletter: true },
  { email: "bob@example.com", firstName: "Bob", newsletter: true },
  { email: "cy@example.com", firstName: "Cy", newsletter: false },
  { email: "dee@example.com", firstName: "Dee", newsletter: true },
];

/** A project with an email key, a first name and a newsletter; the campaign active. */
async function setUp(s: TestServer, projectId: string, doc: CampaignDocumentInput = WELCOME) {
  const p = await s.project({ id: projectId });
  const config = await s.ctx.projects.updateConfig(p.id, (c) => ({
    ...c,
    fields: [...c.fields, { key: "firstName", type: "text", category: "general" }],
    communicationTypes: [{ key: "newsletter", channel: "email" }],
  }));
  const campaign = CampaignDocument.parse(doc);
  expect(hasErrors(validateCampaign(campaign, config))).toBe(false);
  await s.ctx.engine.saveCampaign(p.id, campaign);
  await s.ctx.engine.activate(campaign.id);
  return p;
}

/**
 * Four contacts enter at T0: Cy is not subscribed (skipped). Ann opens, Dee clicks and then
 * unsubscribes, Bob's address hard-bounces. Two days later Ann and Dee succeed; Bob and Cy get
 * the reminder skipped (bounced, unsubscribed) and end neutral.
 */
async function run(s: TestServer, projectId: string, until = T2) {
  const { engine } = s.ctx;
  for (const c of PEOPLE) {
    await engine.contactEvent(projectId, {
      type: "contact.created",
      contact: { id: c.email, fields: { email: c.email, firstName: c.firstName }, subscriptions: { newsletter: c.newsletter } },
    });
  }
  await engine.tick();
  s.clock.set(T0 + 3_600_000);
  expect(await engine.messageEvent("welcome", "a1", "ann@example.com", "opened")).toBe(true);
  expect(await engine.messageEvent("welcome", "a1", "dee@example.com", "clicked", { url: "https://example.com/offer" })).toBe(true);
  expect(await engine.messageEvent("welcome", "a1", "dee@example.com", "unsubscribed")).toBe(true);
  expect(await engine.messageEvent("welcome", "a1", "bob@example.com", "bounced", { hard: true })).toBe(true);
  if (until >= T2) {
    s.clock.set(T2);
    await engine.tick();
  }
}

for (const { name } of SERVER_STORES) {
  describe(`reports (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    it("counts contacts per element and exit, waiting contacts and journeys in progress while the campaign runs", async () => {
      s = await testServer(name);
      const p = await setUp(s, "shop");
      await run(s, p.id, T0);
      const r = await s.call("GET", "/api/v1/projects/shop/campaigns/welcome/report", p.auth);
      expect(r.statusCode).toBe(200);
      const body = r.json();
      expect(body.campaign).toEqual({ id: "welcome", name: "Bienvenue", status: "active" });
      expect(body.journeys).toBe(4);
      expect(body.elements.t1).toEqual({ type: "trigger.contactCreated", entered: 4, waiting: 0, exits: { next: 4 } });
      expect(body.elements.a1).toEqual({ type: "action.sendEmail", label: "Welcome", entered: 4, waiting: 0, exits: { next: 4 } });
      expect(body.elements.d1).toEqual({ type: "delay.period", entered: 4, waiting: 4, exits: { next: 0 } });
      expect(body.elements.k1).toEqual({ type: "condition.messageOpened", entered: 0, waiting: 0, exits: { true: 0, false: 0 } });
      expect(body.elements.n1).toBeUndefined();
      expect(body.outcomes.inProgress).toEqual({ count: 4, rate: 1 });
      expect(body.outcomes.success).toEqual({ count: 0, rate: 0 });
      expect(body.successRate).toBe(0);
      expect(body.generatedAt).toBe(T0 + 3_600_000);
    });

    it("gives exact outcomes, send figures, skip reasons and rates once every journey has ended", async () => {
      s = await testServer(name);
      const p = await setUp(s, "shop");
      await run(s, p.id);
      const body = (await s.call("GET", "/api/v1/projects/shop/campaigns/welcome/report", p.auth)).json();
      expect(body.journeys).toBe(4);
      expect(body.outcomes).toEqual({
        success: { count: 2, rate: 0.5 }, failure: { count: 0, rate: 0 }, abandon: { count: 0, rate: 0 },
        neutral: { count: 2, rate: 0.5 }, none: { count: 0, rate: 0 }, inProgress: { count: 0, rate: 0 },
      });
      expect(body.successRate).toBe(0.5);
      expect(body.elements.d1).toEqual({ type: "delay.period", entered: 4, waiting: 0, exits: { next: 4 } });
      expect(body.elements.k1.exits).toEqual({ true: 2, false: 2 });
      expect(body.elements.a2).toEqual({ type: "action.sendEmail", entered: 2, waiting: 0, exits: { next: 2 } });
      expect(body.elements.e1).toEqual({ type: "end.success", entered: 2, waiting: 0, exits: {} });
      expect(body.elements.e2.entered).toBe(2);

      expect(body.sends.a1).toEqual({
        channel: "email", reached: 4, sent: 3, queued: 0, pendingApproval: 0, discarded: 0, failed: 0, skipped: { unsubscribed: 1 },
        delivered: 3, opened: 2, clicked: 1, unsubscribed: 1, complaints: 0, bounces: { hard: 1, soft: 0 },
        rates: { delivery: 1, open: 2 / 3, click: 1 / 3, clickToOpen: 0.5, unsubscribe: 1 / 3, complaint: 0, bounce: 1 / 3, skip: 0.25 },
      });
      expect(body.sends.a2).toEqual({
        channel: "email", reached: 2, sent: 0, queued: 0, pendingApproval: 0, discarded: 0, failed: 0, skipped: { bounced: 1, unsubscribed: 1 },
        delivered: 0, opened: 0, clicked: 0, unsubscribed: 0, complaints: 0, bounces: { hard: 0, soft: 0 },
        rates: { delivery: null, open: null, click: null, clickToOpen: null, unsubscribe: null, complaint: null, bounce: null, skip: 1 },
      });
    });

    it("reports a campaign nobody entered with zero counts and no rates", async () => {
      s = await testServer(name);
      const p = await setUp(s, "shop");
      const body = (await s.call("GET", "/api/v1/projects/shop/campaigns/welcome/report", p.auth)).json();
      expect(body.journeys).toBe(0);
      expect(body.outcomes.success).toEqual({ count: 0, rate: null });
      expect(body.successRate).toBeNull();
      expect(body.sends.a1.reached).toBe(0);
      expect(body.sends.a1.rates.open).toBeNull();
    });

    it("shows a contact's journey as a timeline: steps in order, outcome, and its messages with their events", async () => {
      s = await testServer(name);
      const p = await setUp(s, "shop");
      await run(s, p.id);
      // The key is an email: any case finds the contact, as it was stored lower-cased.
      const r = await s.call("GET", "/api/v1/projects/shop/contacts/Bob@Example.COM/journeys", p.auth);
      expect(r.statusCode).toBe(200);
      const body = r.json();
      expect(body.contact).toEqual({ id: "bob@example.com" });
      expect(body.next).toBeNull();
      expect(body.journeys).toHaveLength(1);
      const j = body.journeys[0];
      expect(j).toMatchObject({
        campaign: { id: "welcome", name: "Bienvenue" }, enteredAt: T0, endedAt: T2, outcome: "neutral", element: null, state: "ended", dueAt: null,
      });
      expect(j.steps).toEqual([
        { element: "t1", exit: "next", at: T0 },
        { element: "a1", exit: "next", at: T0 },
        { element: "d1", exit: "next", at: T2 },
        { element: "k1", exit: "false", at: T2 },
        { element: "a2", exit: "next", at: T2 },
        { element: "e2", exit: null, at: T2 },
      ]);
      expect(j.messages).toHaveLength(2);
      expect(j.messages[0]).toMatchObject({
        element: "a1", channel: "email", status: "sent", subject: "Bienvenue Bob", sentAt: T0, deliveredAt: T0,
        bouncedAt: T0 + 3_600_000, bounceHard: true, openedAt: null, contact: "bob@example.com", campaign: "welcome",
      });
      expect(j.messages[1]).toMatchObject({ element: "a2", status: "skipped", reason: "bounced", sentAt: null });
    });

    it("shows a journey still inside with its current element and when it moves on", async () => {
      s = await testServer(name);
      const p = await setUp(s, "shop");
      await run(s, p.id, T0);
      const j = (await s.call("GET", "/api/v1/projects/shop/contacts/dee@example.com/journeys", p.auth)).json().journeys[0];
      expect(j).toMatchObject({ outcome: "inProgress", element: "d1", state: "waiting", dueAt: T2, endedAt: null });
      expect(j.messages[0]).toMatchObject({ clickedAt: T0 + 3_600_000, unsubscribedAt: T0 + 3_600_000 });
    });

    it("lists a contact's journeys newest first, a page at a time", async () => {
      s = await testServer(name);
      const p = await setUp(s, "shop", {
        ...WELCOME, reentry: "always",
        elements: [...WELCOME.elements, { id: "t2", type: "trigger.contactUpdated", params: { fields: ["firstName"] } }],
        connections: [...WELCOME.connections!, { from: "t2", exit: "next", to: "a1" }],
      });
      await run(s, p.id);
      // Ann changes her first name: she enters again (re-entry always), a second journey of the same campaign.
      await s.ctx.engine.contactEvent(p.id, { type: "contact.updated", contact: "ann@example.com", fields: { firstName: "Annie" } });
      const first = (await s.call("GET", "/api/v1/projects/shop/contacts/ann@example.com/journeys?limit=1", p.auth)).json();
      expect(first.journeys).toHaveLength(1);
      expect(first.journeys[0]).toMatchObject({ outcome: "inProgress", element: "t2", state: "ready", steps: [], messages: [] });
      expect(first.next).not.toBeNull();
      const second = (await s.call("GET", `/api/v1/projects/shop/contacts/ann@example.com/journeys?limit=1&cursor=${first.next}`, p.auth)).json();
      expect(second.journeys).toHaveLength(1);
      expect(second.journeys[0].id).toBeLessThan(first.journeys[0].id);
      expect(second.journeys[0].outcome).toBe("success");
      expect(second.next).toBeNull();
    });

    it("answers 404 for an unknown contact, and for a value the unique key cannot hold", async () => {
      s = await testServer(name);
      const p = await setUp(s, "shop");
      const unknown = await s.call("GET", "/api/v1/projects/shop/contacts/zed@example.com/journeys", p.auth);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().detail).toBe("contact zed@example.com not found");
      expect((await s.call("GET", "/api/v1/projects/shop/contacts/not-an-email/journeys", p.auth)).statusCode).toBe(404);
    });

    it("shows the outbox newest first with each email as it was rendered", async () => {
      s = await testServer(name);
      const p = await setUp(s, "shop");
      await run(s, p.id);
      const r = await s.call("GET", "/api/v1/projects/shop/outbox", p.auth);
      expect(r.statusCode).toBe(200);
      const { messages, next } = r.json();
      expect(next).toBeNull();
      expect(messages).toHaveLength(6);
      const ids = messages.map((m: { id: number }) => m.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      const ann = messages.find((m: { contact: string }) => m.contact === "ann@example.com");
      expect(ann).toMatchObject({
        campaign: "welcome", element: "a1", channel: "email", communicationType: "newsletter", status: "sent", reason: null,
        createdAt: T0, sentAt: T0, openedAt: T0 + 3_600_000,
        // The rendered HTML ends with the open pixel (docs/email-content.md); the text part is generated from it.
        payload: { to: "ann@example.com", subject: "Bienvenue Ann", html: expect.stringMatching(/^<p>Bonjour Ann<\/p><img src="[^"]+\/t\/o\/[^"]+\.gif"/), text: "Bonjour Ann" },
      });
      const cy = messages.filter((m: { contact: string }) => m.contact === "cy@example.com");
      expect(cy.map((m: { status: string; reason: string; payload: unknown }) => [m.status, m.reason, m.payload]))
        .toEqual([["skipped", "unsubscribed", {}], ["skipped", "unsubscribed", {}]]);
    });

    it("filters the outbox by campaign, contact, channel and status, and pages it by cursor", async () => {
      s = await testServer(name);
      const p = await setUp(s, "shop");
      await run(s, p.id);
      const get = async (q: string) => (await s.call("GET", `/api/v1/projects/shop/outbox?${q}`, p.auth)).json();
      const mine = await get("contact=ANN@example.com");
      expect(mine.messages.map((m: { contact: string; element: string }) => [m.contact, m.element])).toEqual([["ann@example.com", "a1"]]);
      expect((await get("status=sent")).messages).toHaveLength(3);
      expect((await get("status=skipped&campaign=welcome&channel=email")).messages).toHaveLength(3);
      expect((await get("channel=sms")).messages).toEqual([]);
      expect((await get("campaign=other")).messages).toEqual([]);
      expect((await get("contact=nobody@example.com")).messages).toEqual([]);

      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { messages: { id: number }[]; next: string | null } = await get(`limit=4${cursor ? `&cursor=${cursor}` : ""}`);
        seen.push(...page.messages.map((m) => m.id));
        cursor = page.next;
        pages++;
      } while (cursor);
      expect(pages).toBe(2);
      expect(seen).toEqual((await get("")).messages.map((m: { id: number }) => m.id));
    });

    it("refuses a bad outbox query with the place of the problem", async () => {
      s = await testServer(name);
      const p = await setUp(s, "shop");
      const badContact = await s.call("GET", "/api/v1/projects/shop/outbox?contact=not-an-email", p.auth);
      expect(badContact.statusCode).toBe(400);
      expect(badContact.json().errors[0].path).toBe("querystring.contact");
      expect(badContact.json().detail).toContain("not an email address");
      const badCursor = await s.call("GET", "/api/v1/projects/shop/outbox?cursor=abc", p.auth);
      expect(badCursor.statusCode).toBe(400);
      expect(badCursor.json().errors[0].path).toBe("querystring.cursor");
      const unknown = await s.call("GET", "/api/v1/projects/shop/outbox?colour=blue", p.auth);
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().detail).toContain("colour");
      expect((await s.call("GET", "/api/v1/projects/shop/outbox?channel=fax", p.auth)).statusCode).toBe(400);
    });

    it("keeps reports, timelines and the outbox to their project", async () => {
      s = await testServer(name);
      const a = await setUp(s, "shop");
      await run(s, a.id);
      const b = await s.project({ id: "other" });
      for (const url of ["/campaigns/welcome/report", "/contacts/ann@example.com/journeys", "/outbox"]) {
        const res = await s.call("GET", `/api/v1/projects/shop${url}`, b.auth);
        expect(res.statusCode, url).toBe(404);
        expect(res.json().detail, url).toBe("project not found");
      }
      // Through its own project, B's key learns nothing about A's campaign, contacts or messages.
      const report = await s.call("GET", "/api/v1/projects/other/campaigns/welcome/report", b.auth);
      expect(report.statusCode).toBe(404);
      expect(report.json().detail).toBe("campaign welcome not found");
      expect((await s.call("GET", "/api/v1/projects/other/campaigns/nope/report", b.auth)).json().detail).toBe("campaign nope not found");
      expect((await s.call("GET", "/api/v1/projects/other/contacts/ann@example.com/journeys", b.auth)).statusCode).toBe(404);
      expect((await s.call("GET", "/api/v1/projects/other/outbox", b.auth)).json().messages).toEqual([]);
      expect((await s.call("GET", "/api/v1/projects/other/outbox?campaign=welcome", b.auth)).json().messages).toEqual([]);
    });
  });
}
