import Database from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { outbox } from "./outbox.js";

/**
 * Durability: a child process runs a campaign of CONTACTS contacts (sends, delays, a split, a
 * condition) on a file database; it is killed with SIGKILL at least MIN_KILLS times and
 * restarted each time. At the end every journey must have finished exactly as in an
 * uninterrupted run, and the outbox must hold each (journey, send element) message once.
 *
 * Kills are aimed from the child's output lines (it writes them synchronously: whatever it
 * printed before dying is in the pipe), after a seeded random delay scaled on the reference
 * run's own timings, so they land during setup (schema, contacts, campaign), the launch, the
 * moves and the outbox drains on any machine. Where each kill landed is read from the last line
 * the killed child wrote.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const CHILD = join(import.meta.dirname, "child.mjs");
const CONTACTS = 10_000;
const BATCH = 500;
const MIN_KILLS = 20;
/** Kills aimed at progress lines; the rest are aimed at the setup and the launch. */
const TARGET_PROGRESS_KILLS = 36;
const MAX_ATTEMPTS = 100;
const SEED = Number(process.env.RELAIS_DURABILITY_SEED ?? 20261201);

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Line { text: string; at: number }

interface Attempt {
  lines: Line[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * When to kill: `on` the first line starting with that word (or the `nth` progress line: a
 * committed move or a batch handed to the transport), then `after(line)` milliseconds.
 */
interface Trigger {
  name: string;
  on?: string;
  nth?: number;
  after: (line: string) => number;
}

const tmp = mkdtempSync(join(tmpdir(), "relais-durability-"));
let running: ChildProcess | undefined;

afterAll(() => {
  if (running && running.exitCode === null && running.signalCode === null) running.kill("SIGKILL");
  rmSync(tmp, { recursive: true, force: true });
});

const isProgress = (text: string) => text.startsWith("move ") || text.startsWith("send ");

/** Runs the child once; with a trigger, kills it when the trigger fires. */
function runChild(db: string, trigger?: Trigger): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, db, String(CONTACTS), String(BATCH)], { stdio: ["ignore", "pipe", "pipe"] });
    running = child;
    const started = performance.now();
    const lines: Line[] = [];
    let buf = "";
    let stderr = "";
    let progress = 0;
    let armed = !!trigger;
    child.stdout!.setEncoding("utf8");
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (d: string) => (stderr += d));
    child.stdout!.on("data", (d: string) => {
      buf += d;
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const text = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push({ text, at: performance.now() - started });
        if (!armed || !trigger) continue;
        const hit = trigger.on !== undefined ? text.split(" ")[0] === trigger.on : isProgress(text) && ++progress === trigger.nth;
        if (!hit) continue;
        armed = false;
        const delay = trigger.after(text);
        const kill = () => child.kill("SIGKILL");
        if (delay <= 0) kill();
        else setTimeout(kill, delay);
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      running = undefined;
      if (buf) lines.push({ text: buf, at: performance.now() - started });
      resolve({ lines, code, signal, stderr });
    });
  });
}

/** Where a killed child was: from the last line it wrote. */
function landing(lines: Line[]): string {
  const last = lines.at(-1)?.text.split(" ")[0];
  switch (last) {
    case undefined:
    case "ready":
      return "open";
    case "setup-begin":
      return "setup";
    case "setup-done":
    case "setup-skip":
    case "launch-begin":
      return "launch";
    case "send":
      return "drain";
    case "done":
      return "done";
    default:
      return "move";
  }
}

/** Typical durations in the reference run, to scale the kill delays on this machine. */
function timings(lines: Line[]) {
  const at = (word: string) => lines.find((l) => l.text.split(" ")[0] === word)!;
  const span = (kind: string) => {
    // The first run of consecutive `kind` lines (the first tick's moves, or its drain).
    const first = lines.findIndex((l) => l.text.startsWith(`${kind} `));
    let last = first;
    while (lines[last + 1]?.text.startsWith(`${kind} `)) last++;
    const previous = lines[first - 1];
    return (lines[last].at - previous.at) / (last - first + 1);
  };
  return {
    open: at("setup-begin").at - at("ready").at,
    setup: Number(at("setup-done").text.split(" ")[1]),
    launch: Number(at("launch-done").text.split(" ")[2]),
    move: Math.max(5, span("move")),
    send: Math.max(1, span("send")),
    progressLines: lines.filter((l) => isProgress(l.text)).length,
  };
}

type Row = Record<string, unknown>;

/** Up to `max` differences between two row lists keyed by `key`, for a readable failure. */
function differences(a: Row[], b: Row[], key: (r: Row) => string, max = 5): string[] {
  const out: string[] = [];
  const mapA = new Map(a.map((r) => [key(r), JSON.stringify(r)]));
  const mapB = new Map(b.map((r) => [key(r), JSON.stringify(r)]));
  if (mapA.size !== a.length) out.push(`reference: ${a.length - mapA.size} duplicate keys`);
  if (mapB.size !== b.length) out.push(`killed run: ${b.length - mapB.size} duplicate keys`);
  for (const [k, v] of mapA) {
    if (out.length >= max) break;
    const w = mapB.get(k);
    if (w !== v) out.push(`${k}: reference ${v}, killed run ${w ?? "missing"}`);
  }
  for (const k of mapB.keys()) {
    if (out.length >= max) break;
    if (!mapA.has(k)) out.push(`${k}: only in the killed run ${mapB.get(k)}`);
  }
  return out;
}

describe("durability", () => {
  it(`a campaign of ${CONTACTS.toLocaleString("en")} contacts killed with SIGKILL at least ${MIN_KILLS} times finishes exactly as an uninterrupted run`, async () => {
    expect(existsSync(join(ROOT, "dist", "src", "engine", "engine.js")), "build first: npx tsc -p tsconfig.build.json (npm test does)").toBe(true);
    const started = performance.now();

    // The reference: one uninterrupted run.
    const dbA = join(tmp, "a.sqlite");
    const ref = await runChild(dbA);
    expect(ref.stderr).toBe("");
    expect(ref.code).toBe(0);
    expect(ref.lines.at(-1)?.text).toBe("done");
    const t = timings(ref.lines);
    const referenceSeconds = (performance.now() - started) / 1000;

    // The same campaign, killed and restarted.
    const dbB = join(tmp, "b.sqlite");
    const rand = prng(SEED);
    const kMax = Math.max(1, Math.round((2 * t.progressLines) / TARGET_PROGRESS_KILLS - 1));
    const landings: Record<string, number> = {};
    let kills = 0;
    let finished = false;
    let setupDone = false;
    let launched = false;
    const aimed: Record<string, number> = {};
    const aim = (name: string) => (aimed[name] = (aimed[name] ?? 0) + 1);
    for (let attempt = 0; !finished; attempt++) {
      expect(attempt, `still not finished after ${MAX_ATTEMPTS} attempts (kills: ${JSON.stringify(landings)})`).toBeLessThan(MAX_ATTEMPTS);
      let trigger: Trigger;
      if (attempt === 0) trigger = { name: "open", on: "ready", after: () => rand() * t.open };
      else if (!setupDone && (aimed.setup ?? 0) < 3) trigger = { name: "setup", on: "setup-begin", after: () => rand() * t.setup };
      else if (!launched && (aimed.launch ?? 0) < 2) trigger = { name: "launch", on: "launch-begin", after: () => rand() * t.launch };
      // Inside a batch of moves, for sure, before the random progress kills: on a busy machine those
      // tend to land in outbox drains only (a restarted run drains first).
      else if ((landings.move ?? 0) === 0 && (aimed.move ?? 0) < 5) trigger = { name: "move", on: "move", after: () => rand() * 0.8 * t.move };
      else {
        // The nth committed move or handed-over batch, then somewhere inside the next one.
        trigger = { name: "progress", nth: 1 + Math.floor(rand() * kMax), after: (line) => rand() * (line.startsWith("move ") ? 1.2 * t.move : 1.5 * t.send) };
      }
      aim(trigger.name);
      // The last run is the one that reaches the end before its trigger fires.
      const run = await runChild(dbB, trigger);
      const texts = run.lines.map((l) => l.text.split(" ")[0]);
      if (texts.includes("setup-done") || texts.includes("setup-skip")) setupDone = true;
      if (texts.includes("launch-done") || texts.includes("launch-skip")) launched = true;
      if (run.signal === "SIGKILL") {
        const where = landing(run.lines);
        // A kill after the child printed "done" interrupted nothing: it is not counted.
        if (where !== "done") kills++;
        landings[where] = (landings[where] ?? 0) + 1;
        continue;
      }
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(texts.at(-1)).toBe("done");
      finished = true;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `durability: ${CONTACTS} contacts, batch ${BATCH}, seed ${SEED}: reference run ${referenceSeconds.toFixed(1)} s; ` +
      `${kills} kills landing ${JSON.stringify(landings)}; total ${seconds.toFixed(1)} s ` +
      `(scaled on open ${t.open.toFixed(0)} ms, setup ${t.setup} ms, launch ${t.launch} ms, move ${t.move.toFixed(0)} ms, send ${t.send.toFixed(1)} ms, ${t.progressLines} progress lines, k ≤ ${kMax})`,
    );
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(landings.setup ?? 0, "a kill landed during the setup").toBeGreaterThan(0);
    expect(landings.move ?? 0, "a kill landed during the moves").toBeGreaterThan(0);
    expect(landings.drain ?? 0, "a kill landed during an outbox drain").toBeGreaterThan(0);

    // Compare the two databases directly.
    const a = new Database(dbA, { readonly: true });
    const b = new Database(dbB, { readonly: true });
    try {
      expect(b.pragma("integrity_check", { simple: true })).toBe("ok");
      const all = (db: Database.Database, sql: string) => db.prepare(sql).all() as Row[];
      const both = (sql: string) => [all(a, sql), all(b, sql)] as const;

      // One run, every contact entered once, every journey ended the same way.
      for (const db of [a, b]) {
        expect(all(db, "SELECT campaign_id, size FROM runs")).toEqual([{ campaign_id: "dur", size: CONTACTS }]);
        expect(db.prepare("SELECT COUNT(*) FROM contacts").pluck().get()).toBe(CONTACTS);
        expect(db.prepare("SELECT COUNT(*) FROM journeys").pluck().get()).toBe(CONTACTS);
        expect(db.prepare("SELECT COUNT(DISTINCT contact_pk) FROM journeys").pluck().get()).toBe(CONTACTS);
        expect(all(db, "SELECT state, COUNT(*) AS n FROM journeys WHERE state <> 9 OR ended_at IS NULL OR outcome IS NULL GROUP BY state")).toEqual([]);
      }
      const [journeysA, journeysB] = both("SELECT contact_id, entered_at, ended_at, outcome, state, element, hop FROM journeys ORDER BY contact_id");
      expect(differences(journeysA, journeysB, (r) => String(r.contact_id))).toEqual([]);
      const outcomes = Object.fromEntries(all(a, "SELECT outcome, COUNT(*) AS n FROM journeys GROUP BY outcome").map((r) => [r.outcome, r.n]));
      expect(outcomes).toEqual({ success: CONTACTS / 2, neutral: CONTACTS / 2 });

      // The same path: (element, exit, at) in the same order.
      const pathSql = `SELECT j.contact_id, json_group_array(json_array(s.element, s.exit, s.at) ORDER BY s.seq) AS path
        FROM steps s JOIN journeys j ON j.id = s.journey_id GROUP BY j.contact_id ORDER BY j.contact_id`;
      const [pathsA, pathsB] = both(pathSql);
      expect(pathsA).toHaveLength(CONTACTS);
      expect(differences(pathsA, pathsB, (r) => String(r.contact_id))).toEqual([]);
      expect(b.prepare("SELECT COUNT(*) FROM steps").pluck().get()).toBe(a.prepare("SELECT COUNT(*) FROM steps").pluck().get());

      // The outbox: each (journey, send element) exactly once, sent, with the same content and times.
      for (const db of [a, b]) {
        expect(all(db, "SELECT journey_id, element, hop, COUNT(*) AS n FROM messages GROUP BY journey_id, element, hop HAVING COUNT(*) > 1")).toEqual([]);
        expect(all(db, "SELECT journey_id, element, COUNT(*) AS n FROM messages GROUP BY journey_id, element HAVING COUNT(*) > 1")).toEqual([]);
        expect(all(db, "SELECT status, COUNT(*) AS n FROM messages WHERE status <> 'sent' GROUP BY status")).toEqual([]);
        // Every send element a journey went through has its message, and no other message exists.
        expect(all(db, `SELECT j.contact_id, s.element FROM steps s JOIN journeys j ON j.id = s.journey_id
          WHERE s.element IN ('a1', 'a2', 'a3') AND s.exit IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.journey_id = s.journey_id AND m.element = s.element) LIMIT 5`)).toEqual([]);
        expect(all(db, `SELECT m.contact_id, m.element FROM messages m WHERE NOT EXISTS (
          SELECT 1 FROM steps s WHERE s.journey_id = m.journey_id AND s.element = m.element AND s.exit IS NOT NULL) LIMIT 5`)).toEqual([]);
        // One rendered body per message, where bodies are stored apart.
        if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'message_bodies'").get()) {
          expect(db.prepare("SELECT COUNT(*) FROM message_bodies").pluck().get()).toBe(db.prepare("SELECT COUNT(*) FROM messages").pluck().get());
          expect(db.prepare("SELECT COUNT(*) FROM message_bodies b WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = b.message_id)").pluck().get()).toBe(0);
        }
      }
      const [messagesA, messagesB] = [outbox(a), outbox(b)];
      expect(messagesA).toHaveLength(CONTACTS + CONTACTS / 2);
      expect(differences(messagesA, messagesB, (r) => `${r.contact_id}/${r.element}`)).toEqual([]);

      // The figures the reports show.
      const [statsA, statsB] = both("SELECT element, exit, n FROM element_stats ORDER BY element, exit");
      expect(statsB).toEqual(statsA);
      expect(both("SELECT COUNT(*) AS n FROM timers")).toEqual([[{ n: 0 }], [{ n: 0 }]]);
    } finally {
      a.close();
      b.close();
    }
    expect(seconds, "the test stays under its time budget").toBeLessThan(150);
  }, 240_000);
});
