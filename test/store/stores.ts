import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { PgStore } from "../../src/store/postgres/pg-store.js";
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

/** A throw-away schema name: tests in parallel files (and runs) never share one. */
export function freshSchema(prefix = "relais_test"): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
}

/** Drops the given schemas (and everything in them) from the database at `url`. */
export async function dropSchemas(url: string, schemas: string[]): Promise<void> {
  if (schemas.length === 0) return;
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await pool.end();
  }
}

/** PostgreSQL at `url`: each `make` takes a fresh schema, `cleanup` drops them all. */
function postgres(url: string): StoreFactory {
  const schemas: string[] = [];
  return {
    name: "postgres",
    make() {
      const schema = freshSchema();
      schemas.push(schema);
      return new PgStore(url, schema);
    },
    reopen(store) {
      if (!(store instanceof PgStore)) throw new Error("not a store of this factory");
      return new PgStore(url, store.schema);
    },
    async cleanup() {
      await dropSchemas(url, schemas.splice(0));
    },
  };
}

/** The PostgreSQL database the suites also run against, when `DATABASE_URL` names one. */
export const DATABASE_URL = process.env.DATABASE_URL?.startsWith("postgres") ? process.env.DATABASE_URL : undefined;

export const STORES: StoreFactory[] = [
  { name: "sqlite", make: () => new SqliteStore(":memory:") },
  fileBackedSqlite(),
  ...(DATABASE_URL ? [postgres(DATABASE_URL)] : []),
];
