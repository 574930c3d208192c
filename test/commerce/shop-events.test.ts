import { afterEach, describe, expect, it } from "vitest";
import { Carts } from "../../src/commerce/carts.js";
import { recordShopEvent } from "../../src/commerce/shop-events.js";
import { UnknownContactError } from "../../src/engine/engine.js";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");

for (const { name } of SERVER_STORES) {
  describe(`recordShopEvent, the site tracker's entry point (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    async function setUp(ecommerce: boolean) {
      s = await testServer(name);
      const p = await s.project({ id: "shop", modules: { ecommerce } });
      await s.ctx.engine.contactEvent(p.id, { type: "contact.created", contact: { id: "ann@example.com", fields: { email: "ann@example.com" } } });
      const pk = (await s.store.findContact(p.id, "ann@example.com"))!.pk;
      return { id: p.id, pk, carts: new Carts(s.store) };
    }

    it("stores the cart leniently: unknown SKUs kept, lines of one SKU merged, unusable lines dropped", async () => {
      const p = await setUp(true);
      await recordShopEvent(s.ctx, p.id, "ann@example.com", {
        type: "cart_update",
        items: [
          { sku: "NEW-1", quantity: 1, price: 12.5, name: "Nouveauté" },
          { sku: " NEW-1 ", quantity: 2 },
          { sku: "", quantity: 1 },
          { sku: "X-0", quantity: 0 },
          { sku: "X-NaN", quantity: Number.NaN },
          { sku: "BAD-PRICE", quantity: 1, price: -4 },
        ],
      }, T0);
      const cart = await p.carts.view(p.id, p.pk);
      expect(cart.items.map((i) => [i.sku, i.quantity, i.price, i.name, i.inCatalog])).toEqual([
        ["NEW-1", 3, 12.5, "Nouveauté", false],
        ["BAD-PRICE", 1, null, null, false],
      ]);
      expect(cart.total).toBe(37.5);
      expect(cart.updatedAt).toBe(T0);
    });

    it("a purchase without items takes the cart's, records the order and empties the cart", async () => {
      const p = await setUp(true);
      await recordShopEvent(s.ctx, p.id, "ann@example.com", { type: "cart_update", items: [{ sku: "A", quantity: 2, price: 3 }] }, T0);
      await recordShopEvent(s.ctx, p.id, "ann@example.com", { type: "purchase" }, T0 + 1000);
      const orders = await s.store.execute("SELECT order_id, items, total, purchased_at FROM orders WHERE project_id = 'shop'", []);
      expect(orders.map((o) => [JSON.parse(String(o.items)), Number(o.total), Number(o.purchased_at)])).toEqual([[[{ sku: "A", quantity: 2, price: 3 }], 6, T0 + 1000]]);
      expect(String(orders[0].order_id)).toMatch(/^ord-[0-9a-f]{16}$/);
      expect(await p.carts.view(p.id, p.pk)).toMatchObject({ items: [], total: 0, purchasedAt: T0 + 1000 });
    });

    it("does nothing while the e-commerce module is off, and names an unknown contact", async () => {
      const p = await setUp(false);
      await recordShopEvent(s.ctx, p.id, "ann@example.com", { type: "cart_update", items: [{ sku: "A", quantity: 1 }] }, T0);
      expect((await p.carts.view(p.id, p.pk)).updatedAt).toBeNull();
      await s.ctx.projects.updateConfig(p.id, (c) => ({ ...c, modules: { ecommerce: true } }));
      await expect(recordShopEvent(s.ctx, p.id, "zoe@example.com", { type: "product_view", sku: "A" }, T0)).rejects.toBeInstanceOf(UnknownContactError);
    });
  });
}
