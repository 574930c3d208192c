import { fork, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { CaptureTransport } from "../src/channels/capture-transport.js";
import { VirtualClock } from "../src/engine/clock.js";
import { Engine } from "../src/engine/engine.js";
import { PgStore } from "../src/store/postgres/pg-store.js";
import { B1_CAMPAIGN, B1_PROJECT, B1_PROJECT_ID, B1_T0, DAY } from "./b1-campaign.js";

/**
 * b1 on PostgreSQL with N worker processes: the same campaign, contacts and phases as the SQLite
 * run (bench/run.ts), so the JSON line compares figure for figure.
 *
 * The workload is on a virtual clock, so the workers cannot each follow their own: this driver
 * seeds the contacts (one `INSERT … SELECT generate_series`, not measured), launches the run, then
 * forks N children, each an Engine over its own PgStore on the shared schema, and drives the
 * phases: at each due instant it sends every child the instant, they tick together (claiming
 * with `FOR UPDATE SKIP LOCKED`, as `relais worker` processes do) and answer when nothing is left
 * for them; the driver moves to the next instant once all have answered and nothing is due. The
 * opens of day 1 are injected by the children too, a slice each.
 *
 * Where the time goes: the phases, the CPU seconds of the workers (Node) and the rest of the
 * machine's busy CPU time over the run (PostgreSQL, on a machine that runs nothing else).
 */

export interface PgBenchOptions {
  contacts: number;
  batchSize: number;
  workers: number;
  databaseUrl: string;
}

type ToChild =
  | { type: "init"; url: string; schema: string; batchSize: number }
  | { type: "tick"; at: number }
  | { type: "opens"; contactIds: string[]; at: number }
  | { type: "stop" };

type FromChild =
  | { type: "ready" }
  | { type: "ticked"; moved: number }
  | { type: "opened"; n: number }
  | { type: "stopped"; peakRssMiB: number; cpuSeconds: number };

const round = (x: number) => Math.round(x * 100) / 100;
const CHILD_FLAG = "RELAIS_BENCH_PG_WORKER";

/** Busy and total CPU time of the machine so far, in seconds (Linux /proc/stat; null elsewhere). */
function machineCpu(): { busy: number; total: number } | null {
  if (!existsSync("/proc/stat")) return null;
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((s, x) => s + x, 0);
  const idle = cpu[3] + (cpu[4] ?? 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

/** One forked worker and a way to ask it something and wait for its answer. */
class Worker {
  private waiting: ((m: FromChild) => void) | undefined;
  private failure: Error | undefined;

  constructor(readonly child: ChildProcess) {
    child.on("message", (m: FromChild) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(m);
    });
    child.on("exit", (code) => {
      if (code !== 0) this.failure = new Error(`bench worker exited with ${code}`);
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w({ type: "ready" });
    });
  }

  ask<T extends FromChild>(message: ToChild | null): Promise<T> {
    return new Promise((resolve, reject) => {
      this.waiting = (m) => (this.failure ? reject(this.failure) : resolve(m as T));
      if (message) this.child.send(message);
    });
  }
}

export async function b1Postgres(opts: PgBenchOptions): Promise<Record<string, unknown>> {
  const schema = `relais_bench_${process.pid}_${Date.now().toString(36)}`;
  const store = new PgStore(opts.databaseUrl, schema);
  const workers: Worker[] = [];
  try {
    await store.migrate();
    const clock = new VirtualClock(B1_T0);
    const driver = new Engine({ store, clock, transport: new CaptureTransport(true), batchSize: opts.batchSize });
    await store.transaction(() => store.putProject(B1_PROJECT_ID, B1_PROJECT));

    // Setup (not measured): contacts inserted in bulk, fields as b1Contact spells them.
    process.stderr.write(`b1: inserting ${opts.contacts.toLocaleString("en")} contacts into PostgreSQL schema ${schema}\n`);
    await store.execute(
      `INSERT INTO contacts (project_id, id, status, created_at, fields, subscriptions)
       SELECT $1, 'c' || lpad(i::text, 8, '0'), 'active', $2,
         json_build_object('email', 'user' || i || '@example.com', 'score', i % 100, 'firstName', 'User' || i)::text, '{"newsletter":true}'
       FROM generate_series(0, $3::int - 1) AS i`,
      [B1_PROJECT_ID, B1_T0 - DAY, opts.contacts],
    );
    await store.execute("ANALYZE contacts", []);
    await driver.saveCampaign(B1_PROJECT_ID, B1_CAMPAIGN, 1);
    await driver.activate("b1", B1_T0);

    process.stderr.write(`b1: starting ${opts.workers} worker process(es)\n`);
    for (let i = 0; i < opts.workers; i++) {
      const w = new Worker(fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, [CHILD_FLAG]: "1" } }));
      workers.push(w);
      await w.ask({ type: "init", url: opts.databaseUrl, schema, batchSize: opts.batchSize });
    }

    let moved = 0;
    const tickAll = async (at: number) => {
      clock.set(at);
      const answers = await Promise.all(workers.map((w) => w.ask<{ type: "ticked"; moved: number }>({ type: "tick", at })));
      for (const a of answers) moved += a.moved;
    };
    /** Ticks every worker at each due instant up to `until`, until nothing is due by then. */
    const settle = async (until: number) => {
      for (let t = await driver.nextWakeAt(); t !== null && t <= until; t = await driver.nextWakeAt()) await tickAll(t);
    };

    const cpu0 = machineCpu();
    const started = process.hrtime.bigint();
    // Seconds left out of the measure: the statistics refresh between the virtual days.
    let outside = 0;
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9 - outside;
    const marks: number[] = [];
    const phase = (name: string) => {
      marks.push(elapsed());
      process.stderr.write(`b1: ${name} done at ${marks[marks.length - 1].toFixed(2)} s, ${moved.toLocaleString("en")} contact-steps\n`);
    };
    await driver.launch("b1", B1_T0);
    await settle(B1_T0);
    phase("day 0 (run, condition, sends, outbox)");
    // A day passes on the virtual clock, in which autovacuum would refresh the planner's statistics
    // of the tables day 0 filled (stale ones make PostgreSQL scan all of `messages` per batch).
    const analyzing = process.hrtime.bigint();
    await store.execute("ANALYZE journeys, messages", []);
    const analyzeSeconds = Number(process.hrtime.bigint() - analyzing) / 1e9;
    outside += analyzeSeconds;

    // 30 % of the recipients open, the next day: each worker injects a slice.
    const recipients = (await store.execute("SELECT contact_id FROM messages WHERE campaign_id = 'b1' AND status = 'sent' ORDER BY contact_id", []))
      .map((r) => r.contact_id as string);
    const openers = recipients.filter((_, i) => i % 10 < 3);
    const slice = Math.ceil(openers.length / workers.length);
    const opened = (await Promise.all(workers.map((w, i) =>
      w.ask<{ type: "opened"; n: number }>({ type: "opens", contactIds: openers.slice(i * slice, (i + 1) * slice), at: B1_T0 + DAY }))))
      .reduce((s, a) => s + a.n, 0);
    phase(`${opened.toLocaleString("en")} opens injected:`);
    await settle(Number.MAX_SAFE_INTEGER);
    const seconds = elapsed();
    phase("day 2 (delay, opened condition, ends)");
    const cpu1 = machineCpu();

    const stopped = await Promise.all(workers.map((w) => w.ask<{ type: "stopped"; peakRssMiB: number; cpuSeconds: number }>({ type: "stop" })));
    workers.length = 0;
    const one = async (sql: string) => Number((await store.execute(sql, []))[0].n);
    const contactSteps = await one("SELECT COALESCE(SUM(jsonb_array_length(path)), 0) AS n FROM journeys");
    const outcomes = await store.execute("SELECT outcome, COUNT(*)::int AS n FROM journeys GROUP BY outcome ORDER BY outcome", []);
    const messages = await one("SELECT COUNT(*) AS n FROM messages WHERE status = 'sent'");
    process.stderr.write(`b1: outcomes ${JSON.stringify(outcomes)}, messages sent ${messages}, opens ${opened}\n`);
    const workerCpu = stopped.reduce((s, w) => s + w.cpuSeconds, 0);
    const driverCpu = process.cpuUsage();
    const busy = cpu0 && cpu1 ? cpu1.busy - cpu0.busy : null;
    return {
      workload: "b1",
      store: "postgres",
      workers: opts.workers,
      contacts: opts.contacts,
      contactSteps,
      seconds: round(seconds),
      contactStepsPerSecond: Math.round(contactSteps / seconds),
      // The largest worker process (the driver holds only the openers' ids).
      peakRssMiB: Math.max(...stopped.map((w) => w.peakRssMiB)),
      phases: { day0: round(marks[0]), opens: round(marks[1] - marks[0]), day2: round(marks[2] - marks[1]) },
      analyzeSeconds: round(analyzeSeconds),
      // CPU seconds over the measured run: the workers (Node), and the rest of the machine's busy time
      // (PostgreSQL, less the driver's own few), against the wall-clock seconds × cores available.
      cpu: {
        workers: round(workerCpu),
        postgresAndOther: busy === null ? null : round(busy - workerCpu - (driverCpu.user + driverCpu.system) / 1e6),
        available: cpu0 && cpu1 ? round(cpu1.total - cpu0.total) : null,
      },
    };
  } finally {
    for (const w of workers) w.child.kill();
    await store.close();
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => pool.end());
  }
}

/** A forked worker: an Engine over its own PgStore, ticking when the driver says. */
async function workerMain(): Promise<void> {
  let store: PgStore | undefined;
  let engine: Engine | undefined;
  let clock: VirtualClock | undefined;
  let moved = 0;
  const reply = (m: FromChild) => process.send!(m);
  const cpu0 = process.cpuUsage();
  process.on("message", (m: ToChild) => {
    void (async () => {
      if (m.type === "init") {
        store = new PgStore(m.url, m.schema);
        clock = new VirtualClock(B1_T0);
        engine = new Engine({ store, clock, transport: new CaptureTransport(true), batchSize: m.batchSize, onBatch: (_el, n) => (moved += n) });
        reply({ type: "ready" });
      } else if (m.type === "tick") {
        moved = 0;
        clock!.set(m.at);
        await engine!.tick(m.at);
        reply({ type: "ticked", moved });
      } else if (m.type === "opens") {
        let n = 0;
        for (let i = 0; i < m.contactIds.length; i += 1000) {
          const batch = m.contactIds.slice(i, i + 1000).map((contactId) => ({ campaignId: "b1", element: "a1", contactId, type: "opened" as const, at: m.at }));
          n += (await engine!.messageEvents(batch)).filter(Boolean).length;
        }
        reply({ type: "opened", n });
      } else {
        await store?.close();
        const cpu = process.cpuUsage(cpu0);
        reply({ type: "stopped", peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), cpuSeconds: (cpu.user + cpu.system) / 1e6 });
        process.disconnect();
      }
    })().catch((e) => {
      process.stderr.write(`bench worker: ${(e as Error).stack}\n`);
      process.exit(1);
    });
  });
}

if (process.env[CHILD_FLAG] === "1" && process.send) void workerMain();
