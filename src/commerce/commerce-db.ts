import type { Kysely } from "kysely";
import { DirectoryDb, type DirectoryTables } from "../store/directory/directory-db.js";
import type { Store } from "../store/store.js";

/** Rows of the commerce tables as stored (see `schema.ts`). */
export type CommerceTables = {
  products: {
    project_id: string; sku: string; name: string; price: number | null; currency: string | null; category: string | null;
    url: string | null; image: string | null; updated_at: number;
  };
  carts: { project_id: string; contact_pk: number; items: string; total: number; updated_at: number; purchased_at: number | null };
  orders: { project_id: string; order_id: string; contact_pk: number; items: string; total: number | null; purchased_at: number };
};

/**
 * The directory's query builder, extended with the commerce tables. Queries run through the
 * store (`DirectoryDb.all`), so they join the caller's transaction, engine events included.
 */
export class CommerceDb {
  readonly q: Kysely<DirectoryTables & CommerceTables>;

  constructor(readonly db: DirectoryDb) {
    this.q = db.q.withTables<CommerceTables>();
  }

  all: DirectoryDb["all"] = (query) => this.db.all(query);
  first: DirectoryDb["first"] = (query) => this.db.first(query);
  run: DirectoryDb["run"] = (query) => this.db.run(query);
}

const cache = new WeakMap<Store, CommerceDb>();

/** One `CommerceDb` per store (the engine's handlers and the shop events reach it through the store). */
export function commerceDb(store: Store): CommerceDb {
  let db = cache.get(store);
  if (!db) cache.set(store, (db = new CommerceDb(new DirectoryDb(store))));
  return db;
}

/** A stored number (PostgreSQL may hand BIGINT or NUMERIC back as text). */
export const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
