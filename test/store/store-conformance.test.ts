import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { fieldTypes, ProjectConfig, type CampaignDocument, type RuleEnv } from "../../src/model/index.js";
import {
  ENDED, HELD, MIGRATED_EXIT, READY, WAITING,
  type CampaignRecord, type MessageInput, type Move, type Store,
} from "../../src/store/store.js";
import { STORES } from "./stores.js";

const P = "p1";
const C = "c1";
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const MIN = 60_000;

const PROJECT = ProjectConfig.parse({
  timezone: "America/Toronto",
  fields: [
    { key: "email", type: "email" },
    { key: "city", type: "text" },
    { key: "age", type: "number" },
  ],
  communicationTypes: [{ key: "news", channel: "email" }],
  tables: [{ key: "orders", columns: [{ key: "sku" }, { key: "total", type: "number" }] }],
  promoBanks: [{ key: "spring", codes: ["S-1", "S-2"] }],
});

const ENV: RuleEnv = {
  now: T0,
  timezone: PROJECT.timezone,
  fieldTypes: fieldTypes(PROJECT),
  tableColumns: new Map(PROJECT.tables.map((t) => [t.key, new Map(t.columns.map((c) => [c.key, c.type]))])),
};

const DOC: CampaignDocument = {
  id: C, name: "Test", reentry: "afterExit",
  elements: [{ id: "t1", type: "trigger.manual", params: {} }, { id: "e1", type: "end.success", params: {} }],
  connections: [{ from: "t1", exit: "next", to: "e1" }],
};

function campaign(id = C): CampaignRecord {
  return { id, projectId: P, doc: { ...DOC, id }, status: "active", seed: 7, activatedAt: T0, pausedAt: null, state: {} };
}

function message(t: { journey: number; contactPk: number; contactId: string }, extra: Partial<MessageInput> = {}): MessageInput {
  return {
    journey: t.journey, contactPk: t.contactPk, contactId: t.contactId, element: "a1", hop: 0, channel: "email",
    communicationType: "news", status: "queued", createdAt: T0, payload: { subject: "Hello" }, ...extra,
  };
}

for (const factory of STORES) {
  describe(`the ${factory.name} store`, () => {
    let store: Store;
    const opened: Store[] = [];

    const open = async (s: Store) => {
      opened.push(s);
      await s.migrate();
      return s;
    };

    /** Creates contacts c1..cn (or the given ids) and returns their internal keys by id. */
    async function contacts(ids: string[], fields: (id: string) => Record<string, unknown> = () => ({})): Promise<Map<string, number>> {
      await store.upsertContacts(P, ids.map((id) => ({ id, fields: fields(id) })), T0);
      const out = new Map<string, number>();
      for (const id of ids) out.set(id, (await store.findContact(P, id))!.pk);
      return out;
    }

    async function enterAt(pks: Map<string, number>, at: (id: string) => number, element = "x1", campaignId = C): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      for (const [id, pk] of pks) {
        const j = await store.enter({ campaignId, contactPk: pk, contactId: id, element, at: at(id), reentry: "always" });
        out.set(id, j!);
      }
      return out;
    }

    const run = async (reentry: string, audience: RuleEnv | null = null, rule?: unknown, at = T0, pks?: number[]) => {
      const runId = (await store.createRun(C, "t1", at, `t1@${at}#${Math.random()}`))!;
      return store.startRun(P, C, "t1", runId, at, reentry, audience && rule ? { rule: rule as never, env: audience } : null, pks);
    };

    const openJourneys = async () => (await store.journeys(C)).filter((j) => j.state !== ENDED);

    beforeEach(async () => {
      store = await open(await factory.make());
      await store.putProject(P, PROJECT);
      await store.saveCampaign(campaign());
    });

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    afterAll(async () => {
      await factory.cleanup?.();
    });

    describe("schema", () => {
      it("migrates twice without error and keeps what was written in between", async () => {
        await contacts(["c1"]);
        await store.migrate();
        await store.migrate();
        expect((await store.listContacts(P)).map((c) => c.id)).toEqual(["c1"]);
        expect(await store.getProject(P)).toEqual(PROJECT);
      });

      // Only for databases that outlive their handle (an in-memory one does not).
      if (factory.reopen) it("finds its data again after closing and reopening the database", async () => {
        await contacts(["c1", "c2"]);
        await store.close();
        opened.splice(opened.indexOf(store), 1);
        store = await open(await factory.reopen!(store));
        expect((await store.listContacts(P)).map((c) => c.id)).toEqual(["c1", "c2"]);
        expect((await store.getCampaign(C))?.seed).toBe(7);
      });
    });

    describe("transactions", () => {
      it("writes nothing when the function throws", async () => {
        await expect(store.transaction(async () => {
          await store.upsertContacts(P, [{ id: "c1" }], T0);
          await store.createRun(C, "t1", T0);
          throw new Error("boom");
        })).rejects.toThrow("boom");
        expect(await store.listContacts(P)).toEqual([]);
        expect(await store.createRun(C, "t1", T0)).not.toBeNull();
      });

      it("keeps concurrent transactions apart: one's rollback does not take the other's writes", async () => {
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const failing = store.transaction(async () => {
          await store.upsertContacts(P, [{ id: "doomed" }], T0);
          await gate;
          throw new Error("boom");
        });
        const other = store.transaction(async () => {
          await store.upsertContacts(P, [{ id: "kept" }], T0);
        });
        release();
        await expect(failing).rejects.toThrow("boom");
        await other;
        expect((await store.listContacts(P)).map((c) => c.id)).toEqual(["kept"]);
      });

      it("rolls back a nested transaction's writes with the outer one", async () => {
        await expect(store.transaction(async () => {
          await store.transaction(async () => {
            await store.upsertContacts(P, [{ id: "inner" }], T0);
          });
          await store.upsertContacts(P, [{ id: "outer" }], T0);
          throw new Error("late failure");
        })).rejects.toThrow("late failure");
        expect(await store.listContacts(P)).toEqual([]);
      });

      it("commits everything and returns the function's result", async () => {
        const result = await store.transaction(async () => {
          await store.upsertContacts(P, [{ id: "c1" }, { id: "c2" }], T0);
          return 42;
        });
        expect(result).toBe(42);
        expect(await store.listContacts(P)).toHaveLength(2);
      });

      it("is usable again after a rollback", async () => {
        await store.transaction(async () => { throw new Error("first"); }).catch(() => undefined);
        await store.transaction(async () => { await store.upsertContacts(P, [{ id: "c1" }], T0); });
        expect(await store.listContacts(P)).toHaveLength(1);
      });
    });

    describe("contacts", () => {
      it("creates unknown contacts with defaults and reports their keys", async () => {
        const r = await store.upsertContacts(P, [{ id: "a", fields: { city: "Laval" } }, { id: "b", createdAt: 5, status: "deactivated" }], T0);
        expect(r.created).toHaveLength(2);
        expect(r.updated).toEqual([]);
        const got = await store.getContacts(r.created);
        const a = got.get(r.created[0])!;
        expect(a).toMatchObject({ id: "a", status: "active", createdAt: T0, fields: { city: "Laval" }, subscriptions: {}, groups: [], push: [] });
        expect(got.get(r.created[1])).toMatchObject({ id: "b", status: "deactivated", createdAt: 5 });
      });

      it("merges fields into an existing contact and reports only the fields whose value changed", async () => {
        const pk = (await contacts(["a"], () => ({ city: "Laval", age: 30, email: "a@x.io" }))).get("a")!;
        const r = await store.upsertContacts(P, [{ id: "a", fields: { city: "Montréal", age: 30 }, subscriptions: { news: true } }], T0 + MIN);
        expect(r.created).toEqual([]);
        expect(r.updated).toEqual([{ pk, changed: ["city"] }]);
        const c = (await store.findContact(P, "a"))!;
        expect(c.fields).toEqual({ city: "Montréal", age: 30, email: "a@x.io" });
        expect(c.subscriptions).toEqual({ news: true });
        expect(c.createdAt).toBe(T0);
      });

      it("keeps contacts of different projects apart even with the same id", async () => {
        await store.upsertContacts(P, [{ id: "a", fields: { city: "Laval" } }], T0);
        await store.upsertContacts("p2", [{ id: "a", fields: { city: "Québec" } }], T0);
        expect((await store.findContact(P, "a"))!.fields.city).toBe("Laval");
        expect((await store.findContact("p2", "a"))!.fields.city).toBe("Québec");
        expect(await store.listContacts(P)).toHaveLength(1);
      });

      it("returns profiling-table rows only when asked", async () => {
        const r = await store.upsertContacts(P, [{ id: "a", tables: { orders: [{ sku: "X", total: 5 }, { sku: "Y", total: 7 }] } }], T0);
        const pk = r.created[0];
        expect((await store.getContacts([pk])).get(pk)!.tables).toBeUndefined();
        expect((await store.getContacts([pk], { tables: true })).get(pk)!.tables).toEqual({ orders: [{ sku: "X", total: 5 }, { sku: "Y", total: 7 }] });
        await store.updateTableRow(pk, "orders", { sku: "Y", total: 9 }, T0);
        expect((await store.getContacts([pk], { tables: true })).get(pk)!.tables!.orders).toEqual([{ sku: "X", total: 5 }, { sku: "Y", total: 9 }]);
      });

      it("patches only the parts given", async () => {
        const pk = (await contacts(["a"], () => ({ city: "Laval" }))).get("a")!;
        await store.patchContact(pk, { status: "deactivated", groups: ["vip"] });
        expect(await store.findContact(P, "a")).toMatchObject({ status: "deactivated", groups: ["vip"], fields: { city: "Laval" } });
      });

      it("remembers bounced addresses per project", async () => {
        await store.markBounced(P, "a@x.io", T0);
        await store.markBounced(P, "a@x.io", T0 + 1);
        expect(await store.bouncedAmong(P, ["a@x.io", "b@x.io"])).toEqual(new Set(["a@x.io"]));
        expect(await store.bouncedAmong("p2", ["a@x.io"])).toEqual(new Set());
        expect(await store.bouncedAmong(P, [])).toEqual(new Set());
      });
    });

    describe("runs", () => {
      it("refuses a second run with the same key, per campaign", async () => {
        const first = await store.createRun(C, "t1", T0);
        expect(first).toEqual(expect.any(Number));
        expect(await store.createRun(C, "t1", T0)).toBeNull();
        expect(await store.createRun(C, "t1", T0, "custom")).toEqual(expect.any(Number));
        expect(await store.createRun(C, "t1", T0, "custom")).toBeNull();
        expect(await store.createRun("other", "t1", T0)).toEqual(expect.any(Number));
        expect(await store.firedRuns(C, "t1")).toEqual([T0, T0]);
      });

      it("enters every active contact of the project, in contact-id order", async () => {
        await contacts(["c3", "c1", "c2"]);
        const pk4 = (await contacts(["c4"])).get("c4")!;
        await store.patchContact(pk4, { status: "deactivated" });
        await store.upsertContacts("p2", [{ id: "other" }], T0);
        expect(await run("afterExit")).toBe(3);
        const js = await store.journeys(C);
        expect(js.map((j) => j.contactId)).toEqual(["c1", "c2", "c3"]);
        expect(js.every((j) => j.enteredAt === T0 && j.element === "t1" && j.state === READY)).toBe(true);
        const tokens = await store.claim(C, "t1", T0, 10);
        expect(tokens.map((t) => [t.contactId, t.runId !== null, t.hop, t.dueAt])).toEqual([["c1", true, 0, T0], ["c2", true, 0, T0], ["c3", true, 0, T0]]);
        expect(await store.elementStats(C)).toContainEqual({ element: "t1", exit: "", n: 3 });
      });

      it("enters only the audience when a field rule is given", async () => {
        await contacts(["a", "b", "c"], (id) => ({ city: id === "b" ? "Laval" : " montréal " }));
        expect(await run("always", ENV, { field: "city", operator: "equals", value: "Montréal" })).toBe(2);
        expect((await store.journeys(C)).map((j) => j.contactId)).toEqual(["a", "c"]);
      });

      it("enters only the audience when a profiling-table rule is given", async () => {
        await store.upsertContacts(P, [
          { id: "a", tables: { orders: [{ sku: "X", total: 120 }] } },
          { id: "b", tables: { orders: [{ sku: "Y", total: 20 }, { sku: "Z", total: 30 }] } },
          { id: "c" },
        ], T0);
        const bigOrder = { table: "orders", quantifier: "any", where: { field: "total", operator: "greaterThan", value: 100 } };
        expect(await run("always", ENV, bigOrder)).toBe(1);
        expect((await store.journeys(C)).map((j) => j.contactId)).toEqual(["a"]);
        const allSmall = { table: "orders", quantifier: "all", where: { field: "total", operator: "lessThan", value: 100 } };
        expect(await run("always", ENV, allSmall)).toBe(2);
        const twoOrders = { all: [{ field: "city", operator: "isEmpty" }, { table: "orders", quantifier: "count", count: { operator: "equals", value: 2 } }] };
        expect(await run("always", ENV, twoOrders)).toBe(1);
      });

      it("restricts a run to the given contacts", async () => {
        const pks = await contacts(["a", "b", "c"]);
        expect(await run("always", null, undefined, T0, [pks.get("a")!, pks.get("c")!])).toBe(2);
        expect((await store.journeys(C)).map((j) => j.contactId)).toEqual(["a", "c"]);
      });

      it("with reentry never, enters a contact at most once, ever", async () => {
        await contacts(["a", "b"]);
        expect(await run("never")).toBe(2);
        const [a] = await store.claim(C, "t1", T0, 1);
        await store.applyMoves(C, "t1", T0, [{ token: a, exit: "next", dueAt: T0, state: ENDED, outcome: "success" }]);
        await contacts(["c"]);
        expect(await run("never", null, undefined, T0 + MIN)).toBe(1);
        expect((await store.journeys(C)).map((j) => j.contactId)).toEqual(["a", "b", "c"]);
      });

      it("with reentry afterExit, enters again only contacts whose journey ended", async () => {
        await contacts(["a", "b"]);
        expect(await run("afterExit")).toBe(2);
        const [a] = await store.claim(C, "t1", T0, 1);
        expect(a.contactId).toBe("a");
        await store.applyMoves(C, "t1", T0, [{ token: a, exit: "next", dueAt: T0, state: ENDED, outcome: "success" }]);
        expect(await run("afterExit", null, undefined, T0 + MIN)).toBe(1);
        expect((await openJourneys()).map((j) => j.contactId).sort()).toEqual(["a", "b"]);
        expect((await store.journeys(C)).filter((j) => j.contactId === "a")).toHaveLength(2);
      });

      it("with reentry always, starts a new journey each run", async () => {
        await contacts(["a", "b"]);
        expect(await run("always")).toBe(2);
        expect(await run("always", null, undefined, T0 + MIN)).toBe(2);
        expect(await openJourneys()).toHaveLength(4);
      });

      it("counts journeys of other campaigns as no obstacle to entering", async () => {
        const pks = await contacts(["a"]);
        await enterAt(pks, () => T0, "x1", "elsewhere");
        expect(await run("never")).toBe(1);
      });

      it("enters a single contact subject to re-entry and keeps its trigger data", async () => {
        const pk = (await contacts(["a"])).get("a")!;
        const req = { campaignId: C, contactPk: pk, contactId: "a", element: "t1", at: T0, data: { order: 9 } };
        const j = await store.enter({ ...req, reentry: "afterExit" });
        expect(j).toEqual(expect.any(Number));
        expect(await store.enter({ ...req, reentry: "afterExit" })).toBeNull();
        expect(await store.enter({ ...req, reentry: "never" })).toBeNull();
        expect(await store.enter({ ...req, reentry: "always" })).toEqual(expect.any(Number));
        expect((await store.journeyContext([j!])).get(j!)).toEqual({ triggerData: { order: 9 }, promoCode: null, enteredAt: T0 });
      });
    });

    describe("tokens", () => {
      it("claims due tokens in due-time then contact-id order, up to the limit", async () => {
        const pks = await contacts(["d", "b", "a", "c", "e"]);
        const due: Record<string, number> = { a: T0 + 2 * MIN, b: T0 + MIN, c: T0 + MIN, d: T0, e: T0 + 10 * MIN };
        await enterAt(pks, (id) => due[id]);
        const now = T0 + 5 * MIN;
        expect((await store.claim(C, "x1", now, 10)).map((t) => t.contactId)).toEqual(["d", "b", "c", "a"]);
        expect((await store.claim(C, "x1", now, 2)).map((t) => t.contactId)).toEqual(["d", "b"]);
        expect(await store.claim(C, "other", now, 10)).toEqual([]);
        expect(await store.hasDue(C, "x1", T0 - 1)).toBe(false);
        expect(await store.hasDue(C, "x1", T0)).toBe(true);
        expect(await store.nextDueAt(C, ["other", "x1"])).toBe(T0);
        expect(await store.nextDueAt(C, ["other"])).toBeNull();
      });

      it("writes each move's position, journey step and element counts", async () => {
        const pks = await contacts(["a", "b", "c", "d"]);
        const js = await enterAt(pks, () => T0, "x1");
        const [a, b, c, d] = await store.claim(C, "x1", T0, 10);
        const now = T0 + MIN;
        const moves: Move[] = [
          { token: a, exit: "true", to: "x2", dueAt: now, state: READY },
          { token: b, exit: "true", to: "w1", dueAt: now + 60 * MIN, state: WAITING },
          { token: c, exit: "false", dueAt: now, state: ENDED, outcome: "success", endElement: "e1" },
          { token: d, exit: "false", dueAt: now, state: ENDED, outcome: "none" },
        ];
        await store.applyMoves(C, "x1", now, moves);

        const [at2] = await store.claim(C, "x2", now, 10);
        expect(at2).toMatchObject({ journey: js.get("a"), contactId: "a", element: "x2", dueAt: now, state: READY, hop: a.hop + 1 });
        expect(await store.claim(C, "w1", now, 10)).toEqual([]);
        expect((await store.claim(C, "w1", now + 60 * MIN, 10)).map((t) => [t.contactId, t.state])).toEqual([["b", WAITING]]);
        expect(await store.claim(C, "x1", now, 10)).toEqual([]);

        const journeys = new Map((await store.journeys(C)).map((j) => [j.contactId, j]));
        expect(journeys.get("c")).toMatchObject({ state: ENDED, outcome: "success", endedAt: now });
        expect(journeys.get("d")).toMatchObject({ state: ENDED, outcome: "none", endedAt: now });
        expect(journeys.get("a")).toMatchObject({ state: READY, outcome: null, endedAt: null, element: "x2" });

        const steps = await store.steps(C);
        const stepOf = (id: string) => steps.filter((s) => s.journey === js.get(id)).map((s) => [s.element, s.exit, s.at]);
        expect(stepOf("a")).toEqual([["x1", "true", now]]);
        expect(stepOf("c")).toEqual([["x1", "false", now], ["e1", null, now]]);
        expect(stepOf("d")).toEqual([["x1", "false", now]]);

        const stats = await store.elementStats(C);
        expect(stats).toEqual(expect.arrayContaining([
          { element: "x1", exit: "", n: 4 },
          { element: "x1", exit: "true", n: 2 },
          { element: "x1", exit: "false", n: 2 },
          { element: "x2", exit: "", n: 1 },
          { element: "w1", exit: "", n: 1 },
          { element: "e1", exit: "", n: 1 },
        ]));
        expect(await store.waitingCounts(C)).toEqual(new Map([["x2", 1], ["w1", 1]]));
        expect(await store.outcomeCounts(C)).toEqual(new Map([["success", 1], ["none", 1], ["inProgress", 2]]));
      });

      it("adds to element counts across batches", async () => {
        const pks = await contacts(["a", "b"]);
        await enterAt(pks, () => T0, "x1");
        for (const t of await store.claim(C, "x1", T0, 10)) {
          await store.applyMoves(C, "x1", T0, [{ token: t, exit: "next", to: "x2", dueAt: T0, state: READY }]);
        }
        expect(await store.elementStats(C)).toEqual(expect.arrayContaining([{ element: "x1", exit: "next", n: 2 }, { element: "x2", exit: "", n: 2 }]));
      });

      it("does not claim held tokens until they are released", async () => {
        const pks = await contacts(["a", "b", "c"]);
        await enterAt(pks, () => T0, "s1");
        const [a, b, c] = await store.claim(C, "s1", T0, 10);
        await store.applyMoves(C, "s1", T0, [
          { token: a, to: "s1", dueAt: a.dueAt, state: HELD },
          { token: b, exit: "A", to: "x2", dueAt: T0, state: READY },
          { token: c, to: "s1", dueAt: c.dueAt, state: HELD },
        ]);
        const later = T0 + 24 * 60 * MIN;
        expect(await store.claim(C, "s1", later, 10)).toEqual([]);
        expect(await store.hasDue(C, "s1", later)).toBe(false);
        expect(await store.nextDueAt(C, ["s1"])).toBeNull();
        expect((await store.heldTokens(C, "s1")).map((t) => [t.contactId, t.state])).toEqual([["a", HELD], ["c", HELD]]);
        expect((await store.steps(C)).filter((s) => s.element === "s1").map((s) => s.exit)).toEqual(["A"]);

        expect(await store.releaseHeld(C, "s1", later)).toBe(2);
        expect(await store.heldTokens(C, "s1")).toEqual([]);
        const released = await store.claim(C, "s1", later, 10);
        expect(released.map((t) => [t.contactId, t.state, t.dueAt])).toEqual([["a", READY, later], ["c", READY, later]]);
        expect(await store.releaseHeld(C, "s1", later)).toBe(0);
      });

      it("pushes back waiting tokens due after the given instant", async () => {
        const pks = await contacts(["a", "b"]);
        await enterAt(pks, (id) => (id === "a" ? T0 : T0 + 10 * MIN), "w1");
        await store.shiftWaiting(C, T0 + MIN, 60 * MIN);
        expect((await store.claim(C, "w1", T0 + 100 * MIN, 10)).map((t) => [t.contactId, t.dueAt])).toEqual([["a", T0], ["b", T0 + 70 * MIN]]);
      });

      it("moves or ends every open token of an element when a new version removes it, and logs and counts it", async () => {
        const pks = await contacts(["a", "b", "c", "d", "e"]);
        const js = await enterAt(pks, () => T0, "x1");
        const [a, b, c, d, e] = await store.claim(C, "x1", T0, 10);
        await store.applyMoves(C, "x1", T0, [
          { token: a, exit: "next", to: "w1", dueAt: T0 + 60 * MIN, state: WAITING },
          { token: b, exit: "next", to: "w1", dueAt: T0 + 60 * MIN, state: WAITING },
          { token: c, exit: "next", to: "h1", dueAt: T0, state: HELD },
          { token: d, exit: "next", dueAt: T0, state: ENDED, outcome: "success" },
          { token: e, exit: "next", to: "k1", dueAt: T0, state: READY },
        ]);
        const at = T0 + 5 * MIN;
        expect(await store.moveTokens(C, "w1", "x2", at, at - MIN)).toBe(2);
        expect(await store.endTokens(C, "h1", "abandon", at)).toBe(1);
        expect(await store.moveTokens(C, "gone", "x2", at)).toBe(0);
        expect(await store.endTokens(C, "x1", "failure", at)).toBe(0);

        const moved = await store.claim(C, "x2", at - MIN, 10);
        expect(moved.map((t) => [t.contactId, t.state, t.dueAt, t.hop])).toEqual([["a", READY, at - MIN, a.hop + 2], ["b", READY, at - MIN, b.hop + 2]]);
        expect(await store.claim(C, "w1", T0 + 100 * MIN, 10)).toEqual([]);
        expect(await store.heldTokens(C, "h1")).toEqual([]);
        const journeys = new Map((await store.journeys(C)).map((j) => [j.contactId, j]));
        expect(journeys.get("c")).toMatchObject({ state: ENDED, outcome: "abandon", endedAt: at, element: null });
        expect(journeys.get("d")).toMatchObject({ outcome: "success", endedAt: T0 });
        expect(journeys.get("e")).toMatchObject({ state: READY, element: "k1" });

        const steps = await store.steps(C);
        const stepOf = (id: string) => steps.filter((s) => s.journey === js.get(id)).map((s) => [s.element, s.exit, s.at]);
        expect(stepOf("a")).toEqual([["x1", "next", T0], ["w1", MIGRATED_EXIT, at]]);
        expect(stepOf("c")).toEqual([["x1", "next", T0], ["h1", MIGRATED_EXIT, at]]);
        expect(await store.elementStats(C)).toEqual(expect.arrayContaining([
          { element: "w1", exit: MIGRATED_EXIT, n: 2 },
          { element: "x2", exit: "", n: 2 },
          { element: "h1", exit: MIGRATED_EXIT, n: 1 },
        ]));
        expect(await store.outcomeCounts(C)).toEqual(new Map([["success", 1], ["abandon", 1], ["inProgress", 3]]));
      });
    });

    describe("the outbox", () => {
      async function oneJourney(id = "a") {
        const pk = (await contacts([id])).get(id)!;
        const journey = (await store.enter({ campaignId: C, contactPk: pk, contactId: id, element: "a1", at: T0, reentry: "always" }))!;
        return { journey, contactPk: pk, contactId: id };
      }

      it("inserts a message once per journey, element and hop", async () => {
        const j = await oneJourney();
        await store.insertMessages(P, C, [message(j, { payload: { subject: "first" } })]);
        await store.insertMessages(P, C, [message(j, { payload: { subject: "second" } })]);
        let all = await store.campaignMessages(C);
        expect(all).toHaveLength(1);
        expect(all[0]).toMatchObject({ campaignId: C, journey: j.journey, element: "a1", hop: 0, status: "queued", payload: { subject: "first" } });
        await store.insertMessages(P, C, [message(j, { hop: 3 }), message(j, { element: "a2" })]);
        all = await store.campaignMessages(C);
        expect(all.map((m) => [m.element, m.hop])).toEqual([["a1", 0], ["a1", 3], ["a2", 0]]);
      });

      it("merges campaign state changes: winners and first arrivals key by key, concurrent changes all kept", async () => {
        await Promise.all([
          store.updateCampaignState(C, { winners: { s1: "A" } }),
          store.updateCampaignState(C, { winners: { s2: "B" } }),
          store.updateCampaignState(C, { firstArrival: { s1: T0 } }),
          store.updateCampaignState(C, { cursor: T0 + 5 }),
        ]);
        const state = await store.updateCampaignState(C, { firstArrival: { s1: T0 + 99 } });
        expect(state).toEqual({ winners: { s1: "A", s2: "B" }, firstArrival: { s1: T0 }, cursor: T0 + 5 });
        expect((await store.getCampaign(C))?.state).toEqual(state);
      });

      it("holds, of the messages asked for, only those still queued", async () => {
        const j = await oneJourney();
        const ids = await store.insertMessages(P, C, [
          message(j, { element: "q1" }),
          message(j, { element: "q2" }),
          message(j, { element: "skip", status: "skipped", reason: "noAddress" }),
        ]);
        expect(ids.every((id) => typeof id === "number")).toBe(true);
        expect(await store.insertMessages(P, C, [message(j, { element: "q1" })])).toEqual([null]);
        await store.markSent([ids[1]!], T0, true);
        expect(await store.transaction(() => store.holdQueued(ids as number[]))).toEqual([ids[0]]);
      });

      it("hands out queued messages that are due, in send-time order, until marked sent", async () => {
        const j = await oneJourney();
        await store.insertMessages(P, C, [
          message(j, { element: "late", sendAfter: T0 + 60 * MIN }),
          message(j, { element: "now" }),
          message(j, { element: "skip", status: "skipped", reason: "unsubscribed" }),
          message(j, { element: "held", status: "pendingApproval" }),
          message(j, { element: "soon", sendAfter: T0 + MIN }),
        ]);
        expect(await store.nextMessageAt()).toBe(T0);
        expect((await store.dueMessages(T0 + 5 * MIN, 10)).map((m) => m.element)).toEqual(["now", "soon"]);
        const [first] = await store.dueMessages(T0 + 5 * MIN, 1);
        expect(first).toMatchObject({ element: "now", payload: { subject: "Hello" }, sentAt: null, deliveredAt: null });

        await store.markSent([first.id], T0 + 2 * MIN, true);
        const soon = (await store.dueMessages(T0 + 5 * MIN, 10))[0];
        expect(soon.element).toBe("soon");
        await store.markSent([soon.id], T0 + 3 * MIN, false);
        expect(await store.dueMessages(T0 + 5 * MIN, 10)).toEqual([]);
        expect(await store.nextMessageAt()).toBe(T0 + 60 * MIN);

        const byElement = new Map((await store.campaignMessages(C)).map((m) => [m.element, m]));
        expect(byElement.get("now")).toMatchObject({ status: "sent", sentAt: T0 + 2 * MIN, deliveredAt: T0 + 2 * MIN });
        expect(byElement.get("soon")).toMatchObject({ status: "sent", sentAt: T0 + 3 * MIN, deliveredAt: null });
        expect(byElement.get("skip")).toMatchObject({ status: "skipped", reason: "unsubscribed", sentAt: null });
        expect((await store.latestSentMessage(C, "now", j.contactPk))?.id).toBe(first.id);
        expect(await store.latestSentMessage(C, "skip", j.contactPk)).toBeUndefined();
        const found = await store.messageByKey(first.journey, "now", first.hop);
        expect(found).toMatchObject({ id: first.id, element: "now", status: "sent", deliveredAt: T0 + 2 * MIN, openedAt: null });
        expect(await store.messageByKey(first.journey, "nope", first.hop)).toBeUndefined();
        expect(await store.messageByKey(first.journey + 1000, "now", first.hop)).toBeUndefined();
      });

      it("retries a message later with a doubling delay, counting the attempts", async () => {
        const j = await oneJourney();
        await store.insertMessages(P, C, [message(j)]);
        const [m] = await store.dueMessages(T0, 1);
        expect(await store.retryMessage(m.id, "451 try later", T0, MIN)).toBe(1);
        expect(await store.dueMessages(T0 + MIN - 1, 10)).toEqual([]);
        expect((await store.dueMessages(T0 + MIN, 10)).map((x) => x.id)).toEqual([m.id]);
        expect(await store.retryMessage(m.id, "connection lost", T0 + MIN, MIN)).toBe(2);
        expect(await store.nextMessageAt()).toBe(T0 + 3 * MIN);
        expect((await store.campaignMessages(C))[0]).toMatchObject({ status: "queued", reason: "connection lost" });
        await store.markSent([m.id], T0 + 3 * MIN, false);
        expect(await store.retryMessage(m.id, "late", T0 + 4 * MIN, MIN)).toBe(0);
      });

      it("records message events once and keeps every click", async () => {
        const j = await oneJourney();
        await store.insertMessages(P, C, [message(j)]);
        const [m] = await store.dueMessages(T0, 1);
        await store.markSent([m.id], T0, true);
        await store.recordMessageEvent(m.id, "opened", T0 + MIN, {});
        await store.recordMessageEvent(m.id, "opened", T0 + 2 * MIN, {});
        await store.recordMessageEvent(m.id, "clicked", T0 + 3 * MIN, { url: "https://a.io/x" });
        await store.recordMessageEvent(m.id, "clicked", T0 + 4 * MIN, { url: "https://a.io/y" });
        await store.recordMessageEvent(m.id, "unsubscribed", T0 + 5 * MIN, { communicationType: "news" });
        await store.recordMessageEvent(m.id, "bounced", T0 + 6 * MIN, { hard: true });
        const facts = { openedAt: T0 + MIN, clickedAt: T0 + 3 * MIN, unsubscribedAt: T0 + 5 * MIN, unsubscribedType: "news", bouncedAt: T0 + 6 * MIN };
        expect((await store.journeyMessages([j.journey]))[0]).toMatchObject(facts);
        expect((await store.campaignMessages(C))[0]).toMatchObject({ ...facts, bounceHard: true });
        expect((await store.clicksOf([m.id])).map((c) => c.url).sort()).toEqual(["https://a.io/x", "https://a.io/y"]);
      });

      it("moves pending messages of the given elements to another status", async () => {
        const j = await oneJourney();
        await store.insertMessages(P, C, [message(j, { status: "pendingApproval" }), message(j, { element: "a2", status: "pendingApproval" })]);
        expect(await store.settlePending(C, ["a1"], "pendingApproval", "queued", T0 + MIN)).toBe(1);
        expect((await store.dueMessages(T0 + MIN, 10)).map((m) => m.element)).toEqual(["a1"]);
        expect((await store.campaignMessages(C)).find((m) => m.element === "a2")?.status).toBe("pendingApproval");
      });
    });

    describe("promo codes", () => {
      it("gives each code once, in the order the bank received them, then null", async () => {
        const pks = await contacts(["a", "b", "c"]);
        const js = await enterAt(pks, () => T0, "g1");
        await store.addPromoCodes(P, "spring", ["S-3", "S-1"]);
        const take = (id: string) => store.takePromoCode(P, "spring", pks.get(id)!, js.get(id)!, T0);
        expect(await take("a")).toBe("S-1");
        expect(await take("b")).toBe("S-2");
        expect(await take("c")).toBe("S-3");
        expect(await take("a")).toBeNull();
        expect(await store.takePromoCode(P, "unknown", pks.get("a")!, js.get("a")!, T0)).toBeNull();
        expect((await store.journeyContext([js.get("b")!])).get(js.get("b")!)?.promoCode).toBe("S-2");
        expect((await store.promoGrants(P)).map((g) => [g.contactId, g.code])).toEqual([["a", "S-1"], ["b", "S-2"], ["c", "S-3"]]);
      });

      it("does not give a code again when the project is saved again", async () => {
        const pks = await contacts(["a"]);
        const js = await enterAt(pks, () => T0, "g1");
        expect(await store.takePromoCode(P, "spring", pks.get("a")!, js.get("a")!, T0)).toBe("S-1");
        await store.putProject(P, PROJECT);
        expect(await store.takePromoCode(P, "spring", pks.get("a")!, js.get("a")!, T0)).toBe("S-2");
        expect(await store.takePromoCode(P, "spring", pks.get("a")!, js.get("a")!, T0)).toBeNull();
      });

      it("keeps banks of different projects apart", async () => {
        await store.addPromoCodes("p2", "spring", ["OTHER"]);
        expect(await store.takePromoCode("p2", "spring", 1, 1, T0)).toBe("OTHER");
        expect(await store.takePromoCode(P, "spring", 1, 1, T0)).toBe("S-1");
      });
    });

    describe("timers", () => {
      it("gives due timers once, in due order, and reports the next one", async () => {
        await store.addTimer(C, "t9", 5, T0 + 2 * MIN, "cart");
        await store.addTimer(C, "s1", null, T0 + MIN, "axWinner");
        await store.addTimer(C, "t9", 6, T0 + 10 * MIN, "cart");
        await store.addTimer("other", "t9", 5, T0, "cart");
        expect(await store.nextTimerAt(C)).toBe(T0 + MIN);
        expect(await store.takeDueTimers(C, T0 + 5 * MIN)).toEqual([
          { element: "s1", contactPk: null, dueAt: T0 + MIN, kind: "axWinner" },
          { element: "t9", contactPk: 5, dueAt: T0 + 2 * MIN, kind: "cart" },
        ]);
        expect(await store.takeDueTimers(C, T0 + 5 * MIN)).toEqual([]);
        expect(await store.nextTimerAt(C)).toBe(T0 + 10 * MIN);
        expect(await store.nextTimerAt("nothing")).toBeNull();
      });

      it("deletes timers matching every part of the filter", async () => {
        await store.addTimer(C, "t9", 5, T0, "cart");
        await store.addTimer(C, "t9", 6, T0, "cart");
        await store.addTimer("other", "t9", 5, T0, "cart");
        await store.addTimer(C, "s1", null, T0, "axWinner");
        await store.deleteTimers({ kind: "cart", contactPk: 5 });
        expect((await store.takeDueTimers(C, T0)).map((t) => [t.element, t.contactPk])).toEqual([["t9", 6], ["s1", null]]);
        expect(await store.takeDueTimers("other", T0)).toEqual([]);
        await store.addTimer(C, "s1", null, T0, "axWinner");
        await store.addTimer(C, "s2", null, T0, "axWinner");
        await store.deleteTimers({ campaignId: C, element: "s1", kind: "axWinner" });
        expect((await store.takeDueTimers(C, T0)).map((t) => t.element)).toEqual(["s2"]);
      });
    });

    describe("counters and variants", () => {
      it("adds counts per element, period and exit", async () => {
        await store.addCounter(C, "d1", "run:1", "out1", 2);
        await store.addCounter(C, "d1", "run:1", "out1", 3);
        await store.addCounter(C, "d1", "run:1", "out2", 1);
        await store.addCounter(C, "d1", "run:2", "out1", 7);
        await store.addCounter(C, "d2", "run:1", "out1", 9);
        expect(await store.counters(C, "d1", "run:1")).toEqual(new Map([["out1", 5], ["out2", 1]]));
        expect(await store.counters(C, "d1", "run:2")).toEqual(new Map([["out1", 7]]));
        expect(await store.counters(C, "d1", "run:3")).toEqual(new Map());
      });

      it("lists the journeys routed to a variant and not yet released", async () => {
        const pks = await contacts(["a", "b", "c"]);
        const js = await enterAt(pks, () => T0, "s1");
        await store.setVariant(js.get("a")!, "s1", "A", false);
        await store.setVariant(js.get("b")!, "s1", null, false);
        await store.setVariant(js.get("c")!, "s1", "B", false);
        await store.setVariant(js.get("c")!, "s1", "A", true);
        expect(await store.variantJourneys("s1", C)).toEqual([{ journey: js.get("a")!, variant: "A" }]);
      });
    });

    describe("postal history", () => {
      it("lists each contact's earlier postal entries for a destination, oldest first", async () => {
        await store.recordPostal(P, "crm", 1, 10, T0 + 2 * MIN, "update", { city: "B" });
        await store.recordPostal(P, "crm", 1, 9, T0, "mailing", { city: "A" });
        await store.recordPostal(P, "crm", 1, 11, T0 + 2 * MIN, "remove", undefined);
        await store.recordPostal(P, "crm", 2, 9, T0, "mailing", { city: "C" });
        await store.recordPostal(P, "crm", 1, 12, T0 + 5 * MIN, "mailing", { city: "D" });
        await store.recordPostal(P, "other", 1, 13, T0, "mailing", { city: "E" });
        await store.recordPostal("p2", "crm", 1, 14, T0, "mailing", { city: "F" });
        const h = await store.postalHistory(P, "crm", [1, 2, 3], T0 + 5 * MIN);
        expect(h.get(1)).toEqual([
          { kind: "mailing", at: T0, address: { city: "A" } },
          { kind: "update", at: T0 + 2 * MIN, address: { city: "B" } },
          { kind: "remove", at: T0 + 2 * MIN, address: null },
        ]);
        expect(h.get(2)).toEqual([{ kind: "mailing", at: T0, address: { city: "C" } }]);
        expect(h.has(3)).toBe(false);
      });
    });

    describe("files", () => {
      it("appends rows to one file per batch key and lists files with their rows", async () => {
        const id1 = await store.appendFileRows(C, "x1", "crm", "a.csv", "export", "run:1", T0, [{ id: "a" }]);
        const id2 = await store.appendFileRows(C, "x1", "crm", "a.csv", "export", "run:1", T0, [{ id: "b" }]);
        const id3 = await store.appendFileRows(C, "x1", "crm", "b.csv", "export", "run:2", T0 + MIN, []);
        expect(id2).toBe(id1);
        expect(id3).not.toBe(id1);
        expect((await store.campaignFiles(C)).map((f) => [f.path, f.rows])).toEqual([["a.csv", [{ id: "a" }, { id: "b" }]], ["b.csv", []]]);
      });
    });
  });
}
