import type { Finding, Lang } from "../model/index.js";
import { splitFindings, validateCampaign } from "../model/validator/index.js";
import { CaptureTransport } from "../channels/capture-transport.js";
import { VirtualClock } from "../engine/clock.js";
import { Engine, UnknownContactError } from "../engine/engine.js";
import type { ContactInput, Store } from "../store/store.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { buildReport, type SimulationReport } from "./report.js";
import { parseScenario, type Scenario, type ScenarioContact, type ScenarioEvent } from "./scenario-schema.js";

/** Bad input: the scenario is not of the documented shape. Exit code 2. */
export class ScenarioInputError extends Error {
  readonly code = "E_SCENARIO_INPUT";
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

export type SimulationOutput =
  | { valid: false; errors: Finding[]; warnings: Finding[] }
  | ({ valid: true; errors: Finding[]; warnings: Finding[] } & SimulationReport);

const PROJECT = "simulation";
const ms = (iso: string) => Date.parse(iso);

export function toContactInput(c: ScenarioContact, fallbackCreatedAt: number): ContactInput {
  return { ...c, createdAt: c.createdAt ? ms(c.createdAt) : fallbackCreatedAt };
}

type ValidationResult = { valid: boolean; errors: Finding[]; warnings: Finding[] };

/** The scenario, or a ScenarioInputError naming every problem's place. */
function parsed(input: unknown): Scenario {
  const result = parseScenario(input);
  if (!result.ok) throw new ScenarioInputError(result.problems);
  return result.scenario;
}

function check(scenario: Scenario, lang: Lang): ValidationResult {
  const { errors, warnings } = splitFindings(validateCampaign(scenario.campaign, scenario.project, { lang }));
  return { valid: errors.length === 0, errors, warnings };
}

/** Validates a scenario's campaign without running it. */
export function validateScenario(input: unknown, lang: Lang = "fr"): ValidationResult {
  return check(parsed(input), lang);
}

export interface SimulateOptions {
  lang?: Lang;
  /** A store to run in (default: a fresh in-memory SQLite store). */
  store?: Store;
}

/**
 * Runs a scenario on the real engine with a virtual clock and the capture transport
 * (see SCENARIOS.md). Throws ScenarioInputError for malformed input.
 */
export async function simulate(input: unknown, options: SimulateOptions = {}): Promise<SimulationOutput> {
  const scenario = parsed(input);
  const { valid, errors, warnings } = check(scenario, options.lang ?? "fr");
  if (!valid) return { valid: false, errors, warnings };
  const store = options.store ?? new SqliteStore(":memory:");
  try {
    const report = await run(scenario, store);
    return { valid: true, errors, warnings, ...report };
  } finally {
    if (!options.store) await store.close();
  }
}

async function run(scenario: Scenario, store: Store): Promise<SimulationReport> {
  const start = ms(scenario.start);
  const until = ms(scenario.until);
  const clock = new VirtualClock(start);
  const engine = new Engine({ store, clock, transport: new CaptureTransport(scenario.autoDeliver) });
  // No SFTP server in a simulation: files count as delivered when written (docs/exports.md).
  store.fileDelivery = "onWrite";
  await store.migrate();
  await store.transaction(async () => {
    await store.putProject(PROJECT, scenario.project);
    await store.upsertContacts(PROJECT, scenario.contacts.map((c) => toContactInput(c, start)), start);
    for (const h of scenario.history) {
      const c = await store.findContact(PROJECT, h.contact);
      if (!c) throw new ScenarioInputError([`history: unknown contact ${JSON.stringify(h.contact)}`]);
      await store.addInteraction(PROJECT, c.pk, h.type, ms(h.at), null);
    }
  });
  const campaignId = scenario.campaign.id;
  await engine.saveCampaign(PROJECT, scenario.campaign, scenario.seed);
  const events = scenario.events.map((e, index) => ({ e, index, at: ms(e.at) })).sort((a, b) => a.at - b.at || a.index - b.index);
  const ignored: ScenarioEvent[] = [];
  let activateAt: number | null = scenario.activateAt ? ms(scenario.activateAt) : start;
  let next = 0;
  let lastT = -Infinity;
  let spins = 0;
  for (;;) {
    const wake = activateAt === null ? await engine.nextWakeAt() : null;
    const candidates = [events[next]?.at, activateAt ?? undefined, wake ?? undefined].filter((t): t is number => t !== undefined);
    if (candidates.length === 0) break;
    const t = Math.max(Math.min(...candidates), start);
    if (t >= until) break;
    if (t === lastT && ++spins > 10_000) throw new Error(`the simulation makes no progress at ${new Date(t).toISOString()}`);
    if (t !== lastT) spins = 0;
    lastT = t;
    clock.set(t);
    if (activateAt !== null && activateAt <= t) {
      await engine.activate(campaignId, activateAt);
      activateAt = null;
    }
    while (next < events.length && events[next].at <= t) {
      const { e, index } = events[next++];
      try {
        if (!(await apply(engine, campaignId, e, t))) ignored.push(e);
      } catch (err) {
        if (err instanceof UnknownContactError) throw new ScenarioInputError([`events[${index}].contact: no contact ${JSON.stringify(err.contactId)}`]);
        throw err;
      }
    }
    if (activateAt === null) await engine.tick(t);
  }
  return buildReport(store, PROJECT, campaignId, ignored);
}

/** Applies one scenario event; false when it concerns nothing (listed in `ignoredEvents`). */
async function apply(engine: Engine, campaignId: string, e: ScenarioEvent, at: number): Promise<boolean> {
  switch (e.type) {
    case "campaign.launch":
      await engine.launch(campaignId, at);
      return true;
    case "campaign.api":
      return engine.api(campaignId, e.contact, e.data ?? {}, at);
    case "campaign.pause":
      await engine.pause(campaignId, at);
      return true;
    case "campaign.resume":
      await engine.resume(campaignId, at, e.overdue ?? "now");
      return true;
    case "approval.approved":
    case "approval.rejected":
      await engine.decideApproval(campaignId, e.element, e.type === "approval.approved", at);
      return true;
    case "test.winner":
      await engine.setWinner(campaignId, e.element, e.variant, at);
      return true;
    case "message.delivered":
    case "message.bounced":
    case "message.opened":
    case "message.clicked":
    case "message.unsubscribed":
    case "message.complained": {
      const type = e.type.slice("message.".length) as "delivered";
      return engine.messageEvent(campaignId, e.element, e.contact, type, {
        url: "url" in e ? e.url : undefined,
        hard: "hard" in e ? e.hard : undefined,
        communicationType: "communicationType" in e ? e.communicationType : undefined,
      }, at);
    }
    case "contact.created":
      await engine.contactEvent(PROJECT, { type: e.type, contact: toContactInput(e.contact, at) }, at);
      return true;
    case "import":
      await engine.contactEvent(PROJECT, { type: "import", contacts: e.contacts.map((c) => toContactInput(c, at)), launchCampaigns: e.launchCampaigns }, at);
      return true;
    default:
      await engine.contactEvent(PROJECT, e as never, at);
      return true;
  }
}
