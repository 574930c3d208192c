import { describe, expect, it } from "vitest";
import { CaptureTransport } from "../../src/channels/capture-transport.js";
import { VirtualClock } from "../../src/engine/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument, ProjectConfig } from "../../src/model/index.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { outbox } from "./outbox.js";

/**
 * The deterministic complement of the SIGKILL test: a crash between any two store calls. For
 * every n, a run dies at the engine's nth store call (the open transaction rolls back, the
 * engine's memory is lost) and a fresh engine restarts on the same database and finishes; the
 * result must equal an uninterrupted run's. Random kills rarely land in a window a few
 * microseconds wide; this visits every such window. The campaign adds what the big one lacks:
 * an A/X test with an automatic winner (a durable timer, held contacts released by it).
 */

const DAY = 86_400_000;
const T0 = Date.parse("2026-12-01T14:00:00Z");
const UNTIL = T0 + 30 * DAY;
const ID = "crash";
const PROJECT = "p";

const project = ProjectConfig.parse({
  timezone: "America/Toronto",
  fields: [{ key: "email", type: "email", category: "uniqueKey" }, { key: "firstName", type: "text" }, { key: "score", type: "number" }],
  communicationTypes: [{ key: "newsletter", channel: "email" }],
});

const email = (id: string, subject: string) => ({
  id, type: "action.sendEmail", params: { communicationType: "newsletter", message: { subject, html: "<p>{{ contact.firstName }}</p>" } },
});

const campaign = CampaignDocument.parse({
  id: ID, name: "Crash points", reentry: "afterExit",
  elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "x1", type: "split.axTest", params: { variants: [{ key: "A", percent: 25 }, { key: "B", percent: 25 }], winner: { mode: "auto", metric: "success", after: { amount: 2, unit: "hours" } } } },
    email("a1", "Bonjour {{ contact.firstName }}"),
    email("a2", "Salut {{ contact.firstName | upcase }}"),
    { id: "d1", type: "delay.period", params: { amount: 1, unit: "days" } },
    { id: "k1", type: "condition.profile", params: { field: "score", operator: "lessThan", value: 50 } },
    email("a3", "{{ contact.firstName }}, le {{ run.date }}"),
    { id: "w1", type: "delay.weekdays", params: { days: ["MO"], time: "09:00" } },
    { id: "e1", type: "end.success", params: {} },
    { id: "e2", type: "end.neutral", params: {} },
  ],
  connections: [
    { from: "t1", exit: "next", to: "x1" },
    { from: "x1", exit: "A", to: "a1" },
    { from: "x1", exit: "B", to: "a2" },
    { from: "a1", exit: "next", to: "d1" },
    { from: "a2", exit: "next", to: "d1" },
    { from: "d1", exit: "next", to: "k1" },
    { from: "k1", exit: "true", to: "a3" },
    { from: "k1", exit: "false", to: "e2" },
    { from: "a3", exit: "next", to: "w1" },
    { from: "w1", exit: "next", to: "e1" },
  ],
});

class Crash extends Error {}

/** The store as the engine sees it, dying at its `at`th call. */
function crashingAt(store: SqliteStore, at: number): Store {
  let calls = 0;
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (++calls === at) throw new Crash(`crash at store call ${at} (${String(prop)})`);
        return value.apply(target, args);
      };
    },
  }) as Store;
}

/** What the child process does: set up when absent, launch when never launched, tick to the end. */
async function drive(store: Store): Promise<void> {
  const clock = new VirtualClock(T0);
  const engine = new Engine({ store, clock, transport: new CaptureTransport(true), batchSize: 4 });
  await store.transaction(async () => {
    if (await store.getCampaign(ID)) return;
    await store.putProject(PROJECT, project);
    await store.upsertContacts(PROJECT, Array.from({ length: 14 }, (_, i) => ({
      id: `c${String(i).padStart(2, "0")}`, createdAt: T0 - DAY, subscriptions: { newsletter: true },
      fields: { email: `u${i}@example.com`, firstName: `User${i}`, score: (i * 37) % 100 },
    })), T0);
    await engine.saveCampaign(PROJECT, campaign, 3);
    await engine.activate(ID, T0);
  });
  if ((await store.firedRuns(ID, "t1")).length === 0) await engine.launch(ID, T0);
  for (;;) {
    const t = await engine.nextWakeAt();
    if (t === null || t > UNTIL) break;
    clock.set(t);
    await engine.tick(t);
  }
}

function snapshot(store: SqliteStore): Record<string, unknown> {
  const all = (sql: string) => store.db.prepare(sql).all();
  return {
    runs: all("SELECT element, at, key, size FROM runs ORDER BY id"),
    journeys: all("SELECT contact_id, entered_at, ended_at, outcome, state, element, hop FROM journeys ORDER BY contact_id, id"),
    paths: all(`SELECT j.contact_id, json_group_array(json_array(s.element, s.exit, s.at) ORDER BY s.seq) AS path
      FROM steps s JOIN journeys j ON j.id = s.journey_id GROUP BY j.id ORDER BY j.contact_id, j.id`),
    messages: outbox(store.db),
    stats: all("SELECT element, exit, n FROM element_stats ORDER BY element, exit"),
    variants: all("SELECT j.contact_id, v.element, v.variant, v.released FROM variants v JOIN journeys j ON j.id = v.journey_id ORDER BY j.contact_id"),
    timers: all("SELECT element, contact_pk, due_at, kind FROM timers ORDER BY id"),
    state: (store.db.prepare("SELECT state FROM campaigns WHERE id = ?").pluck().get(ID) as string),
  };
}

async function fresh(): Promise<SqliteStore> {
  const store = new SqliteStore(":memory:");
  await store.migrate();
  return store;
}

describe("durability: a crash between any two store calls", () => {
  it("loses and duplicates nothing: a restarted run finishes exactly as an uninterrupted one", async () => {
    const reference = await fresh();
    let calls = 0;
    await drive(new Proxy(reference, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? (...args: unknown[]) => (calls++, value.apply(target, args)) : value;
      },
    }));
    const expected = snapshot(reference);
    await reference.close();
    // The reference itself: everyone ended, the winner was chosen by its timer and the held contacts followed it.
    expect((expected.journeys as { state: number }[]).every((j) => j.state === 9)).toBe(true);
    expect(JSON.parse(expected.state as string).winners).toEqual({ x1: "A" });
    expect((expected.variants as { released: number }[]).filter((v) => v.released === 1).length).toBeGreaterThan(0);
    expect(calls).toBeGreaterThan(50);
    console.log(`crash points: ${calls} store calls in the uninterrupted run`);

    const failures: string[] = [];
    for (let at = 1; at <= calls && failures.length < 5; at++) {
      const store = await fresh();
      const crash = await drive(crashingAt(store, at)).then(() => undefined, (e: unknown) => e);
      expect(crash, `the run dies at store call ${at}`).toBeInstanceOf(Crash);
      // A crash at the same point of the recovery too, then a clean restart.
      const second = await drive(crashingAt(store, at)).then(() => undefined, (e: unknown) => e);
      if (second !== undefined && !(second instanceof Crash)) throw second;
      await drive(store);
      const got = snapshot(store);
      await store.close();
      for (const k of Object.keys(expected)) {
        if (JSON.stringify(got[k]) !== JSON.stringify(expected[k])) failures.push(`${(crash as Error).message}, then in the recovery ${second ? (second as Error).message : "none"}: ${k} differs: ${JSON.stringify(got[k]).slice(0, 300)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
