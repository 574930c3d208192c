import { fieldTypes, type CampaignDocument, type ProjectConfig, type RuleEnv } from "../model/index.js";
import {
  ENDED, HELD, READY, WAITING,
  type CampaignRecord, type ContactInput, type ContactRecord, type MessageEventType, type MessageRecord, type Move, type Store, type Token,
} from "../store/store.js";
import type { Clock } from "./clock.js";
import { CompiledCampaign, type CompiledElement } from "./compiled-campaign.js";
import type { BatchContext, Decision } from "./handler.js";
import { delayDue, handlerFor, SET_ELEMENTS } from "./handlers/index.js";
import { wildcard } from "./handlers/conditions.js";
import { TemplateRenderer } from "./template.js";
import { autoWinner } from "./ax-winner.js";
import { dueOccurrences, nextScheduled } from "./schedules.js";
import { addDuration } from "./time.js";
import type { Transport } from "./transport.js";
import { unsignedLinks, type MessageLinks } from "./links.js";
import { afterQuietHours, DEFAULT_QUIET_HOURS } from "../channels/sms/quiet-hours.js";

export interface EngineOptions {
  store: Store;
  clock: Clock;
  transport: Transport;
  /** Tokens claimed per batch (set elements take every due token at once). */
  batchSize?: number;
  /** Public base URL for unsubscribe and view-online links (when `links` is not given). */
  baseUrl?: string;
  /** Signs the tracked links of messages (the server's key); default: unkeyed links on `baseUrl`. */
  links?: MessageLinks;
  /** Called after each batch with the element and how many tokens it moved (progress, metrics). */
  onBatch?: (element: string, count: number) => void;
}

/** A change to a contact, or a site/shop event, that triggers may listen to. */
export type ContactEvent =
  | { type: "contact.created"; contact: ContactInput }
  | { type: "contact.updated"; contact: string; fields: Record<string, unknown> }
  | { type: "contact.subscribed" | "contact.unsubscribed"; contact: string; communicationType: string }
  | { type: "import"; contacts: ContactInput[]; launchCampaigns?: boolean }
  | { type: "table.inserted" | "table.updated"; contact: string; table: string; row: Record<string, unknown> }
  | { type: "group.added" | "group.removed"; contact: string; group: string }
  | { type: "page.visited"; contact: string; url: string }
  | { type: "product.viewed"; contact: string; sku: string; category?: string }
  | { type: "cart.updated"; contact: string; items: unknown[] }
  | { type: "cart.purchased"; contact: string };

interface Loaded {
  record: CampaignRecord;
  compiled: CompiledCampaign;
  project: ProjectConfig;
  /** The project configuration this campaign was compiled with, as stored: a change recompiles it. */
  projectJson: string;
  env: RuleEnv;
}

/**
 * Moves contacts through campaigns. One engine for live runs, simulations, tests and
 * benchmarks: only the clock and the transport differ. Every batch is claimed, handled and
 * written in one store transaction, so a crash at any point loses and duplicates nothing.
 */
export class Engine {
  readonly store: Store;
  private readonly clock: Clock;
  private readonly transport: Transport;
  private readonly batchSize: number;
  private readonly baseUrl: string;
  private readonly links: MessageLinks;
  private readonly renderer = new TemplateRenderer();
  private readonly loaded = new Map<string, Loaded>();
  private readonly onBatch?: (element: string, count: number) => void;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.transport = options.transport;
    this.batchSize = options.batchSize ?? 5000;
    this.baseUrl = options.links?.baseUrl ?? options.baseUrl ?? "http://127.0.0.1:3000";
    this.links = options.links ?? unsignedLinks(this.baseUrl);
    this.onBatch = options.onBatch;
  }

  // ---- campaign lifecycle -------------------------------------------------------------------

  /** Saves a campaign document as a draft (its parameters must be valid: check with the validator first). */
  async saveCampaign(projectId: string, doc: CampaignDocument, seed = 0): Promise<CampaignRecord> {
    const existing = await this.store.getCampaign(doc.id);
    const record: CampaignRecord = existing
      ? { ...existing, doc, seed }
      : { id: doc.id, projectId, doc, status: "draft", seed, activatedAt: null, pausedAt: null, state: {} };
    await this.store.transaction(() => this.store.saveCampaign(record));
    this.loaded.delete(doc.id);
    return record;
  }

  async activate(campaignId: string, at = this.clock.now()): Promise<void> {
    const c = await this.load(campaignId);
    c.record.status = "active";
    c.record.activatedAt = at;
    c.record.state.cursor = at - 1;
    await this.store.transaction(() => this.store.saveCampaign(c.record));
  }

  async pause(campaignId: string, at = this.clock.now()): Promise<void> {
    const c = await this.load(campaignId);
    if (c.record.status !== "active") return;
    c.record.status = "paused";
    c.record.pausedAt = at;
    await this.store.transaction(() => this.store.saveCampaign(c.record));
  }

  /** Resumes a paused campaign. `retime`: each waiting contact waits, from now, what it still had to wait at the pause. */
  async resume(campaignId: string, at = this.clock.now(), overdue: "now" | "retime" = "now"): Promise<void> {
    const c = await this.load(campaignId);
    if (c.record.status !== "paused") return;
    await this.store.transaction(async () => {
      if (overdue === "retime" && c.record.pausedAt !== null) await this.store.shiftWaiting(campaignId, c.record.pausedAt, at - c.record.pausedAt);
      // Carts abandoned during the pause are like its skipped occurrences: nothing enters a paused campaign.
      for (const t of await this.store.takeDueTimers(campaignId, at - 1)) {
        if (t.kind !== "cart") await this.store.addTimer(campaignId, t.element, t.contactPk, t.dueAt, t.kind);
      }
      c.record.status = "active";
      c.record.pausedAt = null;
      // Occurrences that fell during the pause are skipped: nothing enters a paused campaign.
      c.record.state.cursor = Math.max(this.cursor(c), at - 1);
      await this.store.saveCampaign(c.record);
    });
  }

  async stop(campaignId: string): Promise<void> {
    const c = await this.load(campaignId);
    c.record.status = "stopped";
    await this.store.transaction(() => this.store.saveCampaign(c.record));
  }

  /**
   * Drops the campaign from the engine's cache: the next use reads and compiles what the store
   * holds. Called after a transaction that changed the document (a new version) has ended, so the
   * cache never keeps a document that was rolled back or a version that was replaced.
   */
  forget(campaignId: string): void {
    this.loaded.delete(campaignId);
  }

  private async load(campaignId: string): Promise<Loaded> {
    let c = this.loaded.get(campaignId);
    if (!c) {
      const record = await this.store.getCampaign(campaignId);
      if (!record) throw new Error(`unknown campaign ${campaignId}`);
      const project = await this.store.getProject(record.projectId);
      if (!project) throw new Error(`unknown project ${record.projectId}`);
      const compiled = new CompiledCampaign(record.doc, project);
      const env: RuleEnv = {
        now: 0,
        timezone: compiled.timezone,
        fieldTypes: fieldTypes(project),
        tableColumns: new Map(project.tables.map((t) => [t.key, new Map(t.columns.map((col) => [col.key, col.type]))])),
      };
      c = { record, compiled, project, projectJson: JSON.stringify(project), env };
      this.loaded.set(campaignId, c);
    }
    return c;
  }

  private async campaignsOf(projectId: string, status: "active" | "live" = "active"): Promise<Loaded[]> {
    const out: Loaded[] = [];
    let projectJson: string | undefined;
    for (const r of await this.store.listCampaigns(projectId)) {
      if (r.status !== "active" && !(status === "live" && r.status === "paused")) continue;
      let c = await this.load(r.id);
      // An event is judged with the project's configuration as it is now (a persona, a field just changed).
      projectJson ??= JSON.stringify(await this.store.getProject(projectId));
      if (c.projectJson !== projectJson) {
        this.loaded.delete(r.id);
        c = await this.load(r.id);
      }
      out.push(c);
    }
    return out;
  }

  // ---- entries ------------------------------------------------------------------------------

  /** A manual launch: one run of every `trigger.manual` of the campaign. Returns how many entered. */
  async launch(campaignId: string, at = this.clock.now()): Promise<number> {
    const c = await this.load(campaignId);
    if (c.record.status !== "active") return 0;
    let n = 0;
    for (const t of c.compiled.triggers().filter((e) => e.type === "trigger.manual")) {
      const launches = (await this.store.firedRuns(c.record.id, t.id)).length;
      n += await this.run(c, t, at, `${t.id}@${at}#launch${launches + 1}`);
    }
    return n;
  }

  private async run(c: Loaded, trigger: CompiledElement, at: number, key?: string, contactPks?: number[]): Promise<number> {
    return this.store.transaction(async () => {
      const runId = await this.store.createRun(c.record.id, trigger.id, at, key);
      if (runId === null) return 0;
      const audience = trigger.params.audience ? { rule: trigger.params.audience, env: { ...c.env, now: at } } : null;
      return this.store.startRun(c.record.projectId, c.record.id, trigger.id, runId, at, c.record.doc.reentry, audience, contactPks);
    });
  }

  /** `trigger.api`: one contact enters, with `data` readable as `trigger.data`. Returns false when it could not enter. */
  async api(campaignId: string, contactId: string, data: unknown, at = this.clock.now()): Promise<boolean> {
    const c = await this.load(campaignId);
    if (c.record.status !== "active") return false;
    const contact = await this.store.findContact(c.record.projectId, contactId);
    if (!contact || contact.status !== "active") return false;
    const trigger = c.compiled.triggers().find((t) => t.type === "trigger.api");
    if (!trigger) return false;
    const j = await this.store.transaction(() =>
      this.store.enter({ campaignId, contactPk: contact.pk, contactId, element: trigger.id, at, reentry: c.record.doc.reentry, data: data ?? {} }));
    return j !== null;
  }

  /** Enters a contact into every active campaign with a matching event trigger. */
  private async fire(projectId: string, type: string, contactPk: number, at: number, match: (params: any) => boolean = () => true): Promise<void> {
    const [contact] = (await this.store.getContacts([contactPk])).values();
    if (!contact || contact.status !== "active") return;
    for (const c of await this.campaignsOf(projectId)) {
      const trigger = c.compiled.triggers().find((t) => t.type === type && this.moduleOn(c, t) && match(t.params));
      if (trigger) await this.store.enter({ campaignId: c.record.id, contactPk, contactId: contact.id, element: trigger.id, at, reentry: c.record.doc.reentry });
    }
  }

  private moduleOn(c: Loaded, el: CompiledElement): boolean {
    return !el.def.module || c.project.modules[el.def.module] === true;
  }

  /**
   * Starts the `trigger.import` runs of one finished import: one run per trigger per import, over
   * the contacts it created and updated (already written, e.g. chunk by chunk by a CSV import).
   * `onDemand` triggers run only when the import asked to launch campaigns. Returns how many entered.
   */
  async importRuns(projectId: string, created: number[], updated: number[], launchCampaigns: boolean, at = this.clock.now()): Promise<number> {
    return this.store.transaction(async () => {
      let n = 0;
      for (const c of await this.campaignsOf(projectId)) {
        for (const t of c.compiled.triggers().filter((x) => x.type === "trigger.import")) {
          if (t.params.mode === "onDemand" && !launchCampaigns) continue;
          const which = t.params.contacts ?? "all";
          const pks = [...(which !== "updated" ? created : []), ...(which !== "created" ? updated : [])];
          if (!pks.length) continue;
          // Each import is its own run, even when two land at the same instant: number runs per trigger.
          const imports = (await this.store.firedRuns(c.record.id, t.id)).length;
          n += await this.run(c, t, at, `${t.id}@${at}#import${imports + 1}`, pks);
        }
      }
      return n;
    });
  }

  /** Applies a change to contact data and fires the triggers listening to it. */
  async contactEvent(projectId: string, ev: ContactEvent, at = this.clock.now()): Promise<void> {
    await this.store.transaction(async () => {
      if (ev.type === "contact.created") {
        const r = await this.store.upsertContacts(projectId, [{ ...ev.contact, createdAt: ev.contact.createdAt ?? at }], at);
        for (const pk of r.created) await this.fire(projectId, "trigger.contactCreated", pk, at);
        for (const u of r.updated) if (u.changed.length) await this.fireUpdated(projectId, u.pk, u.changed, at);
        return;
      }
      if (ev.type === "import") {
        const r = await this.store.upsertContacts(projectId, ev.contacts.map((x) => ({ ...x, createdAt: x.createdAt ?? at })), at);
        await this.importRuns(projectId, r.created, r.updated.map((u) => u.pk), ev.launchCampaigns ?? false, at);
        return;
      }
      const contact = await this.store.findContact(projectId, ev.contact);
      if (!contact) throw new UnknownContactError(ev.contact);
      switch (ev.type) {
        case "contact.updated": {
          const fields = { ...contact.fields, ...ev.fields };
          const changed = Object.keys(ev.fields).filter((k) => JSON.stringify(contact.fields[k]) !== JSON.stringify(fields[k]));
          await this.store.patchContact(contact.pk, { fields });
          if (changed.length) await this.fireUpdated(projectId, contact.pk, changed, at);
          return;
        }
        case "contact.subscribed":
        case "contact.unsubscribed":
          return this.setSubscription(projectId, contact.pk, contact.subscriptions, ev.communicationType, ev.type === "contact.subscribed", at);
        case "table.inserted":
        case "table.updated": {
          const on = ev.type === "table.inserted" ? "insert" : "update";
          if (on === "insert") await this.store.insertTableRow(contact.pk, ev.table, ev.row, at);
          else await this.store.updateTableRow(contact.pk, ev.table, ev.row, at);
          return this.fire(projectId, "trigger.profilingTable", contact.pk, at, (p) => p.table === ev.table && p.on.includes(on));
        }
        case "group.added":
        case "group.removed": {
          const groups = contact.groups.filter((g) => g !== ev.group);
          if (ev.type === "group.added") groups.push(ev.group);
          return this.store.patchContact(contact.pk, { groups });
        }
        case "page.visited":
          return this.fire(projectId, "trigger.pageVisited", contact.pk, at, (p) => (p.urls as string[]).some((u) => wildcard(u, ev.url)));
        case "product.viewed":
          return this.fire(projectId, "trigger.productViewed", contact.pk, at, (p) =>
            (!p.skus?.length || p.skus.includes(ev.sku)) && (!p.categories?.length || (ev.category !== undefined && p.categories.includes(ev.category))));
        case "cart.updated":
        case "cart.purchased": {
          // An abandoned cart is a durable timer per (campaign, contact), reset by every change.
          await this.store.deleteTimers({ kind: "cart", contactPk: contact.pk });
          if (ev.type === "cart.purchased" || ev.items.length === 0) return;
          // Paused campaigns arm the timer too: a cart changed during a pause may be abandoned after the resume.
          for (const c of await this.campaignsOf(projectId, "live")) {
            for (const t of c.compiled.triggers().filter((x) => x.type === "trigger.cartAbandoned" && this.moduleOn(c, x))) {
              await this.store.addTimer(c.record.id, t.id, contact.pk, addDuration(at, t.params.after ?? { amount: 1, unit: "hours" }, c.compiled.timezone), "cart");
            }
          }
          return;
        }
      }
    });
  }

  private fireUpdated(projectId: string, pk: number, changed: string[], at: number): Promise<void> {
    return this.fire(projectId, "trigger.contactUpdated", pk, at, (p) => !p.fields?.length || p.fields.some((f: string) => changed.includes(f)));
  }

  private async setSubscription(projectId: string, pk: number, current: Record<string, boolean>, type: string, subscribed: boolean, at: number): Promise<void> {
    if ((current[type] === true) === subscribed) return;
    await this.store.patchContact(pk, { subscriptions: { ...current, [type]: subscribed } });
    await this.fire(projectId, subscribed ? "trigger.contactSubscribed" : "trigger.contactUnsubscribed", pk, at,
      (p) => !p.communicationTypes?.length || p.communicationTypes.includes(type));
  }

  // ---- outside decisions --------------------------------------------------------------------

  /** Approves or rejects everything the sends upstream of an approval element have prepared. */
  async decideApproval(campaignId: string, element: string, approved: boolean, at = this.clock.now()): Promise<void> {
    const c = await this.load(campaignId);
    const sources = c.compiled.approvalSources(element);
    await this.store.transaction(async () => {
      await this.store.settlePending(campaignId, sources, "pendingApproval", approved ? "queued" : "discarded", at);
      await this.store.releaseHeld(campaignId, element, this.releaseAt(c, at));
    });
  }

  /** Chooses an A/X test's winner: the waiting contacts are released to it, later ones go straight to it. */
  async setWinner(campaignId: string, element: string, variant: string, at = this.clock.now()): Promise<void> {
    const c = await this.load(campaignId);
    await this.store.transaction(async () => {
      c.record.state = await this.store.updateCampaignState(campaignId, { winners: { [element]: variant } });
      await this.store.deleteTimers({ campaignId, element, kind: "axWinner" });
      await this.store.releaseHeld(campaignId, element, this.releaseAt(c, at));
    });
  }

  /**
   * When held contacts released at `at` are due. During a pause they are due at the pause: their
   * wait is over, so a `retime` resume (which shifts what was still to wait) must not add the pause to it.
   */
  private releaseAt(c: Loaded, at: number): number {
    return c.record.status === "paused" && c.record.pausedAt !== null ? Math.min(at, c.record.pausedAt) : at;
  }

  /**
   * A delivery, bounce, open, click, unsubscribe or complaint about the latest message a send
   * element sent a contact. Returns false (and changes nothing) when no such message was sent.
   */
  async messageEvent(campaignId: string, element: string, contactId: string, type: MessageEventType,
    extra: { url?: string; hard?: boolean; communicationType?: string } = {}, at = this.clock.now()): Promise<boolean> {
    const c = await this.load(campaignId);
    const contact = await this.store.findContact(c.record.projectId, contactId);
    if (!contact) return false;
    const message = await this.store.latestSentMessage(campaignId, element, contact.pk);
    if (!message) return false;
    await this.applyMessageEvent(c.record.projectId, message, type, extra, at);
    return true;
  }

  /**
   * An event about one message, known by its natural key (tracked links, bounces, complaints):
   * recorded once per message (every click is kept), a click implies an open, and its effects on
   * the contact apply. Returns the message, or undefined when there is none or it was never sent.
   */
  async messageEventByKey(key: { journey: number; element: string; hop: number }, type: MessageEventType,
    extra: { url?: string; hard?: boolean; communicationType?: string } = {}, at = this.clock.now()): Promise<MessageRecord | undefined> {
    return this.store.transaction(async () => {
      const message = await this.store.messageByKey(key.journey, key.element, key.hop);
      if (!message || message.sentAt === null) return undefined;
      const projectId = (await this.load(message.campaignId)).record.projectId;
      if (type === "clicked" && message.openedAt === null) await this.applyMessageEvent(projectId, message, "opened", {}, at);
      const first = { opened: message.openedAt, clicked: message.clickedAt, delivered: message.deliveredAt, bounced: message.bouncedAt, complained: message.complainedAt, unsubscribed: message.unsubscribedAt }[type] === null;
      if (first || type === "clicked") await this.applyMessageEvent(projectId, message, type, extra, at, first);
      return message;
    });
  }

  private async applyMessageEvent(projectId: string, message: MessageRecord, type: MessageEventType,
    extra: { url?: string; hard?: boolean; communicationType?: string }, at: number, first = true): Promise<void> {
    await this.store.transaction(async () => {
      await this.store.recordMessageEvent(message.id, type, at, extra);
      if ((type === "opened" || type === "clicked") && first) await this.store.addInteraction(projectId, message.contactPk, type, at, message.id);
      if (type === "bounced" && extra.hard && typeof message.payload.to === "string") await this.store.markBounced(projectId, message.payload.to.trim().toLowerCase(), at);
      if (type === "unsubscribed" || type === "complained") {
        const commType = (type === "unsubscribed" ? extra.communicationType : undefined) ?? message.communicationType;
        const fresh = await this.store.getContacts([message.contactPk]);
        const contact = fresh.get(message.contactPk);
        if (commType && contact) await this.setSubscription(projectId, contact.pk, contact.subscriptions, commType, false, at);
      }
    });
  }

  /** Records many message events in one transaction (provider webhooks and inbound batches); returns which were applied. */
  async messageEvents(events: { campaignId: string; element: string; contactId: string; type: MessageEventType; extra?: { url?: string; hard?: boolean; communicationType?: string }; at?: number }[]): Promise<boolean[]> {
    return this.store.transaction(async () => {
      const out: boolean[] = [];
      for (const e of events) out.push(await this.messageEvent(e.campaignId, e.element, e.contactId, e.type, e.extra ?? {}, e.at ?? this.clock.now()));
      return out;
    });
  }

  // ---- the scheduler ------------------------------------------------------------------------

  /** Does everything due at or before `now`: scheduled runs, timers, moves, then the outbox. */
  async tick(now = this.clock.now()): Promise<void> {
    const projects = new Map<string, string>();
    for (const r of await this.store.listCampaigns()) {
      if (r.status !== "active" && r.status !== "paused") continue;
      let c = await this.load(r.id);
      let projectJson = projects.get(r.projectId);
      if (projectJson === undefined) projects.set(r.projectId, (projectJson = JSON.stringify(await this.store.getProject(r.projectId))));
      // Another process (an API server) may have published a new version of the document, or
      // changed the project's configuration (fields, personas, time zone, quiet hours…): compile again.
      if (c.projectJson !== projectJson || JSON.stringify(c.record.doc) !== JSON.stringify(r.doc)) {
        this.loaded.delete(r.id);
        c = await this.load(r.id);
      }
      // Another process (an API server, another worker) may have changed the campaign's status or
      // element state (a winner, an approval): what the database holds wins over the cache.
      Object.assign(c.record, { status: r.status, state: r.state, activatedAt: r.activatedAt, pausedAt: r.pausedAt });
      try {
        await this.fireSchedules(c, now);
        if (c.record.status !== "active") continue;
        await this.fireTimers(c, now);
        await this.move(c, now);
      } catch (e) {
        // Handlers update the cached campaign state before their transaction commits: after a
        // rollback, forget it so the next tick reads what the database holds.
        this.loaded.delete(r.id);
        throw e;
      }
    }
    await this.drainOutbox(now);
  }

  /** The next instant anything is due (a run, a timer, a token, a message), or null. */
  async nextWakeAt(): Promise<number | null> {
    const times: (number | null)[] = [await this.store.nextMessageAt()];
    for (const r of await this.store.listCampaigns()) {
      if (r.status !== "active" && r.status !== "paused") continue;
      const c = await this.load(r.id);
      times.push(this.nextSchedule(c));
      if (r.status !== "active") continue;
      times.push(await this.store.nextTimerAt(r.id));
      times.push(await this.store.nextDueAt(r.id, c.compiled.order.map((e) => e.id)));
    }
    const valid = times.filter((t): t is number => t !== null);
    return valid.length ? Math.min(...valid) : null;
  }

  private nextSchedule(c: Loaded): number | null {
    return nextScheduled(c.compiled, c.record.activatedAt ?? 0, this.cursor(c));
  }

  /** Scheduled triggers have fired every occurrence up to this instant. */
  private cursor(c: Loaded): number {
    return c.record.state.cursor ?? (c.record.activatedAt ?? 0) - 1;
  }

  private async fireSchedules(c: Loaded, now: number): Promise<void> {
    const cursor = this.cursor(c);
    if (now <= cursor) return;
    await this.store.transaction(async () => {
      // A paused campaign lets its occurrences pass: nothing enters it.
      if (c.record.status === "active") {
        for (const { at, trigger } of dueOccurrences(c.compiled, c.record.activatedAt ?? 0, cursor, now)) await this.run(c, trigger, at);
      }
      c.record.state = await this.store.updateCampaignState(c.record.id, { cursor: now });
    });
  }

  private async fireTimers(c: Loaded, now: number): Promise<void> {
    // Taking the due timers and acting on them is one transaction: a crash in between would
    // lose them (an A/X test never choosing its winner, an abandoned cart never entering).
    await this.store.transaction(async () => {
      for (const timer of await this.store.takeDueTimers(c.record.id, now)) {
        if (timer.kind === "cart" && timer.contactPk !== null) {
          const [contact] = (await this.store.getContacts([timer.contactPk])).values();
          if (contact?.status === "active") {
            await this.store.enter({ campaignId: c.record.id, contactPk: contact.pk, contactId: contact.id, element: timer.element, at: timer.dueAt, reentry: c.record.doc.reentry });
          }
        } else if (timer.kind === "axWinner") {
          await this.setWinner(c.record.id, timer.element, await autoWinner(this.store, c.compiled, c.record.id, timer.element), timer.dueAt);
        }
      }
    });
  }

  /** Moves every token due at or before `now`, upstream elements first, until none is left. */
  private async move(c: Loaded, now: number): Promise<void> {
    // Elements whose due tokens another worker holds (claimed nothing) are left to it until the next tick.
    const busy = new Set<string>();
    for (;;) {
      let worked = false;
      for (const el of c.compiled.order) {
        if (busy.has(el.id) || !(await this.store.hasDue(c.record.id, el.id, now))) continue;
        if ((await this.batch(c, el, now)) > 0) {
          worked = true;
          break;
        }
        busy.add(el.id);
      }
      if (!worked) return;
    }
  }

  /**
   * One batch, in one transaction: claim due tokens at `el`, run its handler, and let the tokens
   * that go straight on run through the next elements in memory (a chain), until they wait, end,
   * or reach an element that must see every arrival of the instant at once (a set element or a
   * merge point). Only the final places are written, with the journey log of every step.
   */
  private async batch(c: Loaded, el: CompiledElement, now: number): Promise<number> {
    const whole = SET_ELEMENTS.has(el.type);
    const limit = whole ? Number.MAX_SAFE_INTEGER : this.batchSize;
    // A set element's run must be claimed whole even when other workers still move its upstream part.
    const options = whole ? { whole: { upstream: [...c.compiled.upstream(el.id)].filter((id) => c.compiled.get(id)!.rank < el.rank) } } : undefined;
    const ready: MessageRecord[] = [];
    const n = await this.store.transaction(async () => {
      ready.length = 0;
      const tokens = await this.store.claim(c.record.id, el.id, now, limit, options);
      if (tokens.length === 0) return 0;
      const moves: Move[] = [];
      const dues = new Map<string, number>();
      const frontier: [CompiledElement, Token[]][] = [[el, tokens]];
      const contacts = new Map<number, ContactRecord>();
      while (frontier.length) {
        const [current, batch] = frontier.shift()!;
        const handler = handlerFor(current.type);
        if (!handler) throw new Error(`no handler for ${current.type}`);
        const decisions = await handler(batch, this.context(c, current, now, contacts, ready));
        if (WRITES_CONTACTS.has(current.type)) contacts.clear();
        const next = new Map<string, Token[]>();
        for (const d of decisions) {
          const m = this.route(c, current, d, now, dues);
          m.from = current.id;
          if (m.state === READY && m.to !== undefined && m.exit !== undefined && this.chainable(c, m.to)) {
            m.chained = true;
            let list = next.get(m.to);
            if (!list) next.set(m.to, (list = []));
            list.push({ ...d.token, element: m.to, hop: d.token.hop + 1, state: READY, dueAt: now });
          }
          moves.push(m);
        }
        for (const [id, list] of next) frontier.push([c.compiled.get(id)!, list]);
      }
      await this.store.applyMoves(c.record.id, el.id, now, moves);
      return moves.length;
    });
    this.onBatch?.(el.id, n);
    if (ready.length) await this.handOver(ready, now);
    return n;
  }

  /** Tokens may run on into an element in memory unless it must see all of an instant's arrivals together. */
  private chainable(c: Loaded, id: string): boolean {
    const el = c.compiled.get(id)!;
    return !SET_ELEMENTS.has(el.type) && c.compiled.incomingCount(id) <= 1;
  }

  /**
   * The handler's view for one element of a batch. Contacts loaded for one element of a chain
   * are reused by the next ones (`cache`), until a handler that writes contacts runs.
   */
  private context(c: Loaded, el: CompiledElement, now: number, cache: Map<number, ContactRecord>, ready: MessageRecord[]): BatchContext {
    return {
      handOver: (messages) => {
        for (const m of messages) ready.push(m);
      },
      store: this.store, projectId: c.record.projectId, project: c.project, campaign: c.record, compiled: c.compiled,
      element: el, now, renderer: this.renderer, baseUrl: this.baseUrl, links: this.links, ruleEnv: { ...c.env, now },
      contacts: async (tokens: Token[], options?: { tables?: boolean }) => {
        const missing = tokens.filter((t) => {
          const known = cache.get(t.contactPk);
          return !known || (options?.tables && !known.tables);
        });
        if (missing.length) for (const [pk, contact] of await this.store.getContacts(missing.map((t) => t.contactPk), options)) cache.set(pk, contact);
        const out = new Map<number, ContactRecord>();
        for (const t of tokens) {
          const contact = cache.get(t.contactPk);
          if (contact) out.set(t.contactPk, contact);
        }
        return out;
      },
    };
  }

  /** Turns a handler's decision into the token's new place. */
  private route(c: Loaded, el: CompiledElement, d: Decision, now: number, dues: Map<string, number>): Move {
    const token = d.token;
    if ("hold" in d) return { token, to: el.id, dueAt: token.dueAt, state: HELD };
    if ("wait" in d) return { token, to: el.id, dueAt: d.wait, state: WAITING };
    if ("end" in d) return { token, dueAt: now, state: ENDED, outcome: d.end };
    const targetId = c.compiled.target(el.id, d.exit);
    if (targetId === undefined) return { token, exit: d.exit, dueAt: now, state: ENDED, outcome: "none" };
    const target = c.compiled.get(targetId)!;
    if (target.def.family === "end") return { token, exit: d.exit, dueAt: now, state: ENDED, outcome: target.type.slice(4), endElement: targetId };
    if (target.type === "delay.period" || target.type === "delay.weekdays") {
      // Everyone reaching a delay at the same instant wakes at the same time: compute it once.
      let due = dues.get(targetId);
      if (due === undefined) dues.set(targetId, (due = delayDue(target, now, c.compiled)));
      return { token, exit: d.exit, to: targetId, dueAt: due, state: WAITING };
    }
    return { token, exit: d.exit, to: targetId, dueAt: now, state: READY };
  }

  /** Hands every message due by `now` to the transport, in batches. */
  async drainOutbox(now = this.clock.now()): Promise<number> {
    let total = 0;
    for (;;) {
      // Taken, handed over and marked in one transaction: another worker draining at the same
      // time skips these messages (PostgreSQL), and a crash leaves them queued.
      const n = await this.store.transaction(async () => {
        const due = await this.store.dueMessages(now, this.handOverSize());
        if (due.length) await this.deliver(due, now);
        return due.length;
      });
      if (n === 0) return total;
      total += n;
    }
  }

  /**
   * Sends the messages a batch just wrote, without reading them back: only those still queued
   * and not taken by another worker's drain (held until marked) go to the transport.
   */
  private async handOver(messages: MessageRecord[], now: number): Promise<void> {
    const size = this.handOverSize();
    for (let i = 0; i < messages.length; i += size) {
      const chunk = messages.slice(i, i + size);
      await this.store.transaction(async () => {
        const mine = new Set(await this.store.holdQueued(chunk.map((m) => m.id)));
        const held = chunk.filter((m) => mine.has(m.id));
        if (held.length) await this.deliver(held, now);
      });
    }
  }

  /**
   * Gives outbox messages to the transport and records the results. The rows exist before the
   * hand-over: a crash before the results are written leaves them queued for the next drain.
   */
  /** Messages per hand-over transaction: a network transport keeps them short. */
  private handOverSize(): number {
    return Math.min(this.batchSize, this.transport.maxBatch ?? this.batchSize);
  }

  /**
   * SMS due inside their project's quiet hours (a retry, a resumed campaign, a send hour) are held
   * to the end of the quiet period instead of going out: they are not an attempt. Returns the rest.
   */
  private async holdQuiet(messages: MessageRecord[], now: number): Promise<MessageRecord[]> {
    if (!messages.some((m) => m.channel === "sms")) return messages;
    const out: MessageRecord[] = [];
    const allowedBy = new Map<string, number>();
    for (const m of messages) {
      if (m.channel === "sms") {
        let allowed = allowedBy.get(m.campaignId);
        if (allowed === undefined) {
          const { project } = await this.load(m.campaignId);
          allowed = afterQuietHours(now, project.timezone, project.sms?.quietHours === undefined ? DEFAULT_QUIET_HOURS : project.sms.quietHours);
          allowedBy.set(m.campaignId, allowed);
        }
        if (allowed > now) {
          const sql = this.store.dialect === "postgres"
            ? "UPDATE messages SET send_after = $1 WHERE id = $2 AND status = 'queued'"
            : "UPDATE messages SET send_after = ? WHERE id = ? AND status = 'queued'";
          await this.store.execute(sql, [allowed, m.id]);
          continue;
        }
      }
      out.push(m);
    }
    return out;
  }

  private async deliver(all: MessageRecord[], now: number): Promise<void> {
    const size = this.handOverSize();
    const messages = await this.holdQuiet(all, now);
    for (let i = 0; i < messages.length; i += size) {
      const chunk = messages.slice(i, i + size);
      const results = await this.transport.send(chunk);
      await this.store.transaction(async () => {
        const ok = results.filter((r) => r.ok);
        const delivered = ok.filter((r) => r.delivered ?? this.transport.deliversOnSend).map((r) => r.id);
        const notYet = ok.filter((r) => !(r.delivered ?? this.transport.deliversOnSend)).map((r) => r.id);
        if (delivered.length) await this.store.markSent(delivered, now, true);
        if (notYet.length) await this.store.markSent(notYet, now, false);
        const byId = new Map(chunk.map((m) => [m.id, m]));
        for (const r of results) {
          if (r.ok) continue;
          const error = r.error ?? "failed";
          if (!r.permanent) {
            // A passing failure (4xx, network): retried with a doubling delay, failed after the last attempt.
            const attempts = await this.store.retryMessage(r.id, error, now, RETRY_BASE_MS);
            if (attempts < MAX_ATTEMPTS) continue;
            await this.store.markFailed(r.id, `${error} (gave up after ${attempts} attempts)`);
            continue;
          }
          await this.store.markFailed(r.id, error);
          const m = byId.get(r.id);
          if (r.hardBounce && m) await this.applyMessageEvent((await this.load(m.campaignId)).record.projectId, m, "bounced", { hard: true }, now);
        }
      });
    }
  }
}

/** A failed hand-over is retried after 1, 2, 4… minutes, up to this many attempts (about 4 hours in all). */
const RETRY_BASE_MS = 60_000;
const MAX_ATTEMPTS = 8;

/** Handlers that change contact data: contacts loaded before them are stale after them. */
const WRITES_CONTACTS = new Set(["action.updateContacts", "action.unsubscribeContacts"]);

/** A user error: an event names a contact that does not exist. */
export class UnknownContactError extends Error {
  readonly code = "UNKNOWN_CONTACT";
  constructor(readonly contactId: string) {
    super(`unknown contact ${contactId}`);
  }
}
