import { PgStore } from "./postgres/pg-store.js";
import { DEFAULT_DATABASE_FILE, SqliteStore } from "./sqlite/sqlite-store.js";
import type { Store } from "./store.js";

export interface StoreSettings {
  /** `postgres://…` selects PostgreSQL; otherwise the embedded SQLite store. */
  databaseUrl?: string;
  /** The SQLite file (default `./data/relais.sqlite`). */
  sqliteFile?: string;
  /** The PostgreSQL schema (default `relais`). */
  pgSchema?: string;
}

/** The store the environment asks for: `DATABASE_URL=postgres://…` or the embedded SQLite file. */
export function storeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): StoreSettings {
  return { databaseUrl: env.DATABASE_URL, sqliteFile: env.RELAIS_SQLITE_FILE, pgSchema: env.RELAIS_PG_SCHEMA };
}

export function openStore(settings: StoreSettings): { store: Store; description: string } {
  if (settings.databaseUrl && /^postgres(ql)?:\/\//.test(settings.databaseUrl)) {
    const schema = settings.pgSchema ?? "relais";
    // The URL may carry a password: describe the store without it.
    const safe = settings.databaseUrl.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
    return { store: new PgStore(settings.databaseUrl, schema), description: `PostgreSQL ${safe} (schema ${schema})` };
  }
  const file = settings.sqliteFile ?? DEFAULT_DATABASE_FILE;
  return { store: new SqliteStore(file), description: `SQLite ${file}` };
}
