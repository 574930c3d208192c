import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { exportsUploadDdl } from "../../src/exports/upload-schema.js";
import { PgStore } from "../../src/store/postgres/pg-store.js";
import { PG_MIGRATIONS } from "../../src/store/postgres/schema.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { SQLITE_MIGRATIONS } from "../../src/store/sqlite/schema.js";
import type { Store } from "../../src/store/store.js";
import { dropSchemas, freshSchema } from "../store/stores.js";

const LEGACY_ROWS = [{ email: "ann@example.com", name: "Ann" }, { email: "bob@example.com", name: "Bob, Jr." }];

/** A database at the version just before the upload migration, holding one file of the old shape (rows as one JSON text). */
async function legacy(run: (sql: string) => Promise<void>, migrations: string[], dialect: "sqlite" | "postgres") {
  const k = migrations.indexOf(exportsUploadDdl(dialect));
  expect(k).toBeGreaterThan(0);
  await run(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)`);
  for (const m of migrations.slice(0, k)) await run(m);
  await run(`INSERT INTO meta (key, value) VALUES ('schema_version', '${k}')`);
  await run(`INSERT INTO campaigns (id, project_id, doc, status, seed) VALUES ('welcome', 'shop', '{}', 'active', 0)`);
  await run(`INSERT INTO files (campaign_id, element, destination, path, kind, batch_key, created_at, rows) VALUES ('welcome', 'x1', 'crm', 'a.csv', 'export', 'run:1', 1000, '${JSON.stringify(LEGACY_ROWS)}')`);
}

async function check(store: Store) {
  await store.migrate();
  const [f] = await store.campaignFiles("welcome");
  expect(f).toMatchObject({ projectId: "shop", path: "a.csv", status: "pending", rowCount: 2, readyAt: 1000, attempts: 0, rows: LEGACY_ROWS });
  const rows: unknown[] = [];
  for await (const r of store.fileRows(f.id, 2)) rows.push(r);
  expect(rows).toEqual(LEGACY_ROWS);
  // Rows written after the migration continue the same file.
  await store.appendFileRows("welcome", "x1", "crm", "a.csv", "export", "run:1", 2000, [{ email: "cy@example.com", name: "Cy" }]);
  expect((await store.campaignFiles("welcome"))[0].rows.map((r) => r.email)).toEqual(["ann@example.com", "bob@example.com", "cy@example.com"]);
}

describe("the upload migration keeps the rows of files written before it", () => {
  it("on SQLite", async () => {
    const store = new SqliteStore(":memory:");
    await legacy(async (sql) => { store.db.exec(sql); }, SQLITE_MIGRATIONS, "sqlite");
    await check(store);
    await store.close();
  });

  const url = process.env.DATABASE_URL;
  if (url) {
    const schemas: string[] = [];
    afterAll(() => dropSchemas(url, schemas));
    it("on PostgreSQL", async () => {
      const schema = freshSchema("relais_mig");
      schemas.push(schema);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA ${schema}`);
        await client.query(`SET search_path TO ${schema}`);
        await legacy(async (sql) => { await client.query(sql); }, PG_MIGRATIONS, "postgres");
      } finally {
        await client.end();
      }
      const store = new PgStore(url, schema);
      await check(store);
      await store.close();
    });
  }
});
