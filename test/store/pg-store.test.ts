import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { PgStore } from "../../src/store/postgres/pg-store.js";
import { DATABASE_URL, dropSchemas, freshSchema } from "./stores.js";

// What only PostgreSQL can show: several clients at once. The shared behaviour is in the
// conformance suite. Runs only when DATABASE_URL names PostgreSQL.
describe.skipIf(!DATABASE_URL)("the PostgreSQL store under concurrency", () => {
  const url = DATABASE_URL!;
  const schemas: string[] = [];
  const opened: PgStore[] = [];
  const T0 = Date.UTC(2026, 5, 1);

  async function open(schema = freshSchema()): Promise<PgStore> {
    if (!schemas.includes(schema)) schemas.push(schema);
    const store = new PgStore(url, schema);
    opened.push(store);
    await store.migrate();
    return store;
  }

  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  afterAll(async () => {
    if (DATABASE_URL) await dropSchemas(url, schemas);
  });

  it("reads BIGINT as numbers without changing pg's global type parsers", async () => {
    const store = await open();
    await store.upsertContacts("p", [{ id: "a" }], T0);
    const c = (await store.findContact("p", "a"))!;
    expect(c.createdAt).toBe(T0);
    expect(typeof c.pk).toBe("number");
    expect(pg.types.getTypeParser(20)("5")).toBe("5");
  });

  it("keeps stores in different schemas apart, and migrates concurrently without error", async () => {
    const schema = freshSchema();
    const [a, again] = await Promise.all([open(schema), open(schema)]);
    const b = await open();
    await a.upsertContacts("p", [{ id: "a" }], T0);
    expect((await again.listContacts("p")).map((c) => c.id)).toEqual(["a"]);
    expect(await b.listContacts("p")).toEqual([]);
  });

  it("gives each promo code to one journey when transactions take them at once", async () => {
    const store = await open();
    const { created: pks } = await store.upsertContacts("p", ["a", "b", "c", "d", "e", "f"].map((id) => ({ id })), T0);
    await store.addPromoCodes("p", "bank", ["A", "B", "C", "D"]);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // Each transaction holds its code (row lock) until all have taken theirs.
    const takers = pks.map((pk) => store.transaction(async () => {
      const code = await store.takePromoCode("p", "bank", pk, pk, T0);
      await gate;
      return code;
    }));
    await new Promise((r) => setTimeout(r, 200));
    release();
    const codes = await Promise.all(takers);
    expect(codes.filter((c) => c !== null).sort()).toEqual(["A", "B", "C", "D"]);
    expect(codes.filter((c) => c === null)).toHaveLength(2);
    expect((await store.promoGrants("p")).map((g) => g.code).sort()).toEqual(["A", "B", "C", "D"]);
  });

  it("fires a run once when two transactions create it at once", async () => {
    const store = await open();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = store.transaction(async () => {
      const id = await store.createRun("c", "t1", T0);
      await gate;
      return id;
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = store.transaction(() => store.createRun("c", "t1", T0));
    await new Promise((r) => setTimeout(r, 100));
    release();
    expect(await first).toEqual(expect.any(Number));
    expect(await second).toBeNull();
    expect(await store.firedRuns("c", "t1")).toEqual([T0]);
  });

  it("runs a transaction's calls on its own client: a concurrent reader does not see them before commit", async () => {
    const store = await open();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let written!: () => void;
    const wrote = new Promise<void>((r) => (written = r));
    const tx = store.transaction(async () => {
      await store.upsertContacts("p", [{ id: "a" }], T0);
      expect((await store.listContacts("p")).map((c) => c.id)).toEqual(["a"]);
      written();
      await gate;
    });
    await wrote;
    expect(await store.listContacts("p")).toEqual([]);
    release();
    await tx;
    expect((await store.listContacts("p")).map((c) => c.id)).toEqual(["a"]);
  });
});
