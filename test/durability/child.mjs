// The process the durability test kills: runs one campaign on a file database, from wherever
// an earlier (killed) run of itself left it, to the end.
//
//   node test/durability/child.mjs <db path> <contacts> [batch size]
//
// Idempotent on restart: the project, contacts and campaign are created only when absent (one
// transaction); the manual run is launched only when no run exists (one transaction); then the
// engine ticks on a virtual clock until nothing is due before UNTIL. Prints one line per step
// (the test uses them to aim its kills and to see where they landed), then "done".
import process from "node:process";
import { CaptureTransport } from "../../dist/src/channels/capture-transport.js";
import { VirtualClock } from "../../dist/src/engine/clock.js";
import { Engine } from "../../dist/src/engine/engine.js";
import { CampaignDocument, ProjectConfig } from "../../dist/src/model/index.js";
import { SqliteStore } from "../../dist/src/store/sqlite/sqlite-store.js";

const DAY = 86_400_000;
/** Tuesday 1 December 2026, 09:00 in Toronto. */
const T0 = Date.parse("2026-12-01T14:00:00Z");
const UNTIL = T0 + 30 * DAY;
const PROJECT = "durability";
const CAMPAIGN = "dur";

const say = (line) => process.stdout.write(`${line}\n`);
const ms = (since) => Math.round(Number(process.hrtime.bigint() - since) / 1e6);

const project = ProjectConfig.parse({
  timezone: "America/Toronto",
  fields: [
    { key: "email", type: "email", category: "uniqueKey" },
    { key: "firstName", type: "text" },
    { key: "score", type: "number" },
  ],
  communicationTypes: [{ key: "newsletter", channel: "email" }],
});

const email = (id, subject) => ({
  id, type: "action.sendEmail",
  params: { communicationType: "newsletter", message: { subject, html: "<p>Bonjour {{ contact.firstName }}, votre score : {{ contact.score }}</p>" } },
});

/**
 * manual → A/X split (A, B) → one email per branch → 1 day → score < 50 ? (email → next Monday 09:00 → success) : neutral.
 */
const campaign = CampaignDocument.parse({
  id: CAMPAIGN, name: "Durability", reentry: "afterExit",
  elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "x1", type: "split.ax", params: { variants: [{ key: "A", weight: 1 }, { key: "B", weight: 1 }] } },
    email("a1", "Bonjour {{ contact.firstName }}"),
    email("a2", "Salut {{ contact.firstName | upcase }}, {{ campaign.name }}"),
    { id: "d1", type: "delay.period", params: { amount: 1, unit: "days" } },
    { id: "k1", type: "condition.profile", params: { field: "score", operator: "lessThan", value: 50 } },
    email("a3", "{{ contact.firstName }}, votre offre du {{ run.date }}"),
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

/** The capture transport, telling the test each time it is handed a batch (the outbox is being drained). */
class ReportingTransport extends CaptureTransport {
  async send(messages) {
    say(`send ${messages.length}`);
    return super.send(messages);
  }
}

async function main() {
  const [file, contactsArg, batchArg] = process.argv.slice(2);
  const contacts = Number(contactsArg);
  if (!file || !Number.isInteger(contacts) || contacts <= 0) throw new Error("usage: child.mjs <db path> <contacts> [batch size]");
  const batchSize = batchArg ? Number(batchArg) : 500;
  say("ready");

  const store = new SqliteStore(file);
  await store.migrate();
  const clock = new VirtualClock(T0);
  const engine = new Engine({
    store, clock, transport: new ReportingTransport(true), batchSize,
    onBatch: (element, n) => say(`move ${element} ${n}`),
  });

  // Setup: project, contacts and campaign, all or nothing.
  say("setup-begin");
  const setupStarted = process.hrtime.bigint();
  const created = await store.transaction(async () => {
    if (await store.getCampaign(CAMPAIGN)) return false;
    await store.putProject(PROJECT, project);
    const insert = store.db.prepare(
      `INSERT INTO contacts (project_id, id, status, created_at, fields, subscriptions) VALUES ('${PROJECT}', ?, 'active', ?, ?, '{"newsletter":true}')`,
    );
    for (let i = 0; i < contacts; i++) {
      insert.run(`c${String(i).padStart(7, "0")}`, T0 - DAY, JSON.stringify({ email: `user${i}@example.com`, firstName: `User${i}`, score: (i * 37) % 100 }));
    }
    await engine.saveCampaign(PROJECT, campaign, 7);
    await engine.activate(CAMPAIGN, T0);
    return true;
  });
  say(created ? `setup-done ${ms(setupStarted)}` : "setup-skip");

  // The manual run: launched once, in one transaction.
  const runs = store.db.prepare("SELECT COUNT(*) FROM runs WHERE campaign_id = ?").pluck().get(CAMPAIGN);
  if (runs === 0) {
    say("launch-begin");
    const started = process.hrtime.bigint();
    const n = await engine.launch(CAMPAIGN, T0);
    say(`launch-done ${n} ${ms(started)}`);
  } else say("launch-skip");

  for (;;) {
    const t = await engine.nextWakeAt();
    if (t === null || t > UNTIL) break;
    clock.set(t);
    say(`tick ${t}`);
    await engine.tick(t);
  }
  await store.close();
  say("done");
}

main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
