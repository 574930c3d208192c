import { UnknownContactError } from "../engine/engine.js";
import type { ServerContext } from "../server/context.js";
import { Carts, normalizeItems, type CartItemIn, type OrderView } from "./carts.js";
import { Catalog } from "./catalog.js";

/** A cart line of a shop event; name/url/image/category are shown only for a SKU the catalog does not hold. */
export type ShopItem = { sku: string; quantity: number; price?: number; name?: string; url?: string; image?: string; category?: string };

/** A shop event of an identified contact, from the site tracker or the API. */
export type ShopEvent =
  | { type: "product_view"; sku: string; category?: string }
  | { type: "cart_update"; items: ShopItem[] }
  | { type: "purchase"; orderId?: string; total?: number; items?: ShopItem[] };

/** What a shop event did: the order a purchase recorded; nothing when the e-commerce module is off. */
export type ShopEventResult = { applied: false } | { applied: true; order?: OrderView };

/**
 * Records a shop event for a contact and hands it to the engine (trigger.productViewed,
 * trigger.cartAbandoned's durable timer). The single entry point the site tracker's ingest and the
 * commerce API both use.
 *
 * The cart, the order and the engine event are written in ONE store transaction (the caller's
 * when it has one): a cart is never stored without its abandonment timer being armed, reset or
 * cancelled. With the project's e-commerce module off, nothing is stored or fired. SKUs are
 * checked leniently: an unknown SKU is kept with the data given; lines without a usable SKU or
 * with a quantity that is not positive are dropped; lines of the same SKU are merged.
 * Throws `UnknownContactError` for a contact the project does not have.
 */
export async function recordShopEvent(ctx: Pick<ServerContext, "engine">, projectId: string, contactId: string, ev: ShopEvent, at: number): Promise<void> {
  await applyShopEvent(ctx, projectId, contactId, ev, at);
}

/** `recordShopEvent`, telling what it did (the API shows the order). */
export async function applyShopEvent(ctx: Pick<ServerContext, "engine">, projectId: string, contactId: string, ev: ShopEvent, at: number): Promise<ShopEventResult> {
  const { engine } = ctx;
  const store = engine.store;
  return store.transaction(async () => {
    const config = await store.getProject(projectId);
    if (config?.modules.ecommerce !== true) return { applied: false } as const;
    const contact = await store.findContact(projectId, contactId);
    if (!contact) throw new UnknownContactError(contactId);
    const carts = new Carts(store);
    switch (ev.type) {
      case "product_view": {
        // The catalog's category when the event names none, so category filters work for views sent with a SKU only.
        const category = ev.category ?? (await new Catalog(store).get(projectId, ev.sku))?.category ?? undefined;
        await engine.contactEvent(projectId, { type: "product.viewed", contact: contact.id, sku: ev.sku, ...(category ? { category } : {}) }, at);
        return { applied: true } as const;
      }
      case "cart_update": {
        const items = normalizeItems(ev.items);
        await carts.replace(projectId, contact.pk, items, at);
        await engine.contactEvent(projectId, { type: "cart.updated", contact: contact.id, items }, at);
        return { applied: true } as const;
      }
      case "purchase": {
        const items: CartItemIn[] | undefined = ev.items === undefined ? undefined : normalizeItems(ev.items);
        const order = await carts.purchase(projectId, contact.pk, { orderId: ev.orderId, total: ev.total, items }, at);
        // A retried purchase (same order id) changes nothing, not even the timers.
        if (order.recorded) await engine.contactEvent(projectId, { type: "cart.purchased", contact: contact.id }, at);
        return { applied: true, order } as const;
      }
    }
  });
}
