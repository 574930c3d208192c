import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { simulate } from "../../src/scenario/simulate.js";
import { PgStore } from "../../src/store/postgres/pg-store.js";
import { mismatches } from "../helpers/scenario-match.js";
import { DATABASE_URL, dropSchemas, freshSchema } from "./stores.js";

const SHARED = join(import.meta.dirname, "..", "..", "..", "shared", "scenarios");

// The engine end to end on PostgreSQL: the shared scenarios, each in a fresh schema, must give
// the same output as on the embedded store. Runs only when DATABASE_URL names PostgreSQL
// (skipped otherwise: a test file without any suite would fail the run).
describe.skipIf(!DATABASE_URL)("the shared scenarios on PostgreSQL", () => {
  const url = DATABASE_URL!;
  const schemas: string[] = [];
  const files = existsSync(SHARED) ? readdirSync(SHARED).filter((n) => n.endsWith(".json")).sort() : [];

  afterAll(async () => {
    if (DATABASE_URL) await dropSchemas(url, schemas);
  });

  // The shared folder sits beside the repository in development and CI; a bare clone elsewhere has none.
  it.skipIf(!existsSync(SHARED))("has scenarios to run", () => expect(files.length).toBeGreaterThan(0));

  for (const name of files) {
    it(name, async () => {
      const scenario = JSON.parse(readFileSync(join(SHARED, name), "utf8"));
      const { exitCode, ...expected } = scenario.expected ?? {};
      const schema = freshSchema("relais_scn");
      schemas.push(schema);
      const store = new PgStore(url, schema);
      try {
        const output = await simulate(scenario, { store });
        expect(output.valid ? 0 : 1).toBe(exitCode ?? (expected.valid === false ? 1 : 0));
        expect(mismatches(expected, output)).toEqual([]);
      } finally {
        await store.close();
      }
    });
  }
});
