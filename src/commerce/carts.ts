import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Store } from "../store/store.js";
import { Catalog, Sku, type Product } from "./catalog.js";
import { commerceDb, num, numOrNull, type CommerceDb } from "./commerce-db.js";

const HTTP_URL = /^https?:\/\/\S+$/i;

/** A cart line as a shop sends it. For a SKU the catalog does not hold, the given name/url/image/category are shown. */
export const CartItemIn = z.strictObject({
  sku: Sku,
  quantity: z.number().int().min(1).max(1_000_000),
  price: z.number().finite().min(0).max(1e12).optional().describe("the unit price in the cart (default: the catalog's)"),
  name: z.string().trim().min(1).max(500).optional().describe("shown when the catalog has no such SKU"),
  url: z.string().max(2000).regex(HTTP_URL, "an http(s) URL").optional(),
  image: z.string().max(2000).regex(HTTP_URL, "an http(s) URL").optional(),
  category: z.string().max(200).optional(),
});
export type CartItemIn = z.infer<typeof CartItemIn>;

/** A cart line with the catalog's data joined (catalog data wins over the line's, except the price). */
export const CartLineOut = z.object({
  sku: z.string(),
  quantity: z.number(),
  price: z.number().nullable().describe("the line's unit price, else the catalog's; null when neither is known"),
  lineTotal: z.number().nullable(),
  name: z.string().nullable(),
  url: z.string().nullable(),
  image: z.string().nullable(),
  category: z.string().nullable(),
  currency: z.string().nullable(),
  inCatalog: z.boolean(),
});
export type CartLine = z.infer<typeof CartLineOut>;

export const CartOut = z.object({
  items: z.array(CartLineOut),
  total: z.number().describe("sum of the lines whose price is known"),
  currency: z.string().nullable().describe("the items' currency when they all share one"),
  updatedAt: z.number().nullable(),
  purchasedAt: z.number().nullable().describe("when the last purchase emptied this cart"),
});
export type CartView = z.infer<typeof CartOut>;

export const OrderOut = z.object({
  orderId: z.string(),
  items: z.array(CartLineOut),
  total: z.number().nullable(),
  purchasedAt: z.number(),
  /** False when an order with this id was already recorded (a retried call): nothing changed. */
  recorded: z.boolean(),
});
export type OrderView = z.infer<typeof OrderOut>;

/** The cart of a contact as an email template reads it (`cart.items`, `cart.total`…). */
export interface CartTemplate {
  items: (CartLine & { priceText: string; lineTotalText: string })[];
  count: number;
  total: number;
  totalText: string;
  currency: string | null;
  /** ISO 8601 (UTC), readable by Liquid's `date` filter. */
  updatedAt: string;
}

/** Rounds away floating-point noise (0.1 + 0.2): amounts keep at most 6 decimals. */
const money = (n: number) => Math.round(n * 1e6) / 1e6;
const text2 = (n: number | null) => (n === null ? "" : n.toFixed(2));
const IN_KEYS = 1000;

interface StoredCart {
  items: CartItemIn[];
  total: number;
  updatedAt: number;
  purchasedAt: number | null;
}

function parseItems(raw: string): CartItemIn[] {
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? (v as CartItemIn[]) : [];
  } catch {
    return [];
  }
}

/** Lines with the catalog joined; the total of those whose price is known; the shared currency. */
export function joinLines(items: CartItemIn[], catalog: Map<string, Product>): { lines: CartLine[]; total: number; currency: string | null } {
  const lines = items.map((it): CartLine => {
    const p = catalog.get(it.sku);
    const price = it.price ?? p?.price ?? null;
    return {
      sku: it.sku, quantity: it.quantity, price, lineTotal: price === null ? null : money(price * it.quantity),
      name: p?.name ?? it.name ?? null, url: p?.url ?? it.url ?? null, image: p?.image ?? it.image ?? null,
      category: p?.category ?? it.category ?? null, currency: p?.currency ?? null, inCatalog: p !== undefined,
    };
  });
  const total = money(lines.reduce((s, l) => s + (l.lineTotal ?? 0), 0));
  const currencies = new Set(lines.map((l) => l.currency));
  return { lines, total, currency: currencies.size === 1 ? [...currencies][0] : null };
}

/**
 * Merges lines of the same SKU (quantities added, the first price kept) and drops what cannot be a
 * line: the lenient reading of what a site or a shop sends. Unknown SKUs are kept.
 */
export function normalizeItems(items: readonly { sku: string; quantity: number; price?: number }[]): CartItemIn[] {
  const out = new Map<string, CartItemIn>();
  for (const raw of items) {
    const sku = typeof raw?.sku === "string" ? raw.sku.trim() : "";
    const quantity = Number(raw?.quantity);
    if (!Sku.safeParse(sku).success || !Number.isFinite(quantity) || quantity <= 0) continue;
    // Only the known fields, checked and bounded: what a web page sends is kept, never trusted.
    const r = raw as Partial<Record<keyof CartItemIn, unknown>>;
    const it: CartItemIn = { sku, quantity };
    if (typeof r.price === "number" && Number.isFinite(r.price) && r.price >= 0 && r.price <= 1e12) it.price = r.price;
    for (const [k, max] of [["name", 500], ["url", 2000], ["image", 2000], ["category", 200]] as const) {
      const v = r[k];
      if (typeof v !== "string" || v.trim() === "" || v.trim().length > max) continue;
      // A link or an image shown in an email: http(s) only (never `javascript:` from a page).
      if ((k === "url" || k === "image") && !HTTP_URL.test(v.trim())) continue;
      it[k] = v.trim();
    }
    const prev = out.get(sku);
    if (prev) prev.quantity += quantity;
    else out.set(sku, it);
  }
  return [...out.values()];
}

/**
 * Carts and orders of contacts (by their internal pk). One cart per contact: a cart update
 * replaces its items; a purchase records an order and empties the cart.
 */
export class Carts {
  private readonly db: CommerceDb;
  private readonly catalog: Catalog;

  constructor(private readonly store: Store) {
    this.db = commerceDb(store);
    this.catalog = new Catalog(store);
  }

  /** The stored carts of these contacts (one query per 1,000 contacts). */
  private async stored(projectId: string, pks: number[]): Promise<Map<number, StoredCart>> {
    const out = new Map<number, StoredCart>();
    for (let i = 0; i < pks.length; i += IN_KEYS) {
      const rows = await this.db.all(this.db.q.selectFrom("carts").selectAll().where("project_id", "=", projectId).where("contact_pk", "in", pks.slice(i, i + IN_KEYS)));
      for (const r of rows) {
        out.set(num(r.contact_pk), { items: parseItems(r.items), total: num(r.total), updatedAt: num(r.updated_at), purchasedAt: numOrNull(r.purchased_at) });
      }
    }
    return out;
  }

  /** A contact's cart with the catalog's data (an empty cart when it never had one). */
  async view(projectId: string, pk: number): Promise<CartView> {
    const cart = (await this.stored(projectId, [pk])).get(pk);
    if (!cart) return { items: [], total: 0, currency: null, updatedAt: null, purchasedAt: null };
    const { lines, total, currency } = joinLines(cart.items, await this.catalog.many(projectId, cart.items.map((i) => i.sku)));
    return { items: lines, total, currency, updatedAt: cart.updatedAt, purchasedAt: cart.purchasedAt };
  }

  /** Replaces a contact's cart items (already normalized). */
  async replace(projectId: string, pk: number, items: CartItemIn[], at: number): Promise<void> {
    const { total } = joinLines(items, await this.catalog.many(projectId, items.map((i) => i.sku)));
    await this.db.run(this.db.q.insertInto("carts")
      .values({ project_id: projectId, contact_pk: pk, items: JSON.stringify(items), total, updated_at: at, purchased_at: null })
      .onConflict((oc) => oc.columns(["project_id", "contact_pk"]).doUpdateSet({ items: JSON.stringify(items), total, updated_at: at })));
  }

  /**
   * Records a purchase: the order (its items default to the cart's, its total to theirs) and an
   * empty cart. An order id already recorded changes nothing (a retried call is harmless).
   */
  async purchase(projectId: string, pk: number, p: { orderId?: string; total?: number; items?: CartItemIn[] }, at: number): Promise<OrderView> {
    const orderId = p.orderId ?? `ord-${randomBytes(8).toString("hex")}`;
    if (p.orderId !== undefined) {
      const prior = await this.db.first(this.db.q.selectFrom("orders").selectAll().where("project_id", "=", projectId).where("order_id", "=", orderId));
      if (prior) {
        const items = parseItems(prior.items);
        const { lines } = joinLines(items, await this.catalog.many(projectId, items.map((i) => i.sku)));
        return { orderId, items: lines, total: numOrNull(prior.total), purchasedAt: num(prior.purchased_at), recorded: false };
      }
    }
    const items = p.items ?? (await this.stored(projectId, [pk])).get(pk)?.items ?? [];
    const joined = joinLines(items, await this.catalog.many(projectId, items.map((i) => i.sku)));
    const total = p.total ?? (items.length ? joined.total : null);
    await this.db.run(this.db.q.insertInto("orders").values({ project_id: projectId, order_id: orderId, contact_pk: pk, items: JSON.stringify(items), total, purchased_at: at }));
    await this.db.run(this.db.q.insertInto("carts")
      .values({ project_id: projectId, contact_pk: pk, items: "[]", total: 0, updated_at: at, purchased_at: at })
      .onConflict((oc) => oc.columns(["project_id", "contact_pk"]).doUpdateSet({ items: "[]", total: 0, updated_at: at, purchased_at: at })));
    return { orderId, items: joined.lines, total, purchasedAt: at, recorded: true };
  }

  /**
   * The carts with items of these contacts, as templates read them: two queries for the whole
   * batch (the carts, then the catalog's products of every SKU in them).
   */
  async templateCarts(projectId: string, pks: number[]): Promise<Map<number, CartTemplate>> {
    const carts = [...(await this.stored(projectId, [...new Set(pks)])).entries()].filter(([, c]) => c.items.length > 0);
    const out = new Map<number, CartTemplate>();
    if (!carts.length) return out;
    const catalog = await this.catalog.many(projectId, carts.flatMap(([, c]) => c.items.map((i) => i.sku)));
    for (const [pk, c] of carts) {
      const { lines, total, currency } = joinLines(c.items, catalog);
      out.set(pk, {
        items: lines.map((l) => ({ ...l, priceText: text2(l.price), lineTotalText: text2(l.lineTotal) })),
        count: lines.reduce((s, l) => s + l.quantity, 0),
        total, totalText: text2(total), currency, updatedAt: new Date(c.updatedAt).toISOString(),
      });
    }
    return out;
  }
}

const carts = new WeakMap<Store, Carts>();

/** The `cart` of each contact of a batch that has items, for the templates of a send (one batch read, in the batch's transaction). */
export function templateCarts(store: Store, projectId: string, pks: number[]): Promise<Map<number, CartTemplate>> {
  let c = carts.get(store);
  if (!c) carts.set(store, (c = new Carts(store)));
  return c.templateCarts(projectId, pks);
}
