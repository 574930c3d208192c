import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";

/**
 * One way to obtain a store for the conformance suite. Like Kysely's `test-setup.ts`, the suite
 * is written once and runs once per entry of `STORES`; a PostgreSQL adapter joins by adding an
 * entry (guarded by `DATABASE_URL`) whose `make` hands out a fresh schema.
 */
export interface StoreFactory {
  name: string;
  /** A fresh, empty store (not yet migrated). */
  make(): Store | Promise<Store>;
  /** A second handle on the database behind `store`, for durability checks; absent when the database lives only in memory. */
  reopen?(store: Store): Store | Promise<Store>;
  /** Frees what `make` took (temporary files, schemas), once the suite is done. */
  cleanup?(): void | Promise<void>;
}

function fileBackedSqlite(): StoreFactory {
  let dir: string | undefined;
  let seq = 0;
  const paths = new WeakMap<Store, string>();
  return {
    name: "sqlite (file)",
    make() {
      dir ??= mkdtempSync(join(tmpdir(), "relais-store-"));
      const path = join(dir, `db-${++seq}`, "relais.db");
      const store = new SqliteStore(path);
      paths.set(store, path);
      return store;
    },
    reopen(store) {
      const path = paths.get(store);
      if (!path) throw new Error("not a store of this factory");
      const again = new SqliteStore(path);
      paths.set(again, path);
      return again;
    },
    cleanup() {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}

export const STORES: StoreFactory[] = [
  { name: "sqlite", make: () => new SqliteStore(":memory:") },
  fileBackedSqlite(),
  // { name: "postgres", make: () => new PostgresStore(process.env.DATABASE_URL!, freshSchema()) } — when the adapter lands.
];
