import { afterEach, describe, expect, it } from "vitest";
import { CampaignDocument } from "../../src/model/index.js";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const doc = (html: string, id = "c-send") => CampaignDocument.parse({
  id, name: "Envoi",
  elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "a1", type: "action.sendEmail", params: { communicationType: "newsletter", message: { subject: "Bonjour {{ contact.firstName }}", html } } },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
});

for (const { name } of SERVER_STORES) {
  describe(`emails rendered at send time (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    async function setUp() {
      const p = await s.project({ id: "shop", defaultSender: { name: "Boutique", email: "bonjour@shop.example", replyTo: "aide@shop.example" } });
      await s.ctx.projects.updateConfig(p.id, (c) => ({
        ...c,
        fields: [...c.fields, { key: "firstName", type: "text", category: "general" }, { key: "n", type: "number", category: "general" }],
        communicationTypes: [{ key: "newsletter", channel: "email" }],
      }));
      for (const [who, n] of [["ann", 2], ["bob", 1e9]] as const) {
        await s.ctx.engine.contactEvent(p.id, {
          type: "contact.created",
          contact: { id: `${who}@example.com`, fields: { email: `${who}@example.com`, firstName: who, n }, subscriptions: { newsletter: true } },
        });
      }
      return p;
    }

    it("renders each contact's email into the outbox, and skips only the contact whose data breaks the template", async () => {
      s = await testServer(name);
      const p = await setUp();
      await s.ctx.engine.saveCampaign(p.id, doc('<p>{% for i in (1..contact.n) %}*{% endfor %}</p><a href="https://shop.example/">Boutique</a>'));
      await s.ctx.engine.activate("c-send");
      await s.ctx.engine.launch("c-send");
      await s.ctx.engine.tick();
      const [ann, bob] = await s.store.campaignMessages("c-send");
      expect(ann).toMatchObject({ contactId: "ann@example.com", status: "sent" });
      expect(ann.payload).toMatchObject({
        to: "ann@example.com", subject: "Bonjour ann", text: "**\n\nBoutique [https://shop.example/]",
        from: '"Boutique" <bonjour@shop.example>', replyTo: "aide@shop.example",
      });
      expect(ann.payload.html).toMatch(/^<p>\*\*<\/p><a href="http:\/\/relais\.test\/t\/c\/[^"]+\?u=https%3A%2F%2Fshop\.example%2F">Boutique<\/a><img src="[^"]+\/t\/o\/[^"]+\.gif"/);
      expect(ann.payload).not.toHaveProperty("mjml");
      expect(bob).toMatchObject({ contactId: "bob@example.com", status: "skipped", reason: "templateError" });
      expect(String(bob.payload.error)).toContain("memory alloc limit exceeded");
      // Both journeys go on: a send that cannot be rendered is skipped, never a crashed batch.
      expect((await s.store.journeys("c-send")).map((j) => j.outcome)).toEqual(["success", "success"]);
    });

    it("shows the promo block only to the contact who got a code, through a real grant", async () => {
      s = await testServer(name);
      const p = await setUp();
      await s.ctx.projects.updateConfig(p.id, (c) => ({ ...c, promoBanks: [{ key: "WINTER", codes: [] }] }));
      await s.store.transaction(() => s.store.addPromoCodes(p.id, "WINTER", ["HIVER-1"]));
      const promo = CampaignDocument.parse({
        id: "c-promo", name: "Promo",
        elements: [
          { id: "t1", type: "trigger.manual", params: {} },
          { id: "g1", type: "action.grantPromoCode", params: { bank: "WINTER" } },
          { id: "a1", type: "action.sendEmail", params: { communicationType: "newsletter", message: {
            subject: "{% if promo.code %}Votre code {{ promo.code }}{% else %}Nos offres{% endif %}",
            html: "<p>Bonjour</p>{% promo %}<p>Code : <b>{{ promo.code }}</b></p>{% else %}<p>Revenez bientôt</p>{% endpromo %}",
          } } },
          { id: "e1", type: "end.success", params: {} },
        ],
        connections: [{ from: "t1", exit: "next", to: "g1" }, { from: "g1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
      });
      await s.ctx.engine.saveCampaign(p.id, promo);
      await s.ctx.engine.activate("c-promo");
      await s.ctx.engine.launch("c-promo");
      await s.ctx.engine.tick();
      const [ann, bob] = await s.store.campaignMessages("c-promo");
      expect([ann.payload.subject, ann.payload.text]).toEqual(["Votre code HIVER-1", "Bonjour\n\nCode : HIVER-1"]);
      expect(ann.payload.html).toContain("<p>Code : <b>HIVER-1</b></p>");
      expect([bob.payload.subject, bob.payload.text]).toEqual(["Nos offres", "Bonjour\n\nRevenez bientôt"]);
      expect(bob.payload.html).not.toContain("Code :");
    });

    it("skips every send of a template that no longer compiles instead of crashing", async () => {
      s = await testServer(name);
      const p = await setUp();
      // Saved directly (no validation): as a campaign activated before templates were checked would be.
      await s.ctx.engine.saveCampaign(p.id, doc("<p>{% if contact.firstName %}</p>", "c-broken"));
      await s.ctx.engine.activate("c-broken");
      await s.ctx.engine.launch("c-broken");
      await s.ctx.engine.tick();
      const messages = await s.store.campaignMessages("c-broken");
      expect(messages.map((m) => [m.status, m.reason])).toEqual([["skipped", "templateError"], ["skipped", "templateError"]]);
      expect(String(messages[0].payload.error)).toMatch(/html line 1: tag \{% if contact\.firstName %\} not closed/);
      expect((await s.store.journeys("c-broken")).map((j) => j.outcome)).toEqual(["success", "success"]);
    });
  });
}
