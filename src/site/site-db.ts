import type { Kysely } from "kysely";
import { DirectoryDb, type DirectoryTables } from "../store/directory/directory-db.js";
import type { Store } from "../store/store.js";

/** Rows of the site tracking tables as stored (see `schema.ts`). */
export type SiteTables = {
  site_visitors: { project_id: string; visitor_id: string; contact_pk: number | null; first_seen: number; last_seen: number; identified_at: number | null };
  site_events: { id?: number; project_id: string; visitor_id: string; contact_pk: number | null; type: string; data: string; at: number };
};

/** The directory's query builder, extended with the site tables; queries join the caller's store transaction. */
export class SiteDb {
  readonly q: Kysely<DirectoryTables & SiteTables>;

  constructor(readonly db: DirectoryDb) {
    this.q = db.q.withTables<SiteTables>();
  }

  all: DirectoryDb["all"] = (query) => this.db.all(query);
  first: DirectoryDb["first"] = (query) => this.db.first(query);
  run: DirectoryDb["run"] = (query) => this.db.run(query);
}

const cache = new WeakMap<Store, SiteDb>();

/** One `SiteDb` per store. */
export function siteDb(store: Store): SiteDb {
  let db = cache.get(store);
  if (!db) cache.set(store, (db = new SiteDb(new DirectoryDb(store))));
  return db;
}
