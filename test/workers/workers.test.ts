import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { CaptureTransport } from "../../src/channels/capture-transport.js";
import { VirtualClock } from "../../src/engine/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument, ProjectConfig } from "../../src/model/index.js";
import { PgStore } from "../../src/store/postgres/pg-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { MessageRecord, Store } from "../../src/store/store.js";
import { DATABASE_URL, dropSchemas, freshSchema } from "../store/stores.js";

const ROOT = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "relais-worker-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const project = ProjectConfig.parse({
  timezone: "America/Toronto",
  fields: [{ key: "email", type: "email", category: "uniqueKey" }, { key: "score", type: "number" }],
  communicationTypes: [{ key: "news", channel: "email" }],
});

const email = (subject: string) => ({ communicationType: "news", message: { subject, html: "<p>Bonjour</p>" } });

/** Sends, a delay, a condition and another send: every kind of move a worker makes. */
const campaign = CampaignDocument.parse({
  id: "w", name: "Workers", elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "x1", type: "split.ax", params: { variants: [{ key: "A", weight: 1 }, { key: "B", weight: 1 }] } },
    { id: "a1", type: "action.sendEmail", params: email("A {{ contact.email }}") },
    { id: "a2", type: "action.sendEmail", params: email("B {{ contact.email }}") },
    { id: "d1", type: "delay.period", params: { amount: 1, unit: "days" } },
    { id: "k1", type: "condition.profile", params: { field: "score", operator: "lessThan", value: 50 } },
    { id: "a3", type: "action.sendEmail", params: email("Suite") },
    { id: "e1", type: "end.success", params: {} },
    { id: "e2", type: "end.neutral", params: {} },
  ],
  connections: [
    { from: "t1", exit: "next", to: "x1" }, { from: "x1", exit: "A", to: "a1" }, { from: "x1", exit: "B", to: "a2" },
    { from: "a1", exit: "next", to: "d1" }, { from: "a2", exit: "next", to: "d1" }, { from: "d1", exit: "next", to: "k1" },
    { from: "k1", exit: "true", to: "a3" }, { from: "k1", exit: "false", to: "e2" }, { from: "a3", exit: "next", to: "e1" },
  ],
});

async function setUp(store: Store, contacts: number, at: number, transport = new CaptureTransport(true)): Promise<Engine> {
  await store.migrate();
  const engine = new Engine({ store, clock: new VirtualClock(at), transport, batchSize: 200 });
  await store.transaction(async () => {
    await store.putProject("p", project);
    await store.upsertContacts("p", Array.from({ length: contacts }, (_, i) => ({ id: `c${String(i).padStart(5, "0")}`, fields: { email: `u${i}@example.com`, score: i % 100 }, subscriptions: { news: true } })), at - 1000);
  });
  await engine.saveCampaign("p", campaign, 3);
  await engine.activate("w", at);
  await engine.launch("w", at);
  return engine;
}

describe("relais worker", () => {
  it("moves every due contact on the wall clock and stops cleanly on SIGTERM", async () => {
    const file = join(dir, "relais.sqlite");
    const store = new SqliteStore(file);
    const now = Date.now();
    await setUp(store, 300, now);
    await store.close();

    const child = spawn(process.execPath, [join(ROOT, "bin", "relais.js"), "worker", "--idle", "100"], {
      env: { ...process.env, DATABASE_URL: "", RELAIS_SQLITE_FILE: file }, stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const db = new Database(file, { readonly: true });
    const waitingAtDelay = () => db.prepare("SELECT COUNT(*) FROM journeys WHERE element = 'd1' AND state = 1").pluck().get() as number;
    for (let i = 0; i < 200 && waitingAtDelay() < 300; i++) await new Promise((r) => setTimeout(r, 100));
    expect(waitingAtDelay()).toBe(300);
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(stderr).toContain("relais worker: stopped");
    expect(db.prepare("SELECT status, COUNT(*) AS n FROM messages GROUP BY status").all()).toEqual([{ status: "sent", n: 300 }]);
    db.close();
  });
});

describe.skipIf(!DATABASE_URL)("several workers on one PostgreSQL database", () => {
  it("never move one contact twice: every journey and every message exactly once", async () => {
    const schema = freshSchema("relais_workers");
    const stores = [new PgStore(DATABASE_URL!, schema), new PgStore(DATABASE_URL!, schema), new PgStore(DATABASE_URL!, schema)];
    try {
      const t0 = Date.parse("2026-12-01T14:00:00Z");
      const clocks = stores.map(() => new VirtualClock(t0));
      // Every hand-over to a transport, across all workers: each message must be handed over once.
      const handedOver: number[] = [];
      class CountingTransport extends CaptureTransport {
        override async send(messages: MessageRecord[]) {
          for (const m of messages) handedOver.push(m.id);
          return super.send(messages);
        }
      }
      const first = await setUp(stores[0], 1500, t0, new CountingTransport(true));
      const engines = [first, ...stores.slice(1).map((store, i) => new Engine({ store, clock: clocks[i + 1], transport: new CountingTransport(true), batchSize: 200 }))];
      await stores[0].migrate();
      // The workers tick together at each due instant, as they would on a shared wall clock.
      for (let t = await first.nextWakeAt(); t !== null; t = await first.nextWakeAt()) {
        clocks.forEach((c) => c.set(t!));
        await Promise.all(engines.map((e) => e.tick(t!)));
      }
      const outcomes = await stores[0].outcomeCounts("w");
      expect(Object.fromEntries(outcomes)).toEqual({ success: 750, neutral: 750 });
      const messages = await stores[0].campaignMessages("w");
      expect(messages.filter((m) => m.status === "sent")).toHaveLength(1500 + 750);
      const keys = new Set(messages.map((m) => `${m.journey}/${m.element}`));
      expect(keys.size).toBe(messages.length);
      expect(handedOver).toHaveLength(messages.length);
      expect(new Set(handedOver).size).toBe(messages.length);
      // t1, x1, a1|a2, d1, k1, then a3 and e1 (success) or e2 (neutral): no step twice.
      const steps = await stores[0].steps("w");
      expect(steps).toHaveLength(750 * 7 + 750 * 6);
      const perJourney = new Map<number, string[]>();
      for (const s of steps) perJourney.set(s.journey, [...(perJourney.get(s.journey) ?? []), s.element]);
      for (const path of perJourney.values()) expect(new Set(path).size).toBe(path.length);
      const stats = Object.fromEntries((await stores[0].elementStats("w")).map((s) => [`${s.element}.${s.exit}`, s.n]));
      expect(stats["t1."]).toBe(1500);
      expect(stats["d1."]).toBe(1500);
      expect(stats["k1.true"] + stats["k1.false"]).toBe(1500);
    } finally {
      for (const s of stores) await s.close();
      await dropSchemas(DATABASE_URL!, [schema]);
    }
  });
});
