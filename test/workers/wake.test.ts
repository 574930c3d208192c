import pg from "pg";
import { describe, expect, it } from "vitest";
import { CaptureTransport } from "../../src/channels/capture-transport.js";
import { SystemClock } from "../../src/engine/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument, ProjectConfig } from "../../src/model/index.js";
import { EngineLoop } from "../../src/server/engine-loop.js";
import { PgStore } from "../../src/store/postgres/pg-store.js";
import { DATABASE_URL, dropSchemas, freshSchema } from "../store/stores.js";

const project = ProjectConfig.parse({
  timezone: "America/Toronto",
  fields: [{ key: "email", type: "email", category: "uniqueKey" }],
  communicationTypes: [{ key: "news", channel: "email" }],
});

/** A new contact gets a welcome email and ends: a worker must notice the entry to move it. */
const welcome = CampaignDocument.parse({
  id: "welcome", name: "Welcome", elements: [
    { id: "t1", type: "trigger.contactCreated", params: {} },
    { id: "a1", type: "action.sendEmail", params: { communicationType: "news", message: { subject: "Bienvenue", html: "<p>Bonjour</p>" } } },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds (polling every 10 ms, at most `limitMs`); returns how long it took. */
async function timeUntil(check: () => Promise<boolean>, limitMs: number): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > limitMs) break;
    await sleep(10);
  }
  return performance.now() - started;
}

describe.skipIf(!DATABASE_URL)("workers woken by LISTEN/NOTIFY", () => {
  it("a store is woken by another store's commit that makes work due, never by its own", async () => {
    const schema = freshSchema("relais_wake");
    const [a, b] = [new PgStore(DATABASE_URL!, schema), new PgStore(DATABASE_URL!, schema)];
    try {
      await a.migrate();
      const engine = new Engine({ store: a, clock: new SystemClock(), transport: new CaptureTransport(true) });
      await a.transaction(() => a.putProject("p", project));
      await engine.saveCampaign("p", welcome);
      await engine.activate("welcome");
      let wakes = 0;
      const unsubscribe = await a.subscribeWake(() => wakes++);
      // Its own entry does not wake `a`; the same entry written through `b` does.
      await engine.contactEvent("p", { type: "contact.created", contact: { id: "x@example.com", fields: { email: "x@example.com" }, subscriptions: { news: true } } });
      await sleep(200);
      expect(wakes).toBe(0);
      const other = new Engine({ store: b, clock: new SystemClock(), transport: new CaptureTransport(true) });
      await other.contactEvent("p", { type: "contact.created", contact: { id: "y@example.com", fields: { email: "y@example.com" }, subscriptions: { news: true } } });
      expect(await timeUntil(async () => wakes > 0, 2000)).toBeLessThan(2000);
      expect(wakes).toBe(1);
      // A read-only transaction notifies no one.
      await b.transaction(() => b.listCampaigns());
      await sleep(200);
      expect(wakes).toBe(1);
      await unsubscribe();
    } finally {
      await a.close();
      await b.close();
      await dropSchemas(DATABASE_URL!, [schema]);
    }
  });

  it("an idle worker moves a contact entered by another process within a second, and again after its listening connection is cut", async () => {
    const schema = freshSchema("relais_wake");
    const [worker, server] = [new PgStore(DATABASE_URL!, schema), new PgStore(DATABASE_URL!, schema)];
    const admin = new pg.Pool({ connectionString: DATABASE_URL!, max: 1 });
    let loop: EngineLoop | undefined;
    try {
      await worker.migrate();
      const clock = new SystemClock();
      const engine = new Engine({ store: worker, clock, transport: new CaptureTransport(true) });
      await worker.transaction(() => worker.putProject("p", project));
      await engine.saveCampaign("p", welcome);
      await engine.activate("welcome");
      // Polling alone would take a minute: only the wake-up can make the worker start sooner.
      const lines: string[] = [];
      loop = new EngineLoop(engine, clock, { idleMs: 60_000, listen: true, log: (l) => lines.push(l) });
      loop.start();
      await timeUntil(async () => loop!.ticks > 0, 5000);
      await sleep(300);
      const api = new Engine({ store: server, clock, transport: new CaptureTransport(true) });
      const ended = (id: string) => async () => (await server.journeys("welcome")).some((j) => j.contactId === id && j.outcome === "success");

      await api.contactEvent("p", { type: "contact.created", contact: { id: "first@example.com", fields: { email: "first@example.com" }, subscriptions: { news: true } } });
      const first = await timeUntil(ended("first@example.com"), 5000);
      expect(first).toBeLessThan(2000);

      // The listening connection dies (server restart, network cut): the listener reconnects.
      const cut = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'relais-listen' AND query = $1",
        [`LISTEN "${worker.wakeChannel}"`],
      );
      expect(cut.rowCount).toBe(1);
      await sleep(1000);
      await api.contactEvent("p", { type: "contact.created", contact: { id: "second@example.com", fields: { email: "second@example.com" }, subscriptions: { news: true } } });
      const second = await timeUntil(ended("second@example.com"), 5000);
      expect(second).toBeLessThan(2000);
      // The email is handed over right after the step that wrote it commits.
      await timeUntil(async () => (await server.campaignMessages("welcome")).every((m) => m.status === "sent"), 2000);
      expect((await server.campaignMessages("welcome")).map((m) => [m.contactId, m.status])).toEqual([
        ["first@example.com", "sent"], ["second@example.com", "sent"],
      ]);
      expect(lines).toEqual([]);
    } finally {
      await loop?.stop();
      await worker.close();
      await server.close();
      await admin.end();
      await dropSchemas(DATABASE_URL!, [schema]);
    }
  });
});
