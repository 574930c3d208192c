import { unsignedLinks } from "../../src/engine/links.js";
import { CompiledCampaign } from "../../src/engine/compiled-campaign.js";
import type { BatchContext, Decision } from "../../src/engine/handler.js";
import { handlerFor } from "../../src/engine/handlers/index.js";
import { TemplateRenderer } from "../../src/engine/template.js";
import {
  CampaignDocument, fieldTypes, ProjectConfig,
  type CampaignElement, type ProjectConfigInput, type RuleEnv,
} from "../../src/model/index.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { ENDED, HELD, WAITING, type CampaignRecord, type ContactInput, type Move, type Token } from "../../src/store/store.js";

export const PROJECT_ID = "p1";
export const CAMPAIGN_ID = "c1";
export const ZONE = "America/Toronto";

/**
 * A campaign with one element under test, a real in-memory store and a way to build the
 * BatchContext the engine would hand the element's handler (mirrors `Engine.context`).
 */
export class HandlerHarness {
  readonly store = new SqliteStore(":memory:");
  readonly project: ProjectConfig;
  readonly campaign: CampaignRecord;
  readonly compiled: CompiledCampaign;
  private readonly renderer = new TemplateRenderer();
  private runSeq = 0;

  constructor(readonly element: CampaignElement, project: ProjectConfigInput = {}, seed = 1) {
    this.project = ProjectConfig.parse({ timezone: ZONE, ...project });
    const doc = CampaignDocument.parse({
      id: CAMPAIGN_ID, name: "Test", reentry: "always",
      elements: [{ id: "t1", type: "trigger.manual", params: {} }, element],
      connections: [{ from: "t1", exit: "next", to: element.id }],
    });
    this.compiled = new CompiledCampaign(doc, this.project);
    this.campaign = { id: CAMPAIGN_ID, projectId: PROJECT_ID, doc, status: "active", seed, activatedAt: 0, pausedAt: null, state: {} };
  }

  async init(contacts: ContactInput[] = []): Promise<this> {
    await this.store.migrate();
    await this.store.putProject(PROJECT_ID, this.project);
    await this.store.saveCampaign(this.campaign);
    if (contacts.length) await this.store.upsertContacts(PROJECT_ID, contacts, 0);
    return this;
  }

  async pk(contactId: string): Promise<number> {
    const c = await this.store.findContact(PROJECT_ID, contactId);
    if (!c) throw new Error(`no contact ${contactId}`);
    return c.pk;
  }

  /** Enters the given contacts (all active ones when omitted) at the element as one run at `at`; returns the run id. */
  async run(at: number, contactIds?: string[]): Promise<number> {
    const runId = (await this.store.createRun(CAMPAIGN_ID, "t1", at, `run${++this.runSeq}`))!;
    const pks = contactIds ? await Promise.all(contactIds.map((id) => this.pk(id))) : undefined;
    await this.store.startRun(PROJECT_ID, CAMPAIGN_ID, this.element.id, runId, at, "always", null, pks);
    return runId;
  }

  /** Enters contacts one by one, as an event trigger would; returns their journeys by contact id. */
  async enter(at: number, contactIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const id of contactIds) {
      const journey = await this.store.enter({ campaignId: CAMPAIGN_ID, contactPk: await this.pk(id), contactId: id, element: this.element.id, at, reentry: "always" });
      out.set(id, journey!);
    }
    return out;
  }

  /** Every token due at the element by `now`, as the engine claims them for a set element. */
  tokens(now: number): Promise<Token[]> {
    return this.store.claim(CAMPAIGN_ID, this.element.id, now, Number.MAX_SAFE_INTEGER);
  }

  context(now: number): BatchContext {
    const el = this.compiled.get(this.element.id)!;
    const ruleEnv: RuleEnv = {
      now,
      timezone: this.compiled.timezone,
      fieldTypes: fieldTypes(this.project),
      tableColumns: new Map(this.project.tables.map((t) => [t.key, new Map(t.columns.map((c) => [c.key, c.type]))])),
    };
    return {
      store: this.store, projectId: PROJECT_ID, project: this.project, campaign: this.campaign, compiled: this.compiled,
      element: el, now, renderer: this.renderer, baseUrl: "http://relais.test", links: unsignedLinks("http://relais.test"), ruleEnv,
      contacts: (tokens, options) => this.store.getContacts(tokens.map((t) => t.contactPk), options),
      // Messages stay queued in the outbox: these tests read the store, not a transport.
      handOver: () => undefined,
    };
  }

  /**
   * Runs the element's handler on `tokens` (default: everything due by `now`) and writes the
   * moves in the same transaction, as the engine does: a token leaving by an exit leaves the
   * element (its journey ends there, nothing being connected), a held one stays held.
   */
  async handle(now: number, tokens?: Token[]): Promise<Decision[]> {
    const handler = handlerFor(this.element.type);
    if (!handler) throw new Error(`no handler for ${this.element.type}`);
    return this.store.transaction(async () => {
      const decisions = await handler(tokens ?? (await this.tokens(now)), this.context(now));
      await this.store.applyMoves(CAMPAIGN_ID, this.element.id, now, decisions.map((d): Move => {
        if ("hold" in d) return { token: d.token, to: this.element.id, dueAt: d.token.dueAt, state: HELD };
        if ("wait" in d) return { token: d.token, to: this.element.id, dueAt: d.wait, state: WAITING };
        if ("end" in d) return { token: d.token, dueAt: now, state: ENDED, outcome: d.end };
        return { token: d.token, exit: d.exit, dueAt: now, state: ENDED, outcome: "none" };
      }));
      return decisions;
    });
  }
}

/** Where each contact went: its exit, "hold", "wait" or "end:<outcome>". */
export function routes(decisions: Decision[]): Map<string, string> {
  return new Map(decisions.map((d) => [d.token.contactId, route(d)]));
}

const route = (d: Decision) => ("exit" in d ? d.exit : "hold" in d ? "hold" : "wait" in d ? "wait" : `end:${d.end}`);

/** How many contacts went each way. */
export function tally(decisions: Decision[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of decisions) out[route(d)] = (out[route(d)] ?? 0) + 1;
  return out;
}

/** Contact ids c01…cNN (zero-padded so id order is numeric order). */
export function ids(n: number, prefix = "c"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, "0")}`);
}
