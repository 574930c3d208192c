import { recordShopEvent, type ShopEvent } from "../commerce/shop-events.js";
import { TOMBSTONE_PREFIX } from "../contacts/contact-input.js";
import { tableRowProblems } from "../contacts/contact-tables.js";
import type { ServerContext } from "../server/context.js";
import { SiteTokens } from "./identity-token.js";
import type { SiteBatch, SiteEventIn } from "./site-batch.js";
import { siteDb, type SiteDb } from "./site-db.js";
import { ANONYMOUS_RETENTION_MS, purgeSiteHistory } from "./site-history.js";

export type IngestDeps = Pick<ServerContext, "store" | "engine" | "clock" | "secret" | "wake">;

/** What a batch did: how many events were kept, and whether its identity token identified the visitor. */
export type IngestResult =
  | { ok: true; accepted: number; identity: "none" | "identified" | "expired" | "unknown_contact" }
  | { ok: false; problem: "invalid_token" };

type Identified = { pk: number; id: string };

const PURGE_EVERY_MS = 3600_000;

/**
 * The site tracker's ingest: keeps a visitor's events (anonymous until it is identified),
 * identifies it by a signed token, attaches its anonymous history to the contact and hands its
 * events to the engine — `page_view` as `page.visited`, shop events through `recordShopEvent` —
 * in one store transaction per batch: a batch is kept whole, with its engine events, or not at all.
 */
export class SiteIngest {
  readonly tokens: SiteTokens;
  private readonly db: SiteDb;
  private lastPurge = -Infinity;

  constructor(private readonly deps: IngestDeps) {
    this.tokens = new SiteTokens(deps.secret);
    this.db = siteDb(deps.store);
  }

  async ingest(projectId: string, batch: SiteBatch): Promise<IngestResult> {
    const { store, clock } = this.deps;
    const now = clock.now();
    let identity: Identified | undefined;
    let outcome: "none" | "identified" | "expired" | "unknown_contact" = "none";
    if (batch.identify !== undefined) {
      const r = await this.identityOf(projectId, batch.identify, now);
      // A forged token, or one of another project, is refused with the whole batch.
      if (r === "invalid") return { ok: false, problem: "invalid_token" };
      if (r === "expired" || r === "unknown_contact") outcome = r;
      else [identity, outcome] = [r, "identified"];
    }
    const db = this.db;
    await store.transaction(async () => {
      const visitor = await db.first(db.q.selectFrom("site_visitors").select(["contact_pk"])
        .where("project_id", "=", projectId).where("visitor_id", "=", batch.visitor));
      let contact = identity;
      if (!contact && visitor?.contact_pk != null) contact = await this.contactByPk(projectId, Number(visitor.contact_pk));
      if (!visitor) {
        await db.run(db.q.insertInto("site_visitors").values({
          project_id: projectId, visitor_id: batch.visitor, contact_pk: contact?.pk ?? null, first_seen: now, last_seen: now, identified_at: identity ? now : null,
        }));
      } else {
        await db.run(db.q.updateTable("site_visitors")
          // A contact that no longer exists (erased) leaves the visitor anonymous again.
          .set({ last_seen: now, contact_pk: contact?.pk ?? null, ...(identity ? { identified_at: now } : {}) })
          .where("project_id", "=", projectId).where("visitor_id", "=", batch.visitor));
      }
      // The history before this identification: attached to the contact, then replayed to the engine.
      let history: { type: string; data: string; at: number }[] = [];
      if (identity) {
        const anon = db.q.selectFrom("site_events").select(["id", "type", "data", "at"])
          .where("project_id", "=", projectId).where("visitor_id", "=", batch.visitor).where("contact_pk", "is", null);
        history = (await db.all(anon.where("at", ">=", now - ANONYMOUS_RETENTION_MS).orderBy("id"))).map((r) => ({ type: r.type, data: r.data, at: Number(r.at) }));
        await db.run(db.q.updateTable("site_events").set({ contact_pk: identity.pk })
          .where("project_id", "=", projectId).where("visitor_id", "=", batch.visitor).where("contact_pk", "is", null));
      }
      if (batch.events.length > 0) {
        await db.run(db.q.insertInto("site_events").values(batch.events.map((ev) => ({
          project_id: projectId, visitor_id: batch.visitor, contact_pk: contact?.pk ?? null, type: ev.type, data: JSON.stringify(dataOf(ev)), at: now,
        }))));
      }
      if (!contact) return;
      for (const h of history) await this.forward(projectId, contact.id, { type: h.type, ...JSON.parse(h.data) } as SiteEventIn, h.at);
      for (const ev of batch.events) await this.forward(projectId, contact.id, ev, now);
    });
    this.deps.wake();
    await this.purgeNowAndThen(now);
    return { ok: true, accepted: batch.events.length, identity: outcome };
  }

  /** The contact a token names in this project; "invalid" for a forged token or another project's. */
  private async identityOf(projectId: string, token: string, now: number): Promise<Identified | "invalid" | "expired" | "unknown_contact"> {
    const t = this.tokens.verify(token, now);
    if ("problem" in t) return t.problem;
    if (t.kind === "contact") {
      if (t.projectId !== projectId) return "invalid";
      const c = await this.deps.store.findContact(projectId, t.contactId);
      return c ? { pk: c.pk, id: c.id } : "unknown_contact";
    }
    const db = this.db;
    const m = await db.first(db.q.selectFrom("messages").select(["project_id", "contact_pk"])
      .where("journey_id", "=", t.key.journey).where("hop", "=", t.key.hop).where("element", "=", t.key.element));
    if (!m) return "unknown_contact";
    if (m.project_id !== projectId) return "invalid";
    return (await this.contactByPk(projectId, Number(m.contact_pk))) ?? "unknown_contact";
  }

  private async contactByPk(projectId: string, pk: number): Promise<Identified | undefined> {
    const db = this.db;
    const c = await db.first(db.q.selectFrom("contacts").select(["pk", "id"]).where("pk", "=", pk).where("project_id", "=", projectId));
    // An erased contact (a tombstone) is nobody: its browsers go back to anonymous.
    return c && !c.id.startsWith(TOMBSTONE_PREFIX) ? { pk: Number(c.pk), id: c.id } : undefined;
  }

  private async forward(projectId: string, contactId: string, ev: SiteEventIn, at: number): Promise<void> {
    if (ev.type === "page_view") {
      await this.deps.engine.contactEvent(projectId, { type: "page.visited", contact: contactId, url: ev.url }, at);
      return;
    }
    if (ev.type === "table_row") {
      // Checked again against the table as it is now: an anonymous row replayed later may meet a changed table.
      const def = (await this.deps.store.getProject(projectId))?.tables.find((t) => t.key === ev.table);
      if (def?.site !== true) return;
      const { row, problems } = tableRowProblems(def, ev.row, "row");
      if (problems.length === 0) await this.deps.engine.contactEvent(projectId, { type: "table.inserted", contact: contactId, table: def.key, row }, at);
      return;
    }
    await recordShopEvent(this.deps, projectId, contactId, ev as ShopEvent, at);
  }

  /** Retention (site-history.ts), at most once an hour per process; a failure only waits for the next one. */
  private async purgeNowAndThen(now: number): Promise<void> {
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    try {
      await this.deps.store.transaction(() => purgeSiteHistory(this.db, now));
    } catch {
      this.lastPurge = -Infinity;
    }
  }
}

/** An event's data as stored: everything but its type. */
function dataOf(ev: SiteEventIn): Record<string, unknown> {
  const { type, ...data } = ev;
  void type;
  return data;
}
