import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LinkSigner } from "../../src/channels/links.js";
import { CampaignDocument } from "../../src/model/index.js";
import { BASE_URL, SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const SECRET = "a shared webhook secret";
const links = new LinkSigner(Buffer.alloc(32, 7), BASE_URL); // the test servers' key

const campaign = CampaignDocument.parse({
  id: "news", name: "News",
  elements: [
    { id: "t1", type: "trigger.contactCreated", params: {} },
    { id: "a1", type: "action.sendEmail", params: { communicationType: "news", message: { subject: "Nouvelles", html: "<p>Bonjour</p>" } } },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
});

for (const { name } of SERVER_STORES) {
  describe(`email provider webhook (${name})`, () => {
    let s: TestServer;
    beforeAll(() => {
      process.env.RELAIS_WEBHOOK_SECRET = SECRET;
    });
    afterAll(() => {
      delete process.env.RELAIS_WEBHOOK_SECRET;
    });
    afterEach(async () => s?.close());

    async function setUp() {
      s = await testServer(name);
      const p = await s.project({ id: "shop" });
      await s.ctx.projects.updateConfig(p.id, (c) => ({ ...c, communicationTypes: [{ key: "news", channel: "email" }] }));
      await s.ctx.engine.saveCampaign(p.id, campaign);
      await s.ctx.engine.activate("news");
      for (const email of ["ann@example.com", "bob@example.com", "cy@example.com"]) {
        expect((await s.call("POST", `/api/v1/projects/${p.id}/contacts`, p.auth, { fields: { email }, subscriptions: { news: true } })).statusCode).toBe(201);
      }
      await s.ctx.engine.tick();
      s.clock.set(s.clock.now() + 3_600_000);
      const messages = async () => new Map((await s.store.campaignMessages("news")).map((m) => [m.contactId, m]));
      const idOf = async (contact: string) => {
        const m = (await messages()).get(contact)!;
        return links.messageId({ journey: m.journey, element: m.element, hop: m.hop }, "shop.example");
      };
      return { p, messages, idOf };
    }

    const post = (body: unknown, signature?: string) => {
      const raw = JSON.stringify(body);
      const sig = signature ?? `sha256=${createHmac("sha256", SECRET).update(raw).digest("hex")}`;
      return s.app.inject({ method: "POST", url: "/api/v1/webhooks/email", headers: { "content-type": "application/json", "x-relais-signature": sig }, payload: raw });
    };

    it("applies signed events by Message-ID in one call, and counts what it could not match", async () => {
      const { p, messages, idOf } = await setUp();
      const res = await post({ events: [
        { type: "delivered", messageId: await idOf("ann@example.com") },
        { type: "clicked", messageId: await idOf("ann@example.com"), url: "https://shop.example/promo" },
        { type: "bounced", hard: true, messageId: await idOf("bob@example.com") },
        { type: "unsubscribed", messageId: await idOf("cy@example.com") },
        { type: "delivered", messageId: "<someone-else@provider.example>" },
      ] });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ applied: 4, unmatched: 1 });
      const m = await messages();
      const at = s.clock.now();
      // The capture outbox delivered it at sending: the first delivery stays, events count once.
      expect(m.get("ann@example.com")).toMatchObject({ deliveredAt: at - 3_600_000, clickedAt: at, openedAt: at });
      expect(m.get("bob@example.com")).toMatchObject({ bounceHard: true, bouncedAt: at });
      expect(await s.store.bouncedAmong(p.id, ["bob@example.com"])).toEqual(new Set(["bob@example.com"]));
      const cy = (await s.call("GET", `/api/v1/projects/${p.id}/contacts/cy@example.com`, p.auth)).json();
      expect(cy.subscriptions.news).toMatchObject({ subscribed: false, source: "webhook" });
    });

    it("refuses a missing or wrong signature with 401 and records nothing; malformed events are 400", async () => {
      const { messages, idOf } = await setUp();
      const body = { events: [{ type: "bounced", hard: true, messageId: await idOf("ann@example.com") }] };
      for (const sig of ["", "sha256=" + "0".repeat(64), `sha256=${createHmac("sha256", "another secret").update(JSON.stringify(body)).digest("hex")}`]) {
        const res = await post(body, sig);
        expect(res.statusCode).toBe(401);
        expect(res.json().code).toBe("bad_signature");
      }
      expect((await messages()).get("ann@example.com")!.bouncedAt).toBeNull();
      const bad = await post({ events: [{ type: "exploded", messageId: "x" }] });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().code).toBe("invalid_input");
    });

    it("does not exist while no secret is configured", async () => {
      await setUp();
      delete process.env.RELAIS_WEBHOOK_SECRET;
      try {
        expect((await post({ events: [{ type: "delivered", messageId: "<m.x@y>" }] })).statusCode).toBe(404);
      } finally {
        process.env.RELAIS_WEBHOOK_SECRET = SECRET;
      }
    });
  });
}
