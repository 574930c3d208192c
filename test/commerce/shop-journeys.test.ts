import { afterEach, describe, expect, it } from "vitest";
import { CaptureTransport } from "../../src/channels/capture-transport.js";
import { Engine } from "../../src/engine/engine.js";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");
const MIN = 60_000;

const CART_EMAIL = {
  subject: "{{ contact.firstName }}, votre panier vous attend",
  html: "<body><h1>Votre panier</h1>{% for item in cart.items %}<p class=\"line\">{{ item.name }} × {{ item.quantity }} — {{ item.priceText }} {{ item.currency }}"
    + " <a href=\"{{ item.url }}\">voir</a></p>{% endfor %}<p>Total : {{ cart.totalText }} {{ cart.currency }}</p><p>Mis à jour le {{ cart.updatedAt | date: '%Y-%m-%d' }}</p></body>",
};

const ABANDONED = {
  name: "Panier abandonné",
  reentry: "afterExit",
  elements: [
    { id: "t1", type: "trigger.cartAbandoned", params: { after: { amount: 30, unit: "minutes" } } },
    { id: "a1", type: "action.sendEmail", params: { communicationType: "shop", message: CART_EMAIL } },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
};

const viewed = (params: Record<string, unknown>) => ({
  name: `Produits consultés ${JSON.stringify(params)}`,
  reentry: "always",
  elements: [
    { id: "t1", type: "trigger.productViewed", params },
    { id: "a1", type: "action.sendEmail", params: { communicationType: "shop", message: { subject: "Vous aimez nos produits", html: "<p>Bonjour {{ contact.firstName }}</p>" } } },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
});

for (const { name } of SERVER_STORES) {
  describe(`shop events and their campaigns (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    async function setUp() {
      s = await testServer(name);
      const p = await s.project({ id: "shop", modules: { ecommerce: true }, defaultSender: { name: "Boutique", email: "bonjour@shop.example" } });
      await s.ctx.projects.updateConfig(p.id, (c) => ({
        ...c,
        fields: [...c.fields, { key: "firstName", type: "text", category: "general" }],
        communicationTypes: [{ key: "shop", channel: "email" }],
      }));
      for (const who of ["ann", "bob", "cam"]) {
        await s.ctx.engine.contactEvent(p.id, {
          type: "contact.created",
          contact: { id: `${who}@example.com`, fields: { email: `${who}@example.com`, firstName: who[0].toUpperCase() + who.slice(1) }, subscriptions: { shop: true } },
        });
      }
      const url = `/api/v1/projects/${p.id}`;
      const call = (method: string, path: string, body?: unknown) => s.call(method, `${url}${path}`, p.auth, body);
      await call("PUT", "/products/SH-01", { name: "Espadrilles d'été", price: 59.9, currency: "CAD", category: "shoes", url: "https://shop.example/sh-01" });
      await call("PUT", "/products/HT-01", { name: "Chapeau de paille", price: 25, currency: "CAD", category: "hats", url: "https://shop.example/ht-01" });
      const campaign = async (document: unknown) => {
        const id = (await call("POST", "/campaigns", { document })).json().id as string;
        const act = await call("POST", `/campaigns/${id}/activate`);
        expect(act.statusCode, act.body).toBe(200);
        return id;
      };
      const at = async (t: number) => {
        s.clock.set(t);
        await s.ctx.engine.tick();
      };
      const sent = async (id: string) => (await s.store.campaignMessages(id)).map((m) => ({ to: m.contactId, status: m.status, payload: m.payload as Record<string, string> }));
      return { ...p, url, call, campaign, at, sent };
    }

    it("sends the abandoned-cart email after the delay, showing the cart's products, names and prices", async () => {
      const p = await setUp();
      const id = await p.campaign(ABANDONED);
      const put = await p.call("PUT", "/contacts/ann@example.com/cart", {
        items: [{ sku: "SH-01", quantity: 2 }, { sku: "HT-01", quantity: 1, price: 19.5 }, { sku: "GIFT-9", quantity: 1, price: 5, name: "Carte-cadeau" }],
      });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toMatchObject({
        total: 144.3, currency: null, updatedAt: T0, purchasedAt: null,
        items: [
          { sku: "SH-01", quantity: 2, price: 59.9, lineTotal: 119.8, name: "Espadrilles d'été", category: "shoes", inCatalog: true },
          { sku: "HT-01", quantity: 1, price: 19.5, name: "Chapeau de paille", inCatalog: true },
          { sku: "GIFT-9", quantity: 1, price: 5, name: "Carte-cadeau", inCatalog: false },
        ],
      });
      expect((await p.call("GET", "/contacts/ann@example.com/cart")).json().total).toBe(144.3);

      await p.at(T0 + 29 * MIN);
      expect(await p.sent(id)).toEqual([]);
      await p.at(T0 + 31 * MIN);
      const [mail, ...more] = await p.sent(id);
      expect(more).toEqual([]);
      expect(mail.to).toBe("ann@example.com");
      expect(mail.status).toBe("sent");
      expect(mail.payload.subject).toBe("Ann, votre panier vous attend");
      expect(mail.payload.html).toContain("Espadrilles d&#39;été × 2 — 59.90 CAD");
      expect(mail.payload.html).toContain("Chapeau de paille × 1 — 19.50 CAD");
      expect(mail.payload.html).toContain("Carte-cadeau × 1 — 5.00 ");
      expect(mail.payload.html).toContain("Total : 144.30");
      expect(mail.payload.html).toContain("Mis à jour le 2026-12-01");
      // The product links are tracked like any other link.
      expect(mail.payload.html).not.toContain('href="https://shop.example/sh-01"');
    });

    it("cancels the abandonment when the contact buys before the delay, and records the order", async () => {
      const p = await setUp();
      const id = await p.campaign(ABANDONED);
      await p.call("PUT", "/contacts/bob@example.com/cart", { items: [{ sku: "SH-01", quantity: 1 }] });
      await p.at(T0 + 10 * MIN);
      const bought = await p.call("POST", "/contacts/bob@example.com/purchases", { orderId: "A-1001" });
      expect(bought.statusCode, bought.body).toBe(201);
      expect(bought.json()).toMatchObject({ orderId: "A-1001", total: 59.9, recorded: true, items: [{ sku: "SH-01", quantity: 1, name: "Espadrilles d'été" }] });
      // The same order again (a retried call) changes nothing.
      const again = await p.call("POST", "/contacts/bob@example.com/purchases", { orderId: "A-1001" });
      expect(again.statusCode).toBe(200);
      expect(again.json().recorded).toBe(false);
      expect((await p.call("GET", "/contacts/bob@example.com/cart")).json()).toMatchObject({ items: [], total: 0, purchasedAt: T0 + 10 * MIN });
      await p.at(T0 + 3 * 60 * MIN);
      expect(await p.sent(id)).toEqual([]);
    });

    it("restarts the delay at every cart change, and an emptied cart is never abandoned", async () => {
      const p = await setUp();
      const id = await p.campaign(ABANDONED);
      await p.call("PUT", "/contacts/cam@example.com/cart", { items: [{ sku: "SH-01", quantity: 1 }] });
      await p.call("PUT", "/contacts/ann@example.com/cart", { items: [{ sku: "HT-01", quantity: 1 }] });
      await p.at(T0 + 20 * MIN);
      await p.call("PUT", "/contacts/cam@example.com/cart", { items: [{ sku: "SH-01", quantity: 1 }, { sku: "HT-01", quantity: 3 }] });
      await p.call("PUT", "/contacts/ann@example.com/cart", { items: [] });
      await p.at(T0 + 35 * MIN);
      expect(await p.sent(id)).toEqual([]);
      await p.at(T0 + 51 * MIN);
      const mails = await p.sent(id);
      expect(mails.map((m) => m.to)).toEqual(["cam@example.com"]);
      expect(mails[0].payload.html).toContain("Chapeau de paille × 3 — 25.00 CAD");
      expect(mails[0].payload.html).toContain("Total : 134.90 CAD");
      await p.at(T0 + 5 * 60 * MIN);
      expect((await p.sent(id)).length).toBe(1);
    });

    it("keeps the abandonment timer across a restart: a new engine on the same store sends the email", async () => {
      const p = await setUp();
      const id = await p.campaign(ABANDONED);
      await p.call("PUT", "/contacts/ann@example.com/cart", { items: [{ sku: "HT-01", quantity: 2 }] });
      // Another process (a fresh worker after a crash) with nothing in memory.
      const worker = new Engine({ store: s.store, clock: s.clock, transport: new CaptureTransport(true) });
      s.clock.set(T0 + 31 * MIN);
      await worker.tick();
      const mails = await p.sent(id);
      expect(mails.map((m) => m.to)).toEqual(["ann@example.com"]);
      expect(mails[0].payload.html).toContain("Chapeau de paille × 2 — 25.00 CAD");
      expect(mails[0].payload.html).toContain("Total : 50.00 CAD");
    });

    it("enters a contact who views a matching product (SKU or category filters), and only then", async () => {
      const p = await setUp();
      const shoes = await p.campaign(viewed({ categories: ["shoes"] }));
      const hat = await p.campaign(viewed({ skus: ["HT-01"] }));
      const any = await p.campaign(viewed({}));
      // The category comes from the catalog when the view names none.
      expect((await p.call("POST", "/contacts/ann@example.com/product-views", { sku: "SH-01" })).statusCode).toBe(200);
      await p.call("POST", "/contacts/bob@example.com/product-views", { sku: "HT-01" });
      // A SKU the catalog does not hold still counts, with the category given.
      await p.call("POST", "/contacts/cam@example.com/product-views", { sku: "NEW-1", category: "shoes" });
      await p.at(T0 + MIN);
      const to = async (id: string) => (await p.sent(id)).map((m) => m.to).sort();
      expect(await to(shoes)).toEqual(["ann@example.com", "cam@example.com"]);
      expect(await to(hat)).toEqual(["bob@example.com"]);
      expect(await to(any)).toEqual(["ann@example.com", "bob@example.com", "cam@example.com"]);
      const unknown = await p.call("POST", "/contacts/nobody@example.com/product-views", { sku: "SH-01" });
      expect(unknown.statusCode).toBe(404);
    });

    it("shows the chosen contact's cart in the email preview", async () => {
      const p = await setUp();
      await p.call("PUT", "/contacts/ann@example.com/cart", { items: [{ sku: "SH-01", quantity: 1 }] });
      const res = await p.call("POST", "/email-preview", { contact: "ann@example.com", message: CART_EMAIL });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().html).toContain("Espadrilles d&#39;été × 1 — 59.90 CAD");
    });
  });
}
