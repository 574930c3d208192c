import { rmSync } from "node:fs";
import { join } from "node:path";
import { CaptureTransport } from "../src/channels/capture-transport.js";
import { VirtualClock } from "../src/engine/clock.js";
import { Engine } from "../src/engine/engine.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { emailBench } from "./email.js";
import { importBench } from "./import.js";
import { exportBench } from "./export.js";
import { validateBench } from "./validate.js";
import { B1_CAMPAIGN, B1_PROJECT } from "./b1-campaign.js";
import { b1Postgres } from "./pg-workers.js";

export interface BenchOptions {
  contacts: number;
  batchSize: number;
  dir: string;
  /** b1 only: `postgres` runs it on DATABASE_URL with `workers` processes (bench/pg-workers.ts). */
  store?: "sqlite" | "postgres";
  workers?: number;
}

const DAY = 86_400_000;
const round = (x: number) => Math.round(x * 100) / 100;

/**
 * b1: N contacts in a file-backed SQLite store; a manual run → condition.profile (half true) →
 * action.sendEmail (capture) → delay.period 2 days → condition.messageOpened (30 % opened,
 * injected as message events) → end.success / end.failure, on the virtual clock.
 */
async function b1(opts: BenchOptions): Promise<Record<string, unknown>> {
  if (opts.store === "postgres") {
    const databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new Error("b1 --store postgres needs DATABASE_URL=postgres://…");
    return b1Postgres({ contacts: opts.contacts, batchSize: opts.batchSize, workers: opts.workers ?? 1, databaseUrl });
  }
  const file = join(opts.dir, "b1.sqlite");
  for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
  const store = new SqliteStore(file);
  await store.migrate();
  const t0 = Date.parse("2026-12-01T14:00:00Z");
  const clock = new VirtualClock(t0);
  let moved = 0;
  let lastPrint = Date.now();
  const progress = (phase: string) => {
    if (Date.now() - lastPrint < 1000) return;
    lastPrint = Date.now();
    process.stderr.write(`b1: ${phase} ${moved.toLocaleString("en")} contact-steps, rss ${Math.round(process.memoryUsage.rss() / 1048576)} MiB\n`);
  };
  const engine = new Engine({
    store, clock, transport: new CaptureTransport(true), batchSize: opts.batchSize,
    onBatch: (_element, n) => {
      moved += n;
      progress("moving");
    },
  });
  const project = B1_PROJECT;
  await store.putProject("bench", project);

  // Setup (not measured): contacts inserted in bulk.
  process.stderr.write(`b1: inserting ${opts.contacts.toLocaleString("en")} contacts\n`);
  const insert = store.db.prepare("INSERT INTO contacts (project_id, id, status, created_at, fields, subscriptions) VALUES ('bench', ?, 'active', ?, ?, '{\"newsletter\":true}')");
  store.db.transaction(() => {
    for (let i = 0; i < opts.contacts; i++) {
      insert.run(`c${String(i).padStart(8, "0")}`, t0 - DAY, JSON.stringify({ email: `user${i}@example.com`, score: i % 100, firstName: `User${i}` }));
    }
  })();

  const doc = B1_CAMPAIGN;
  await engine.saveCampaign("bench", doc, 1);
  await engine.activate("b1", t0);

  const started = process.hrtime.bigint();
  await engine.launch("b1", t0);
  await engine.tick(t0);
  const marks: number[] = [];
  const phase = (name: string) => {
    marks.push(Number(process.hrtime.bigint() - started) / 1e9);
    process.stderr.write(`b1: ${name} done at ${marks[marks.length - 1].toFixed(2)} s, ${moved.toLocaleString("en")} contact-steps\n`);
  };
  phase("day 0 (run, condition, sends, outbox)");

  // 30 % of the recipients open, the next day.
  clock.set(t0 + DAY);
  const recipients = store.db.prepare("SELECT contact_id FROM messages WHERE campaign_id = 'b1' AND status = 'sent'").pluck().all() as string[];
  let opened = 0;
  const openers = recipients.filter((_, i) => i % 10 < 3);
  for (let i = 0; i < openers.length; i += 1000) {
    const batch = openers.slice(i, i + 1000).map((contactId) => ({ campaignId: "b1", element: "a1", contactId, type: "opened" as const, at: t0 + DAY }));
    opened += (await engine.messageEvents(batch)).filter(Boolean).length;
    progress("opening");
  }
  phase(`${opened.toLocaleString("en")} opens injected:`);
  for (let t = await engine.nextWakeAt(); t !== null; t = await engine.nextWakeAt()) {
    clock.set(t);
    await engine.tick(t);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  phase("day 2 (delay, opened condition, ends)");
  const contactSteps = (store.db.prepare("SELECT COUNT(*) FROM steps").pluck().get() as number);
  const outcomes = store.db.prepare("SELECT outcome, COUNT(*) AS n FROM journeys GROUP BY outcome").all();
  const messages = store.db.prepare("SELECT COUNT(*) FROM messages WHERE status = 'sent'").pluck().get();
  await store.close();
  process.stderr.write(`b1: outcomes ${JSON.stringify(outcomes)}, messages sent ${messages}, opens ${opened}\n`);
  return {
    workload: "b1",
    contacts: opts.contacts,
    contactSteps,
    seconds: round(seconds),
    contactStepsPerSecond: Math.round(contactSteps / seconds),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    // Where the seconds went: day 0 (run, condition, sends), the open events, day 2 (delay, condition, ends).
    phases: { day0: round(marks[0]), opens: round(marks[1] - marks[0]), day2: round(marks[2] - marks[1]) },
  };
}

const WORKLOADS: Record<string, (o: BenchOptions) => Promise<Record<string, unknown>>> = { b1, import: importBench, email: emailBench, export: exportBench, validate: validateBench };

/** Contacts when `--contacts` is not given. */
const DEFAULT_CONTACTS: Record<string, number> = { b1: 1_000_000, import: 1_000_000, email: 100_000, export: 1_000_000, validate: 500 };

export async function runBench(name: string, opts: Omit<BenchOptions, "contacts"> & { contacts?: number }): Promise<void> {
  const workload = WORKLOADS[name];
  if (!workload) throw new Error(`unknown workload ${name} (known: ${Object.keys(WORKLOADS).join(", ")})`);
  const result = await workload({ ...opts, contacts: opts.contacts ?? DEFAULT_CONTACTS[name] });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
