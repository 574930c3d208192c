import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CaptureTransport } from "../../src/channels/capture-transport.js";
import { SystemClock, VirtualClock } from "../../src/engine/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument, ProjectConfig } from "../../src/model/index.js";
import { PgStore } from "../../src/store/postgres/pg-store.js";
import { DATABASE_URL, dropSchemas, freshSchema } from "../store/stores.js";

/**
 * Fault test: four `relais worker` processes share one PostgreSQL schema and move CONTACTS
 * contacts through a campaign with sends, a one-minute delay and conditions; one worker is
 * SIGKILLed mid-run and a fifth is started. At the end every journey must have ended exactly as in
 * a single-process run: one journey per contact, the outcome its score decides, each step once,
 * each (journey, send element) message once and sent, and the element counts matching.
 *
 * Delays are at least a minute (ELEMENTS.md), so half of the contacts are set up at the delay by
 * the engine on a virtual clock (trigger, condition, first email), with due times then moved to
 * the next seconds: their delay comes due while the workers run. The other half enter by a run
 * launched once the workers are up, and go through a condition and a send to their end.
 *
 * 100,000 contacts (a multiple of 100): about 30 s on a 2-core machine with PostgreSQL alongside, of
 * which 10 s are setup. A smaller run: RELAIS_FAULT_CONTACTS=20000.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const CONTACTS = Number(process.env.RELAIS_FAULT_CONTACTS ?? 100_000);
const WORKERS = 4;
/** The waiting half comes due over this window once the workers are started. */
const DUE_SPREAD_MS = 8000;

const project = ProjectConfig.parse({
  timezone: "America/Toronto",
  fields: [{ key: "email", type: "email", category: "uniqueKey" }, { key: "firstName", type: "text" }, { key: "score", type: "number" }],
  communicationTypes: [{ key: "news", channel: "email" }],
});

const email = (id: string, subject: string) => ({
  id, type: "action.sendEmail", params: { communicationType: "news", message: { subject, html: "<p>Bonjour {{ contact.firstName }}</p>" } },
});

/** manual → score < 50 ? (email → 1 minute → score < 25 ? (email → success) : neutral) : (email → failure). */
const campaign = CampaignDocument.parse({
  id: "fault", name: "Fault", reentry: "afterExit", elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "k0", type: "condition.profile", params: { field: "score", operator: "lessThan", value: 50 } },
    email("a1", "Bonjour {{ contact.firstName }}"),
    { id: "d1", type: "delay.period", params: { amount: 1, unit: "minutes" } },
    { id: "k1", type: "condition.profile", params: { field: "score", operator: "lessThan", value: 25 } },
    email("a3", "Votre offre, {{ contact.firstName }}"),
    email("a2", "Nos nouveautés"),
    { id: "e1", type: "end.success", params: {} },
    { id: "e2", type: "end.neutral", params: {} },
    { id: "e3", type: "end.failure", params: {} },
  ],
  connections: [
    { from: "t1", exit: "next", to: "k0" }, { from: "k0", exit: "true", to: "a1" }, { from: "k0", exit: "false", to: "a2" },
    { from: "a1", exit: "next", to: "d1" }, { from: "d1", exit: "next", to: "k1" }, { from: "k1", exit: "true", to: "a3" },
    { from: "k1", exit: "false", to: "e2" }, { from: "a3", exit: "next", to: "e1" }, { from: "a2", exit: "next", to: "e3" },
  ],
});

/** Contact i: scores 0–49 go through the delay (set up before the workers), 50–99 enter with the workers. */
const contact = (i: number) => ({
  id: `c${String(i).padStart(6, "0")}`,
  fields: { email: `u${i}@example.com`, firstName: `U${i}`, score: i % 100 },
  subscriptions: { news: true },
});

/** Each path, as the journey log spells it, and the outcome it ends with. */
const PATHS: Record<string, { path: string; outcome: string }> = {
  success: { path: "t1:next k0:true a1:next d1:next k1:true a3:next e1:", outcome: "success" },
  neutral: { path: "t1:next k0:true a1:next d1:next k1:false e2:", outcome: "neutral" },
  failure: { path: "t1:next k0:false a2:next e3:", outcome: "failure" },
};

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!DATABASE_URL)("workers under a fault", () => {
  it(`four workers, one SIGKILLed mid-run and another started, finish every journey of ${CONTACTS.toLocaleString("en")} contacts exactly once`, async () => {
    const schema = freshSchema("relais_fault");
    const store = new PgStore(DATABASE_URL!, schema);
    const logs: string[] = [];
    try {
      await store.migrate();
      // Setup: the delayed half reaches the delay on a virtual clock, in one process.
      const clock = new VirtualClock(Date.now() - 3_600_000);
      const setup = new Engine({ store, clock, transport: new CaptureTransport(true) });
      await store.transaction(() => store.putProject("p", project));
      const delayed = Array.from({ length: CONTACTS }, (_, i) => i).filter((i) => i % 100 < 50);
      const entering = Array.from({ length: CONTACTS }, (_, i) => i).filter((i) => i % 100 >= 50);
      for (let i = 0; i < delayed.length; i += 5000) {
        await store.transaction(() => store.upsertContacts("p", delayed.slice(i, i + 5000).map(contact), clock.now()));
      }
      await setup.saveCampaign("p", campaign, 7);
      await setup.activate("fault", clock.now());
      await setup.launch("fault", clock.now());
      await setup.tick(clock.now());
      expect((await store.waitingCounts("fault")).get("d1")).toBe(delayed.length);
      for (let i = 0; i < entering.length; i += 5000) {
        await store.transaction(() => store.upsertContacts("p", entering.slice(i, i + 5000).map(contact), clock.now()));
      }

      const spawnWorker = (n: number) => {
        const child = spawn(process.execPath, [join(ROOT, "bin", "relais.js"), "worker"], {
          env: { ...process.env, DATABASE_URL, RELAIS_PG_SCHEMA: schema, PGAPPNAME: `${schema}_w${n}` }, stdio: ["ignore", "ignore", "pipe"],
        });
        child.stderr!.on("data", (d: Buffer) => logs.push(...d.toString().trim().split("\n").map((l) => `worker ${n}: ${l}`)));
        children.push(child);
        return child;
      };
      const exited = (c: ChildProcess) => new Promise<{ code: number | null; signal: string | null }>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) resolve({ code: c.exitCode, signal: c.signalCode });
        else c.on("exit", (code, signal) => resolve({ code, signal }));
      });
      // The delay comes due over the next seconds, as if it had started a minute ago; the other half enters now.
      const start = Date.now();
      await store.transaction(() => store.execute(
        "UPDATE journeys SET due_at = $1 + (contact_pk % 16) * $2 WHERE campaign_id = 'fault' AND element = 'd1' AND state = 1",
        [start + 1000, DUE_SPREAD_MS / 16],
      ));
      const workers = Array.from({ length: WORKERS }, (_, n) => spawnWorker(n + 1));
      const live = new Engine({ store, clock: new SystemClock(), transport: new CaptureTransport(true) });
      expect(await live.launch("fault")).toBe(entering.length);

      const ended = async () => Number((await store.execute("SELECT COUNT(*) AS n FROM journeys WHERE state = 9", []))[0].n);
      const queued = async () => Number((await store.execute("SELECT COUNT(*) AS n FROM messages WHERE status = 'queued'", []))[0].n);
      // Kill worker 2 in the middle of a transaction (a batch claimed, not committed), once a fifth
      // of the journeys have ended and while the delayed half comes due.
      const inTransaction = async () => (await store.execute(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND xact_start IS NOT NULL AND state <> 'idle'", [`${schema}_w2`],
      )).length > 0;
      while ((await ended()) < CONTACTS / 5) await sleep(20);
      const aimed = Date.now();
      while (!(await inTransaction()) && Date.now() - aimed < 30_000) await sleep(5);
      const caughtInTransaction = await inTransaction();
      workers[1].kill("SIGKILL");
      const killed = await exited(workers[1]);
      const endedAtKill = await ended();
      expect(endedAtKill).toBeLessThan(CONTACTS);
      workers.push(spawnWorker(WORKERS + 1));

      const deadline = Date.now() + 20 * 60_000;
      while (((await ended()) < CONTACTS || (await queued()) > 0) && Date.now() < deadline) await sleep(200);
      const seconds = (Date.now() - start) / 1000;
      for (const w of workers) if (w !== workers[1]) w.kill("SIGTERM");
      const survivors = workers.filter((w) => w !== workers[1]);
      const exits = await Promise.all(survivors.map(exited));
      process.stderr.write(`fault test: ${CONTACTS} contacts in ${seconds.toFixed(1)} s; worker 2 killed with ${endedAtKill} journeys ended\n`);

      expect(killed.signal).toBe("SIGKILL");
      expect(caughtInTransaction).toBe(true);
      expect(exits).toEqual(survivors.map(() => ({ code: 0, signal: null })));
      expect(logs.filter((l) => /failed|error/i.test(l))).toEqual([]);

      // One journey per contact, ended the way its score decides, along its path, each step once.
      const byPath = await store.execute(
        `SELECT c.fields::jsonb ->> 'score' AS score, j.outcome,
           (SELECT string_agg((s.value ->> 0) || ':' || COALESCE(s.value ->> 1, ''), ' ' ORDER BY s.n) FROM jsonb_array_elements(j.path) WITH ORDINALITY AS s(value, n)) AS path,
           COUNT(*)::int AS n, COUNT(DISTINCT j.contact_pk)::int AS contacts
         FROM journeys j JOIN contacts c ON c.pk = j.contact_pk GROUP BY 1, 2, 3`,
        [],
      );
      const expected = (score: number) => (score < 25 ? PATHS.success : score < 50 ? PATHS.neutral : PATHS.failure);
      const wrong = byPath.filter((r) => {
        const e = expected(Number(r.score));
        return r.outcome !== e.outcome || r.path !== e.path || r.n !== r.contacts;
      });
      expect(wrong).toEqual([]);
      expect(byPath.reduce((s, r) => s + (r.n as number), 0)).toBe(CONTACTS);
      expect(Number((await store.execute("SELECT COUNT(DISTINCT contact_pk) AS n FROM journeys", []))[0].n)).toBe(CONTACTS);

      // Each (journey, send element) message once, and sent.
      const perCohort = CONTACTS / 4;
      const messages = await store.execute(
        "SELECT element, status, COUNT(*)::int AS n, COUNT(DISTINCT journey_id)::int AS journeys FROM messages GROUP BY 1, 2 ORDER BY 1, 2", [],
      );
      expect(messages).toEqual([
        { element: "a1", status: "sent", n: 2 * perCohort, journeys: 2 * perCohort },
        { element: "a2", status: "sent", n: 2 * perCohort, journeys: 2 * perCohort },
        { element: "a3", status: "sent", n: perCohort, journeys: perCohort },
      ]);
      // The counts the reports read agree: no batch counted twice, none lost.
      const stats = Object.fromEntries((await store.elementStats("fault")).map((s) => [`${s.element}.${s.exit}`, s.n]));
      expect(stats).toMatchObject({
        "t1.": CONTACTS, "k0.true": 2 * perCohort, "k0.false": 2 * perCohort, "d1.next": 2 * perCohort,
        "k1.true": perCohort, "k1.false": perCohort, "a3.next": perCohort, "a2.next": 2 * perCohort,
        "e1.": perCohort, "e2.": perCohort, "e3.": 2 * perCohort,
      });
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await store.close();
      await dropSchemas(DATABASE_URL!, [schema]);
    }
  }, 30 * 60_000);
});
