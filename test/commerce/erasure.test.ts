import { afterEach, describe, expect, it } from "vitest";
import { recordShopEvent } from "../../src/commerce/shop-events.js";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");

for (const { name } of SERVER_STORES) {
  describe(`erasing a shopper (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    it("removes the contact's cart, browsing history and visitor links; orders stay, tied to no one", async () => {
      s = await testServer(name);
      const p = await s.project({ modules: { ecommerce: true, siteTracking: true } });
      const sql = (q: string) => (name === "postgres" ? q.replace(/\?/g, (_m, i: number) => `$${q.slice(0, i).split("?").length}`) : q);
      for (const id of ["ann@example.com", "bob@example.com"]) {
        await s.ctx.engine.contactEvent(p.id, { type: "contact.created", contact: { id, fields: { email: id } } });
        const pk = (await s.store.findContact(p.id, id))!.pk;
        await recordShopEvent(s.ctx, p.id, id, { type: "cart_update", items: [{ sku: "A", quantity: 1, price: 5 }] }, T0);
        await recordShopEvent(s.ctx, p.id, id, { type: "purchase", orderId: `o-${pk}` }, T0 + 1);
        await recordShopEvent(s.ctx, p.id, id, { type: "cart_update", items: [{ sku: "B", quantity: 2, price: 7 }] }, T0 + 2);
        await s.store.execute(sql("INSERT INTO site_visitors (project_id, visitor_id, contact_pk, first_seen, last_seen, identified_at) VALUES (?, ?, ?, ?, ?, ?)"), [p.id, `v-${pk}`, pk, T0, T0, T0]);
        await s.store.execute(sql("INSERT INTO site_events (project_id, visitor_id, contact_pk, type, data, at) VALUES (?, ?, ?, ?, ?, ?)"), [p.id, `v-${pk}`, pk, "page_view", JSON.stringify({ url: "https://shop.example/secret" }), T0]);
      }
      const ann = (await s.store.findContact(p.id, "ann@example.com"))!.pk;
      const bob = (await s.store.findContact(p.id, "bob@example.com"))!.pk;
      const count = async (table: string, pk: number) => Number((await s.store.execute(sql(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ? AND contact_pk = ?`), [p.id, pk]))[0].n);

      const erased = await s.call("DELETE", `/api/v1/projects/${p.id}/contacts/ann@example.com`, p.auth);
      expect(erased.statusCode, erased.body).toBeLessThan(300);
      for (const table of ["carts", "site_events", "site_visitors"]) expect(await count(table, ann), table).toBe(0);
      expect(await count("orders", ann)).toBe(1);
      // Bob's data is untouched.
      for (const table of ["carts", "site_events", "site_visitors", "orders"]) expect(await count(table, bob), table).toBe(1);
    });
  });
}
