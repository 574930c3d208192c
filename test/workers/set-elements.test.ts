import { describe, expect, it } from "vitest";
import { CaptureTransport } from "../../src/channels/capture-transport.js";
import { VirtualClock } from "../../src/engine/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument, ProjectConfig } from "../../src/model/index.js";
import { PgStore } from "../../src/store/postgres/pg-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { DATABASE_URL, dropSchemas, freshSchema } from "../store/stores.js";

const CONTACTS = 2000;
const T0 = Date.parse("2026-12-01T14:00:00Z");

const project = ProjectConfig.parse({
  timezone: "America/Toronto",
  fields: [{ key: "email", type: "email", category: "uniqueKey" }, { key: "score", type: "number" }],
  communicationTypes: [{ key: "news", channel: "email" }],
});

/**
 * The run reaches both set elements in many small batches (a condition before them), so several
 * workers are still moving its upstream part when the first of them finds tokens at a set element.
 */
const campaign = CampaignDocument.parse({
  id: "sets", name: "Set elements", elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "k1", type: "condition.profile", params: { field: "score", operator: "lessThan", value: 70 } },
    { id: "x1", type: "split.axTest", params: { variants: [{ key: "A", percent: 10 }, { key: "B", percent: 25 }], winner: { mode: "manual" } } },
    { id: "a1", type: "action.sendEmail", params: { communicationType: "news", message: { subject: "A", html: "<p>A</p>" } } },
    { id: "a2", type: "action.sendEmail", params: { communicationType: "news", message: { subject: "B", html: "<p>B</p>" } } },
    { id: "s1", type: "split.distribution", params: { outputs: [{ max: 111 }, { max: 222 }] } },
    { id: "e1", type: "end.success", params: {} },
    { id: "e2", type: "end.neutral", params: {} },
    { id: "e3", type: "end.failure", params: {} },
    { id: "e4", type: "end.abandon", params: {} },
  ],
  connections: [
    { from: "t1", exit: "next", to: "k1" }, { from: "k1", exit: "true", to: "x1" }, { from: "k1", exit: "false", to: "s1" },
    { from: "x1", exit: "A", to: "a1" }, { from: "x1", exit: "B", to: "a2" }, { from: "a1", exit: "next", to: "e1" }, { from: "a2", exit: "next", to: "e1" },
    { from: "s1", exit: "out1", to: "e2" }, { from: "s1", exit: "out2", to: "e3" }, { from: "s1", exit: "rest", to: "e4" },
  ],
});

async function setUp(store: Store): Promise<void> {
  await store.migrate();
  await store.transaction(async () => {
    await store.putProject("p", project);
    const contacts = Array.from({ length: CONTACTS }, (_, i) => ({ id: `c${String(i).padStart(5, "0")}`, fields: { email: `u${i}@example.com`, score: (i * 37) % 100 }, subscriptions: { news: true } }));
    await store.upsertContacts("p", contacts, T0 - 1000);
  });
}

/** Runs the campaign with `engines` ticking together at each due instant; the winner is chosen once the run has settled. */
async function run(engines: Engine[], clocks: VirtualClock[]): Promise<void> {
  const [first] = engines;
  await first.saveCampaign("p", campaign, 11);
  await first.activate("sets", T0);
  await first.launch("sets", T0);
  const settle = async () => {
    for (let t = await first.nextWakeAt(); t !== null; t = await first.nextWakeAt()) {
      clocks.forEach((c) => c.set(t!));
      await Promise.all(engines.map((e) => e.tick(t!)));
    }
  };
  await settle();
  await first.setWinner("sets", "x1", "B", T0 + 1000);
  await settle();
}

/** Each contact's path through the campaign. */
async function paths(store: Store): Promise<Map<string, string>> {
  const byJourney = new Map<number, string[]>();
  for (const s of await store.steps("sets")) byJourney.set(s.journey, [...(byJourney.get(s.journey) ?? []), `${s.element}:${s.exit ?? ""}`]);
  return new Map((await store.journeys("sets")).map((j) => [j.contactId, (byJourney.get(j.id) ?? []).join(" ")]));
}

describe.skipIf(!DATABASE_URL)("set elements under several workers", () => {
  it("an A/X test and a distribution split a run exactly as a single engine does when four workers move it", async () => {
    const reference = new SqliteStore(":memory:");
    await setUp(reference);
    const clock = new VirtualClock(T0);
    await run([new Engine({ store: reference, clock, transport: new CaptureTransport(true), batchSize: 25 })], [clock]);
    const expected = await paths(reference);
    await reference.close();

    const schema = freshSchema("relais_sets");
    const stores = [0, 1, 2, 3].map(() => new PgStore(DATABASE_URL!, schema));
    try {
      await setUp(stores[0]);
      const clocks = stores.map(() => new VirtualClock(T0));
      const engines = stores.map((store, i) => new Engine({ store, clock: clocks[i], transport: new CaptureTransport(true), batchSize: 25 }));
      await run(engines, clocks);

      // 1,400 contacts reach the A/X test in one run: exactly 10 % and 25 % of them, the rest held then released to B.
      const stats = Object.fromEntries((await stores[0].elementStats("sets")).map((s) => [`${s.element}.${s.exit}`, s.n]));
      const atTest = stats["k1.true"];
      expect(atTest).toBe(1400);
      expect(stats["x1.A"]).toBe(Math.floor(atTest * 0.1));
      expect(stats["x1.B"]).toBe(atTest - Math.floor(atTest * 0.1));
      const variants = await stores[0].execute("SELECT variant, released, COUNT(*)::int AS n FROM variants GROUP BY 1, 2 ORDER BY 1, 2", []);
      expect(variants).toEqual([
        { variant: "A", released: false, n: 140 },
        { variant: "B", released: false, n: 350 },
        { variant: "B", released: true, n: 910 },
      ]);
      // The distribution fills its outputs once for the run's 600 contacts.
      expect([stats["s1.out1"], stats["s1.out2"], stats["s1.rest"]]).toEqual([111, 222, 600 - 333]);
      // And the same contacts go the same way as with one engine.
      const actual = await paths(stores[0]);
      expect(actual.size).toBe(CONTACTS);
      expect([...actual].filter(([id, path]) => expected.get(id) !== path)).toEqual([]);
    } finally {
      for (const s of stores) await s.close();
      await dropSchemas(DATABASE_URL!, [schema]);
    }
  });

  it("a set element's claim takes nothing while part of the run is still upstream or was moved by a worker whose clock is ahead", async () => {
    const schema = freshSchema("relais_sets");
    const store = new PgStore(DATABASE_URL!, schema);
    try {
      await setUp(store);
      const engine = new Engine({ store, clock: new VirtualClock(T0), transport: new CaptureTransport(true) });
      await engine.saveCampaign("p", campaign, 11);
      const [c0, c1, c2] = await store.listContacts("p");
      const enter = (c: typeof c0, element: string, at: number) =>
        store.transaction(() => store.enter({ campaignId: "sets", contactPk: c.pk, contactId: c.id, element, at, reentry: "always" }));
      const whole = { whole: { upstream: ["t1", "k1"] } };
      const claim = (now: number) => store.transaction(async () => (await store.claim("sets", "x1", now, 1000, whole)).map((t) => t.contactId));
      await enter(c0, "x1", T0);
      await enter(c1, "k1", T0);
      expect(await claim(T0)).toEqual([]);
      // Once nothing is due upstream, the element's tokens are claimed together.
      await store.transaction(() => store.execute("UPDATE journeys SET element = 'x1' WHERE contact_pk = $1", [c1.pk]));
      expect(await claim(T0)).toEqual([c0.id, c1.id]);
      // A token another worker moved at a later instant than this worker's `now`: wait for it.
      await enter(c2, "x1", T0 + 5);
      expect(await claim(T0)).toEqual([]);
      expect(await claim(T0 + 5)).toEqual([c0.id, c1.id, c2.id]);
      // Without `whole` (any other element), what is due is claimed as usual.
      expect(await store.transaction(async () => (await store.claim("sets", "x1", T0, 1000)).length)).toBe(2);
    } finally {
      await store.close();
      await dropSchemas(DATABASE_URL!, [schema]);
    }
  });
});
