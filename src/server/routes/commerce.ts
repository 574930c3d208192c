import type { FastifyError } from "fastify";
import { z } from "zod";
import { Carts, CartItemIn, CartOut, OrderOut } from "../../commerce/carts.js";
import { Catalog, MAX_CATALOG_BYTES, ProductBody, ProductOut, ProductPage, Sku } from "../../commerce/catalog.js";
import { CommerceRefused } from "../../commerce/commerce-refused.js";
import { applyShopEvent } from "../../commerce/shop-events.js";
import { idFromUrl } from "../../contacts/contact-input.js";
import { UnknownContactError } from "../../engine/engine.js";
import type { ContactRecord } from "../../store/store.js";
import { ApiError, errorHandler, notFound } from "../errors.js";
import { Ok, ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

const STATUS: Record<CommerceRefused["code"], number> = { invalid_input: 400, invalid_csv: 400, invalid_encoding: 400, not_found: 404, module_disabled: 409 };

const ProductParams = ProjectParams.extend({ sku: Sku });
const ContactParams = ProjectParams.extend({ contactId: z.string().min(1).max(1000) });
const ListQuery = z.strictObject({
  category: z.string().min(1).max(200).optional().describe("only the products of this category"),
  q: z.string().max(200).optional().describe("only the products whose SKU or name contains this (case-insensitive for ASCII letters)"),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(400).optional().describe("the `next` of the previous page"),
});
const ImportQuery = z.strictObject({
  encoding: z.enum(["utf-8", "windows-1252", "latin1"]).default("utf-8").describe("the file's encoding; latin1 is read as windows-1252"),
});
const ImportOut = z.object({ rows: z.number(), created: z.number(), updated: z.number() });
const CartBody = z.strictObject({ items: z.array(CartItemIn).max(1000).describe("the whole cart: replaces its items; [] empties it (and cancels its abandonment)") });
const PurchaseBody = z.strictObject({
  orderId: z.string().min(1).max(200).optional().describe("the shop's order id: a purchase with an id already recorded changes nothing"),
  total: z.number().finite().min(0).max(1e12).optional().describe("the amount paid (default: the items' total)"),
  items: z.array(CartItemIn).max(1000).optional().describe("what was bought (default: the contact's cart)"),
});
const ViewBody = z.strictObject({
  sku: Sku,
  category: z.string().min(1).max(200).optional().describe("default: the catalog's category of the SKU"),
});
const tags = ["commerce"];

/**
 * E-commerce module: the product catalog of a project (one product per SKU, by the API or a CSV
 * file) and the carts, purchases and product views of its contacts, which drive
 * trigger.productViewed and trigger.cartAbandoned. Every route answers 409 `module_disabled`
 * while the project's e-commerce module is off. See docs/ecommerce.md.
 */
export default routes(async (app) => {
  const ctx = app.relais;
  const { store, clock } = ctx;
  const catalog = new Catalog(store);
  const carts = new Carts(store);
  app.setErrorHandler((error, request, reply) => {
    let e: unknown = error;
    if (error instanceof CommerceRefused) {
      e = new ApiError(STATUS[error.code], error.code, error.message, error.problems, error.rejections ? { rejections: error.rejections } : undefined);
    } else if (error instanceof UnknownContactError) e = notFound("contact");
    return errorHandler(e as FastifyError, request, reply);
  });
  // The catalog file arrives whole as bytes (decoded below): a catalog is a reference file, not millions of rows.
  app.addContentTypeParser(["text/csv", "application/csv", "text/plain"], { parseAs: "buffer", bodyLimit: MAX_CATALOG_BYTES }, (_request, body, done) => done(null, body));

  async function moduleOn(projectId: string) {
    const config = await store.getProject(projectId);
    if (!config) throw notFound("project");
    if (config.modules.ecommerce !== true) {
      throw new CommerceRefused("module_disabled", "the e-commerce module is off for this project: turn it on in the project's settings (modules.ecommerce)");
    }
    return config;
  }

  async function contactOf(projectId: string, rawId: string): Promise<ContactRecord> {
    const config = await moduleOn(projectId);
    const id = idFromUrl(config, rawId);
    const contact = id === undefined ? undefined : await store.findContact(projectId, id);
    if (!contact) throw notFound("contact");
    return contact;
  }

  const products = "/projects/:projectId/products";
  const contact = "/projects/:projectId/contacts/:contactId";

  app.get(products, {
    schema: { tags, summary: "The project's products in SKU order, a page at a time, optionally of one category or matching a text", params: ProjectParams, querystring: ListQuery, response: { 200: ProductPage } },
  }, async (request) => {
    await moduleOn(request.params.projectId);
    return catalog.list(request.params.projectId, request.query);
  });

  app.post(`${products}/import`, {
    bodyLimit: MAX_CATALOG_BYTES,
    schema: {
      tags, summary: "Import products from a CSV file (Content-Type: text/csv; columns sku, name, price, currency, category, url, image): all rows or none",
      consumes: ["text/csv"],
      body: z.any().meta({ type: "string", format: "binary", description: "the CSV file: a header row, then one product per row" }),
      params: ProjectParams, querystring: ImportQuery, response: { 200: ImportOut },
    },
  }, async (request) => {
    await moduleOn(request.params.projectId);
    const body = request.body;
    if (!Buffer.isBuffer(body)) throw new ApiError(415, "unsupported_media_type", "send the CSV file as the request body with Content-Type: text/csv");
    let text: string;
    try {
      text = new TextDecoder(request.query.encoding === "utf-8" ? "utf-8" : "windows-1252", { fatal: true }).decode(body);
    } catch {
      throw new CommerceRefused("invalid_encoding", "the file is not valid UTF-8: save it as UTF-8, or pass ?encoding=windows-1252 for a file from Excel on Windows",
        [{ path: "body", message: "not valid UTF-8" }]);
    }
    return catalog.importCsv(request.params.projectId, text, clock.now());
  });

  app.get(`${products}/:sku`, {
    schema: { tags, summary: "A product of the catalog", params: ProductParams, response: { 200: ProductOut } },
  }, async (request) => {
    await moduleOn(request.params.projectId);
    const p = await catalog.get(request.params.projectId, request.params.sku);
    if (!p) throw notFound("product");
    return p;
  });

  app.put(`${products}/:sku`, {
    schema: {
      tags, summary: "Create a product or replace the one with this SKU (201 created, 200 replaced)",
      params: ProductParams, body: ProductBody, response: { 200: z.object({ created: z.literal(false), product: ProductOut }), 201: z.object({ created: z.literal(true), product: ProductOut }) },
    },
  }, async (request, reply) => {
    await moduleOn(request.params.projectId);
    const r = await catalog.put(request.params.projectId, request.params.sku, request.body, clock.now());
    reply.code(r.created ? 201 : 200);
    return r as { created: true; product: z.infer<typeof ProductOut> };
  });

  app.delete(`${products}/:sku`, {
    schema: { tags, summary: "Delete a product (carts that hold it keep the line, shown with the data it was given)", params: ProductParams, response: { 200: Ok } },
  }, async (request) => {
    await moduleOn(request.params.projectId);
    if (!(await catalog.delete(request.params.projectId, request.params.sku))) throw notFound("product");
    return { ok: true as const };
  });

  app.get(`${contact}/cart`, {
    schema: { tags, summary: "A contact's cart, its lines joined with the catalog (empty when it has none)", params: ContactParams, response: { 200: CartOut } },
  }, async (request) => {
    const c = await contactOf(request.params.projectId, request.params.contactId);
    return carts.view(request.params.projectId, c.pk);
  });

  app.put(`${contact}/cart`, {
    schema: {
      tags, summary: "Replace a contact's cart; (re)arms the trigger.cartAbandoned timers, or cancels them for an empty cart",
      params: ContactParams, body: CartBody, response: { 200: CartOut },
    },
  }, async (request) => {
    const { projectId } = request.params;
    const c = await contactOf(projectId, request.params.contactId);
    await applyShopEvent(ctx, projectId, c.id, { type: "cart_update", items: request.body.items }, clock.now());
    ctx.wake();
    return carts.view(projectId, c.pk);
  });

  app.post(`${contact}/purchases`, {
    schema: {
      tags, summary: "Record a purchase: the order is kept, the cart emptied and its abandonment cancelled",
      params: ContactParams, body: PurchaseBody, response: { 201: OrderOut, 200: OrderOut },
    },
  }, async (request, reply) => {
    const { projectId } = request.params;
    const c = await contactOf(projectId, request.params.contactId);
    const r = await applyShopEvent(ctx, projectId, c.id, { type: "purchase", ...request.body }, clock.now());
    if (!r.applied || !r.order) throw new CommerceRefused("module_disabled", "the e-commerce module is off for this project");
    ctx.wake();
    reply.code(r.order.recorded ? 201 : 200);
    return r.order;
  });

  app.post(`${contact}/product-views`, {
    schema: {
      tags, summary: "Record that a contact viewed a product; fires trigger.productViewed (SKU and category filters)",
      params: ContactParams, body: ViewBody, response: { 200: Ok },
    },
  }, async (request) => {
    const { projectId } = request.params;
    const c = await contactOf(projectId, request.params.contactId);
    await applyShopEvent(ctx, projectId, c.id, { type: "product_view", sku: request.body.sku, ...(request.body.category ? { category: request.body.category } : {}) }, clock.now());
    ctx.wake();
    return { ok: true as const };
  });
});
