import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { z } from "zod";
import { detectDelimiter } from "../contacts/import-stage.js";
import type { Store } from "../store/store.js";
import { commerceDb, num, numOrNull, type CommerceDb, type CommerceTables } from "./commerce-db.js";
import { CommerceRefused, type CatalogRejection } from "./commerce-refused.js";

/** Largest catalog file accepted, in bytes (a catalog is read whole, in one transaction). */
export const MAX_CATALOG_BYTES = 50 * 1024 ** 2;
/** Rejections listed when a catalog file is refused (all are counted). */
export const MAX_LISTED_REJECTIONS = 1000;

const httpUrl = (what: string) =>
  z.string().max(2000).refine((v) => /^https?:\/\/[^\s]+$/i.test(v), { message: `${what} must be an http(s) URL` });

/** A SKU: the product's code in the shop, as the shop writes it (case and spaces inside kept). */
const hasControl = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
export const Sku = z.string().min(1).max(200).refine((s) => s.trim() === s && !hasControl(s), {
  message: "a SKU has no leading or trailing spaces and no control characters",
});

/** A product as the API takes it (the SKU comes from the URL). */
export const ProductBody = z.strictObject({
  name: z.string().trim().min(1).max(500),
  price: z.number().finite().min(0).max(1e12).describe("the unit price, in the product's currency"),
  currency: z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code in capitals, e.g. CAD").nullish(),
  category: z.string().trim().min(1).max(200).nullish(),
  url: httpUrl("url").nullish(),
  image: httpUrl("image").nullish(),
});
export type ProductBody = z.infer<typeof ProductBody>;

export const ProductOut = z.object({
  sku: z.string(),
  name: z.string(),
  price: z.number().nullable(),
  currency: z.string().nullable(),
  category: z.string().nullable(),
  url: z.string().nullable(),
  image: z.string().nullable(),
  updatedAt: z.number(),
});
export type Product = z.infer<typeof ProductOut>;

export const ProductPage = z.object({ products: z.array(ProductOut), next: z.string().nullable().describe("cursor of the next page, null at the end") });

type ProductRow = CommerceTables["products"];

export const productOf = (r: ProductRow): Product => ({
  sku: r.sku, name: r.name, price: numOrNull(r.price), currency: r.currency ?? null, category: r.category ?? null,
  url: r.url ?? null, image: r.image ?? null, updatedAt: num(r.updated_at),
});

const encodeCursor = (sku: string) => Buffer.from(sku, "utf8").toString("base64url");

/** Rows per INSERT statement (9 parameters each: well under both dialects' limits). */
const INSERT_ROWS = 500;
/** Keys per `IN (…)` list. */
const IN_KEYS = 1000;

/** The columns of a catalog file (header names, case-insensitive); `sku` and `name` and `price` are required. */
export const CATALOG_COLUMNS = ["sku", "name", "price", "currency", "category", "url", "image"] as const;
const REQUIRED = ["sku", "name", "price"] as const;

/** What an import did. */
export interface CatalogImportResult {
  rows: number;
  created: number;
  updated: number;
}

/**
 * A project's product catalog: one product per SKU, upserted one at a time (API) or by CSV file.
 * Every read and write goes through the store, in the caller's transaction when there is one.
 */
export class Catalog {
  private readonly db: CommerceDb;

  constructor(private readonly store: Store) {
    this.db = commerceDb(store);
  }

  async get(projectId: string, sku: string): Promise<Product | undefined> {
    const r = await this.db.first(this.db.q.selectFrom("products").selectAll().where("project_id", "=", projectId).where("sku", "=", sku));
    return r ? productOf(r) : undefined;
  }

  /** The products of these SKUs that the catalog holds, by SKU (one query per 1,000 SKUs). */
  async many(projectId: string, skus: Iterable<string>): Promise<Map<string, Product>> {
    const all = [...new Set(skus)];
    const out = new Map<string, Product>();
    for (let i = 0; i < all.length; i += IN_KEYS) {
      const rows = await this.db.all(this.db.q.selectFrom("products").selectAll().where("project_id", "=", projectId).where("sku", "in", all.slice(i, i + IN_KEYS)));
      for (const r of rows) out.set(r.sku, productOf(r));
    }
    return out;
  }

  /** Creates or replaces a product. */
  async put(projectId: string, sku: string, body: ProductBody, at: number): Promise<{ created: boolean; product: Product }> {
    return this.store.transaction(async () => {
      const before = await this.get(projectId, sku);
      await this.write(projectId, [{ sku, ...body }], at);
      return { created: !before, product: (await this.get(projectId, sku))! };
    });
  }

  /** Deletes a product; false when the catalog did not hold it. Carts keep their items (shown with the data they were given). */
  async delete(projectId: string, sku: string): Promise<boolean> {
    return this.store.transaction(async () => {
      if (!(await this.get(projectId, sku))) return false;
      await this.db.run(this.db.q.deleteFrom("products").where("project_id", "=", projectId).where("sku", "=", sku));
      return true;
    });
  }

  /**
   * One page of the catalog in SKU order (byte order on both stores), optionally of one category
   * and/or whose SKU or name contains `q` (case-insensitive for ASCII letters).
   */
  async list(projectId: string, query: { category?: string; q?: string; cursor?: string; limit: number }): Promise<{ products: Product[]; next: string | null }> {
    let after: string | undefined;
    if (query.cursor !== undefined) {
      after = Buffer.from(query.cursor, "base64url").toString("utf8");
      if (after === "" || encodeCursor(after) !== query.cursor) {
        throw new CommerceRefused("invalid_input", "querystring.cursor: not a cursor this API gave: pass the `next` of the previous page as it is",
          [{ path: "querystring.cursor", message: "not a cursor this API gave" }]);
      }
    }
    let q = this.db.q.selectFrom("products").selectAll().where("project_id", "=", projectId);
    if (query.category !== undefined) q = q.where("category", "=", query.category);
    if (query.q !== undefined && query.q !== "") {
      const pattern = `%${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql<boolean>`(lower(sku) LIKE ${pattern} ESCAPE '\\' OR lower(name) LIKE ${pattern} ESCAPE '\\')`);
    }
    if (after !== undefined) q = q.where("sku", ">", after);
    const rows = await this.db.all(q.orderBy("sku").limit(query.limit + 1));
    const page = rows.slice(0, query.limit).map(productOf);
    return { products: page, next: rows.length > query.limit ? encodeCursor(page.at(-1)!.sku) : null };
  }

  /**
   * Imports a catalog file: a header row naming the columns (`sku`, `name`, `price` required;
   * `currency`, `category`, `url`, `image` optional; any order, any case), then one product per
   * row. All or nothing: a file with any bad row is refused with every problem (row, line,
   * column, reason) and writes nothing; a good file creates or replaces its products in one
   * transaction. Products the file does not name stay as they are.
   */
  async importCsv(projectId: string, text: string, at: number): Promise<CatalogImportResult> {
    const products = readCatalogCsv(text);
    return this.store.transaction(async () => {
      const existing = await this.many(projectId, products.map((p) => p.sku));
      await this.write(projectId, products, at);
      const updated = products.filter((p) => existing.has(p.sku)).length;
      return { rows: products.length, created: products.length - updated, updated };
    });
  }

  private async write(projectId: string, products: (ProductBody & { sku: string })[], at: number): Promise<void> {
    for (let i = 0; i < products.length; i += INSERT_ROWS) {
      const values = products.slice(i, i + INSERT_ROWS).map((p) => ({
        project_id: projectId, sku: p.sku, name: p.name, price: p.price, currency: p.currency ?? null, category: p.category ?? null,
        url: p.url ?? null, image: p.image ?? null, updated_at: at,
      }));
      await this.db.run(this.db.q.insertInto("products").values(values).onConflict((oc) => oc.columns(["project_id", "sku"]).doUpdateSet((eb) => ({
        name: eb.ref("excluded.name"), price: eb.ref("excluded.price"), currency: eb.ref("excluded.currency"), category: eb.ref("excluded.category"),
        url: eb.ref("excluded.url"), image: eb.ref("excluded.image"), updated_at: eb.ref("excluded.updated_at"),
      }))));
    }
  }
}

/** A decimal price as people write it in a sheet: `19.99`, `19,99` (decimal comma), `1 299,00`, `$` or `€` around it. */
function readPrice(raw: string): number | undefined {
  const s = raw.replace(/[\s\u00a0\u202f$€£]/g, "");
  if (!/^\d+(?:[.,]\d+)?$/.test(s)) return undefined;
  const n = Number(s.replace(",", "."));
  return Number.isFinite(n) && n <= 1e12 ? n : undefined;
}

/** Reads and checks a whole catalog file; throws `CommerceRefused` (invalid_csv) listing every problem. */
export function readCatalogCsv(text: string): (ProductBody & { sku: string })[] {
  const refuse = (message: string, rejections: CatalogRejection[] = []): never => {
    const listed = rejections.slice(0, MAX_LISTED_REJECTIONS);
    throw new CommerceRefused("invalid_csv", message, listed.map((r) => ({ path: `row ${r.row} (line ${r.line}), column ${r.column}`, message: r.reason })), listed);
  };
  let records: { record: string[]; info: { lines: number; empty_lines: number } }[];
  try {
    records = parse(text, {
      bom: true, delimiter: detectDelimiter(text.replace(/^\uFEFF/, "")), relax_quotes: true, relax_column_count: true, skip_empty_lines: true, info: true,
    }) as unknown as typeof records;
  } catch (e) {
    const err = e as { code?: string; lines?: number; message: string };
    if (typeof err.code !== "string") throw e;
    return refuse(`the file is not valid CSV (near line ${err.lines ?? "?"}): ${err.message}`);
  }
  if (records.length === 0) return refuse("the file is empty: it needs a header row (sku, name, price…) and one product per row");
  const header = records[0].record.map((h) => h.trim().toLowerCase());
  const headerProblems: CatalogRejection[] = [];
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    const name = records[0].record[i].trim() || `#${i + 1}`;
    if (!(CATALOG_COLUMNS as readonly string[]).includes(h)) {
      headerProblems.push({ row: 0, line: 1, column: name, reason: `unknown column "${name}": the columns are ${CATALOG_COLUMNS.join(", ")}` });
    } else if (index.has(h)) {
      headerProblems.push({ row: 0, line: 1, column: name, reason: `the column ${h} appears twice` });
    } else index.set(h, i);
  });
  for (const r of REQUIRED) if (!index.has(r)) headerProblems.push({ row: 0, line: 1, column: r, reason: `the column ${r} is missing (required: ${REQUIRED.join(", ")})` });
  if (headerProblems.length) return refuse(`the header row is not a catalog header: ${headerProblems.map((p) => p.reason).join("; ")}`, headerProblems);

  const out: (ProductBody & { sku: string })[] = [];
  const rejections: CatalogRejection[] = [];
  const seen = new Map<string, number>();
  let prevEnd = records[0].info.lines;
  let prevEmpty = records[0].info.empty_lines;
  for (let i = 1; i < records.length; i++) {
    const { record, info } = records[i];
    const line = prevEnd + 1 + (info.empty_lines - prevEmpty);
    prevEnd = info.lines;
    prevEmpty = info.empty_lines;
    const row = i;
    const problems: CatalogRejection[] = [];
    const bad = (column: string, reason: string) => problems.push({ row, line, column, reason });
    if (record.length > header.length && record.slice(header.length).some((v) => v.trim() !== "")) {
      bad(`#${header.length + 1}`, `the row has ${record.length} values, the header ${header.length} columns`);
    }
    const cell = (c: string) => (index.has(c) ? (record[index.get(c)!] ?? "").trim() : "");
    const sku = cell("sku");
    const skuCheck = Sku.safeParse(sku);
    if (sku === "") bad("sku", "the SKU is empty");
    else if (!skuCheck.success) bad("sku", skuCheck.error.issues[0].message);
    else if (seen.has(sku)) bad("sku", `the SKU ${sku} is already on row ${seen.get(sku)}`);
    else seen.set(sku, row);
    const candidate: Record<string, unknown> = { name: cell("name") };
    const priceText = cell("price");
    const price = readPrice(priceText);
    if (priceText === "") bad("price", "the price is empty");
    else if (price === undefined) bad("price", `"${priceText}" is not a price (write e.g. 19.99 or 19,99)`);
    else candidate.price = price;
    for (const c of ["currency", "category", "url", "image"] as const) {
      const v = c === "currency" ? cell(c).toUpperCase() : cell(c);
      if (v !== "") candidate[c] = v;
    }
    const parsed = ProductBody.safeParse({ price: 0, ...candidate });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const column = String(issue.path[0] ?? "name");
        if (column === "price") continue;
        bad(column, column === "name" && candidate.name === "" ? "the name is empty" : `${issue.message}${column === "currency" || column === "url" || column === "image" ? ` ("${String(candidate[column])}")` : ""}`);
      }
    }
    if (problems.length) rejections.push(...problems);
    else if (parsed.success) out.push({ ...parsed.data, sku });
  }
  if (rejections.length) {
    const rows = new Set(rejections.map((r) => r.row)).size;
    const first = rejections[0];
    return refuse(
      `${rows} row${rows > 1 ? "s are" : " is"} not valid, nothing was imported (first: row ${first.row}, line ${first.line}, column ${first.column}: ${first.reason})`,
      rejections,
    );
  }
  if (out.length === 0) return refuse("the file has a header but no product rows");
  return out;
}
