import type { Clock } from "../engine/clock.js";
import type { Engine } from "../engine/engine.js";
import type { ProjectConfig } from "../model/index.js";
import type { DirectoryDb } from "../store/directory/directory-db.js";
import type { ContactRecord, Store } from "../store/store.js";
import { eraseContact } from "./contact-erasure.js";
import {
  checkCommunicationType, checkContactFields, checkGroup, checkGroups, checkSubscriptions, idFromUrl, idFromValues,
} from "./contact-input.js";
import { ContactRefused, contactNotFound, invalid } from "./contact-refused.js";
import type { ContactBody, ContactOut, ContactPage, SearchBody } from "./contact-schemas.js";
import { searchContacts } from "./contact-search.js";
import { ContactTables } from "./contact-tables.js";
import { contactView } from "./contact-view.js";
import { uniqueKeyField } from "./projects.js";
import { logSubscriptions, type SubscriptionChange } from "./subscription-log.js";

/** What the contacts service works with (the server context has all of it). */
export interface ContactDeps {
  store: Store;
  db: DirectoryDb;
  engine: Engine;
  clock: Clock;
  /** Asks the engine loop to look for due work now: called after every change a trigger may have seen. */
  wake?: () => void;
}

/**
 * Contacts of a project, one at a time: create, upsert, read, change, consent, groups,
 * profiling-table rows, deactivation and erasure; search pages. Every change goes through
 * `engine.contactEvent`, which writes it and fires the triggers listening to it, inside one
 * store transaction per request, so a refused request writes nothing. Contacts are named by
 * their unique-key value; erased contacts (tombstones) are invisible here.
 */
export class Contacts {
  readonly tables: ContactTables;

  constructor(private readonly deps: ContactDeps) {
    this.tables = new ContactTables(deps, this);
  }

  /** The project's configuration (the caller has checked the project exists). */
  async config(projectId: string): Promise<ProjectConfig> {
    const config = await this.deps.store.getProject(projectId);
    if (!config) throw new ContactRefused("not_found", "project not found");
    return config;
  }

  /** The contact a unique-key value (from a URL) names, or a `not_found` refusal. */
  async find(projectId: string, config: ProjectConfig, rawId: string): Promise<ContactRecord> {
    const id = idFromUrl(config, rawId);
    const contact = id === undefined ? undefined : await this.deps.store.findContact(projectId, id);
    if (!contact) throw contactNotFound();
    return contact;
  }

  async get(projectId: string, rawId: string): Promise<ContactOut> {
    const config = await this.config(projectId);
    return contactView(this.deps.db, config, await this.find(projectId, config, rawId));
  }

  /**
   * Creates a contact (`create`: refused when its key exists) or creates-or-merges it
   * (`upsert`: given fields replace those values, others stay). Consents given are applied
   * as subscribe/unsubscribe events and logged with source `api`; only real changes count.
   */
  async save(projectId: string, body: ContactBody, mode: "create" | "upsert"): Promise<{ created: boolean; contact: ContactOut }> {
    const { store, engine, clock } = this.deps;
    const config = await this.config(projectId);
    const fields = checkContactFields(config, body.fields, "body.fields");
    const key = idFromValues(config, fields.values, "body.fields");
    const problems = [
      ...fields.problems,
      ...(fields.problems.some((p) => p.path === `body.fields.${uniqueKeyField(config).key}`) ? [] : key.problems),
      ...checkSubscriptions(config, body.subscriptions ?? {}, "body.subscriptions"),
      ...checkGroups(config, body.groups ?? [], "body.groups"),
    ];
    if (problems.length) throw invalid(problems);
    const id = key.id!;
    const at = clock.now();
    const created = await store.transaction(async () => {
      const before = await store.findContact(projectId, id);
      if (before && mode === "create") throw new ContactRefused("conflict", `a contact with ${uniqueKeyField(config).key} ${id} exists`);
      const groups = body.groups ? [...new Set(body.groups)] : undefined;
      await engine.contactEvent(projectId, { type: "contact.created", contact: { id, fields: fields.values, ...(groups ? { groups } : {}) } }, at);
      if (body.subscriptions) await this.applySubscriptions(projectId, id, body.subscriptions, "api", at);
      return !before;
    });
    this.deps.wake?.();
    return { created, contact: await this.view(projectId, config, id) };
  }

  /** Changes some fields; the unique key cannot change (erase the contact and create another). */
  async update(projectId: string, rawId: string, input: Record<string, unknown>): Promise<ContactOut> {
    const { store, engine, clock } = this.deps;
    const config = await this.config(projectId);
    const contact = await this.find(projectId, config, rawId);
    const fields = checkContactFields(config, input, "body.fields");
    const key = uniqueKeyField(config).key;
    if (key in fields.values && String(fields.values[key]) !== contact.id) {
      fields.problems.push({ path: `body.fields.${key}`, message: `${key} is the project's unique key: it cannot be changed` });
    }
    if (fields.problems.length) throw invalid(fields.problems);
    const { [key]: _same, ...changes } = fields.values;
    if (Object.keys(changes).length) {
      await store.transaction(() => engine.contactEvent(projectId, { type: "contact.updated", contact: contact.id, fields: changes }, clock.now()));
      this.deps.wake?.();
    }
    return this.view(projectId, config, contact.id);
  }

  /** Deactivates (no campaign sends to or enters the contact) or reactivates a contact. */
  async setStatus(projectId: string, rawId: string, status: "active" | "deactivated"): Promise<ContactOut> {
    const { store } = this.deps;
    const config = await this.config(projectId);
    const contact = await this.find(projectId, config, rawId);
    if (contact.status !== status) await store.transaction(() => store.patchContact(contact.pk, { status }));
    return this.view(projectId, config, contact.id);
  }

  /** Subscribes or unsubscribes; nothing happens (no event, no history) when the contact is already so. */
  async setSubscription(projectId: string, rawId: string, type: string, subscribed: boolean, source: string): Promise<{ changed: boolean; contact: ContactOut }> {
    const config = await this.config(projectId);
    const contact = await this.find(projectId, config, rawId);
    const problem = checkCommunicationType(config, type, "params.communicationType");
    if (problem) throw invalid([problem]);
    const changed = await this.deps.store.transaction(() => this.applySubscriptions(projectId, contact.id, { [type]: subscribed }, source, this.deps.clock.now()));
    if (changed) this.deps.wake?.();
    return { changed, contact: await this.view(projectId, config, contact.id) };
  }

  /** The contact's consent history, oldest first. */
  async subscriptionHistory(projectId: string, rawId: string): Promise<{ communicationType: string; subscribed: boolean; at: number; source: string }[]> {
    const { db } = this.deps;
    const config = await this.config(projectId);
    const contact = await this.find(projectId, config, rawId);
    const rows = await db.all(db.q.selectFrom("subscription_log").select(["comm_type", "subscribed", "at", "source"])
      .where("contact_pk", "=", contact.pk).orderBy("at").orderBy("id"));
    return rows.map((r) => ({ communicationType: r.comm_type, subscribed: Number(r.subscribed) === 1, at: Number(r.at), source: r.source }));
  }

  /** Adds the contact to a group of the project, or removes it; nothing happens when it already is so. */
  async setGroup(projectId: string, rawId: string, group: string, member: boolean): Promise<{ changed: boolean; contact: ContactOut }> {
    const config = await this.config(projectId);
    const contact = await this.find(projectId, config, rawId);
    const problem = checkGroup(config, group, "params.group");
    if (problem) throw invalid([problem]);
    const changed = contact.groups.includes(group) !== member;
    if (changed) {
      await this.deps.store.transaction(() =>
        this.deps.engine.contactEvent(projectId, { type: member ? "group.added" : "group.removed", contact: contact.id, group }, this.deps.clock.now()));
      this.deps.wake?.();
    }
    return { changed, contact: await this.view(projectId, config, contact.id) };
  }

  /** Erases the contact's personal data for good (see `eraseContact`). */
  async erase(projectId: string, rawId: string): Promise<void> {
    const config = await this.config(projectId);
    const contact = await this.find(projectId, config, rawId);
    await eraseContact(this.deps, projectId, config, contact);
  }

  /** One page of the project's contacts matching a rule and a status, in id order. */
  async search(projectId: string, query: SearchBody, base: "body" | "querystring"): Promise<ContactPage> {
    return searchContacts(this.deps, projectId, await this.config(projectId), query, base);
  }

  /** The view of a contact by its (normalized) id, read after a change. */
  private async view(projectId: string, config: ProjectConfig, id: string): Promise<ContactOut> {
    const contact = await this.deps.store.findContact(projectId, id);
    if (!contact) throw contactNotFound();
    return contactView(this.deps.db, config, contact);
  }

  /**
   * Applies consents one event each (so `trigger.contactSubscribed`/`Unsubscribed` fire) and
   * logs the real changes. Runs inside the caller's transaction. Returns whether anything changed.
   */
  private async applySubscriptions(projectId: string, id: string, wanted: Record<string, boolean>, source: string, at: number): Promise<boolean> {
    const { store, db, engine } = this.deps;
    const contact = (await store.findContact(projectId, id))!;
    const changes: SubscriptionChange[] = [];
    for (const [communicationType, subscribed] of Object.entries(wanted)) {
      if ((contact.subscriptions[communicationType] === true) === subscribed) continue;
      await engine.contactEvent(projectId, { type: subscribed ? "contact.subscribed" : "contact.unsubscribed", contact: id, communicationType }, at);
      changes.push({ projectId, contactPk: contact.pk, communicationType, subscribed, at, source });
    }
    if (changes.length) await logSubscriptions(db, changes);
    return changes.length > 0;
  }
}
