import Database from "better-sqlite3";
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { evaluateRule, ruleUsesTables, type ProjectConfig, type Rule, type RuleEnv } from "../../model/index.js";
import { FileTable } from "../../exports/file-table.js";
import type {
  AppendFileOptions, ClaimedFile, FileInfo, FileStatus,
  CampaignRecord, CampaignState, ContactInput, ContactRecord, FileRecord, JourneyRecord, MessageEventType, MessageInput,
  MessageRecord, Move, StepRecord, Token,
} from "../store.js";
import { mergeCampaignState, mergeContact, parseJson as parse, StoredContact, toCampaign, toContact, toMessage, type Row } from "../stored-records.js";
import { ENDED, HELD, MIGRATED_EXIT, READY } from "../store.js";
import type { Store, ContactPatch, UpsertResult, EnterRequest, AudienceFilter } from "../store.js";
import { SQLITE_MIGRATIONS } from "./schema.js";


/** Where the embedded store lives unless told otherwise. */
export const DEFAULT_DATABASE_FILE = "data/relais.sqlite";


/**
 * The embedded store: one SQLite file (WAL) through better-sqlite3. Statements are prepared
 * once; the moves of a batch are written set-based (json_each), a handful of statements per batch.
 */
export class SqliteStore implements Store {
  readonly db: Database.Database;
  private readonly stmts = new Map<string, Database.Statement>();
  private readonly context = new AsyncLocalStorage<boolean>();
  private queue: Promise<unknown> = Promise.resolve();
  private audienceSeq = 0;
  private readonly audiences = new Map<string, { rule: Rule; env: RuleEnv }>();

  /** `file` is a path (created with its folder; default `./data/relais.sqlite`) or `:memory:`. */
  constructor(file = DEFAULT_DATABASE_FILE) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = OFF");
    this.db.pragma("cache_size = -65536");
    this.db.pragma("temp_store = MEMORY");
    this.db.pragma("wal_autocheckpoint = 8192");
    this.db.function("relais_audience", { deterministic: false, varargs: true }, (key: unknown, fields: unknown, tables: unknown) => {
      const a = this.audiences.get(String(key));
      if (!a) return 0;
      const subject = { fields: parse(fields as string, {}), tables: parse(tables as string | null, {}) };
      return evaluateRule(a.rule, subject, a.env) ? 1 : 0;
    });
  }

  private s(sql: string): Database.Statement {
    let st = this.stmts.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.stmts.set(sql, st);
    }
    return st;
  }

  async migrate(): Promise<void> {
    this.db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)");
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as Row | undefined;
    let version = row ? Number(row.value) : 0;
    while (version < SQLITE_MIGRATIONS.length) {
      this.db.transaction(() => {
        this.db.exec(SQLITE_MIGRATIONS[version]);
        version++;
        this.db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(version));
      })();
    }
  }

  /**
   * One SQLite transaction on the store's single connection. A call made inside a transaction's
   * async context joins it; a call from elsewhere (another request) waits its turn, so two
   * callers never share a transaction and one's rollback never takes the other's writes.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.context.getStore()) return fn();
    const run = () =>
      this.context.run(true, async () => {
        this.db.exec("BEGIN IMMEDIATE");
        try {
          const result = await fn();
          this.db.exec("COMMIT");
          return result;
        } catch (e) {
          if (this.db.inTransaction) this.db.exec("ROLLBACK");
          throw e;
        }
      });
    const turn = this.queue.then(run, run);
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  async close(): Promise<void> {
    this.db.close();
  }

  readonly dialect = "sqlite" as const;

  async execute(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const st = this.s(sql);
    const bound = params.map((p) => (typeof p === "boolean" ? (p ? 1 : 0) : p));
    if (st.reader) return st.all(...bound) as Record<string, unknown>[];
    st.run(...bound);
    return [];
  }

  // ---- projects ---------------------------------------------------------------------------

  async putProject(id: string, config: ProjectConfig): Promise<void> {
    this.s("INSERT INTO projects (id, config) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET config = excluded.config").run(id, JSON.stringify(config));
    for (const bank of config.promoBanks) await this.addPromoCodes(id, bank.key, bank.codes);
  }

  async getProject(id: string): Promise<ProjectConfig | undefined> {
    const row = this.s("SELECT config FROM projects WHERE id = ?").get(id) as Row | undefined;
    return row ? JSON.parse(row.config) : undefined;
  }

  // ---- contacts ---------------------------------------------------------------------------

  async upsertContacts(projectId: string, inputs: ContactInput[], now: number): Promise<UpsertResult> {
    const result: UpsertResult = { created: [], updated: [] };
    const find = this.s("SELECT * FROM contacts WHERE project_id = ? AND id = ?");
    const insert = this.s(
      "INSERT INTO contacts (project_id, id, status, created_at, fields, subscriptions, groups, push) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const c of inputs) {
      const existing = find.get(projectId, c.id) as Row | undefined;
      if (!existing) {
        const info = insert.run(
          projectId, c.id, c.status ?? "active", c.createdAt ?? now, JSON.stringify(c.fields ?? {}),
          JSON.stringify(c.subscriptions ?? {}), JSON.stringify(c.groups ?? []), JSON.stringify(c.push ?? []),
        );
        const pk = Number(info.lastInsertRowid);
        for (const [table, rows] of Object.entries(c.tables ?? {})) for (const row of rows) await this.insertTableRow(pk, table, row, now);
        result.created.push(pk);
      } else {
        const before = toContact(existing);
        const { patch, changed } = mergeContact(before, c);
        await this.patchContact(before.pk, patch);
        for (const [table, rows] of Object.entries(c.tables ?? {})) for (const row of rows) await this.insertTableRow(before.pk, table, row, now);
        result.updated.push({ pk: before.pk, changed });
      }
    }
    return result;
  }

  async getContacts(pks: number[], options: { tables?: boolean } = {}): Promise<Map<number, ContactRecord>> {
    const out = new Map<number, ContactRecord>();
    if (pks.length === 0) return out;
    const rows = this.s("SELECT pk, id, status, created_at, fields, subscriptions, groups, push FROM contacts WHERE pk IN (SELECT value FROM json_each(?))")
      .raw().all(JSON.stringify(pks)) as any[][];
    for (const r of rows) out.set(r[0], new StoredContact(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]));
    if (options.tables) {
      for (const c of out.values()) c.tables = {};
      const trs = this.s("SELECT contact_pk, table_key, row FROM table_rows WHERE contact_pk IN (SELECT value FROM json_each(?)) ORDER BY id").all(JSON.stringify(pks)) as Row[];
      for (const r of trs) {
        const c = out.get(r.contact_pk)!;
        (c.tables![r.table_key] ??= []).push(JSON.parse(r.row));
      }
    }
    return out;
  }

  async findContact(projectId: string, id: string): Promise<ContactRecord | undefined> {
    const r = this.s("SELECT * FROM contacts WHERE project_id = ? AND id = ?").get(projectId, id) as Row | undefined;
    return r ? toContact(r) : undefined;
  }

  async listContacts(projectId: string): Promise<ContactRecord[]> {
    return (this.s("SELECT * FROM contacts WHERE project_id = ? ORDER BY id").all(projectId) as Row[]).map((r) => toContact(r));
  }

  async patchContact(pk: number, patch: ContactPatch): Promise<void> {
    const sets: string[] = [];
    const args: unknown[] = [];
    if (patch.fields) { sets.push("fields = ?"); args.push(JSON.stringify(patch.fields)); }
    if (patch.status) { sets.push("status = ?"); args.push(patch.status); }
    if (patch.subscriptions) { sets.push("subscriptions = ?"); args.push(JSON.stringify(patch.subscriptions)); }
    if (patch.groups) { sets.push("groups = ?"); args.push(JSON.stringify(patch.groups)); }
    if (patch.push) { sets.push("push = ?"); args.push(JSON.stringify(patch.push)); }
    if (sets.length === 0) return;
    this.s(`UPDATE contacts SET ${sets.join(", ")} WHERE pk = ?`).run(...args, pk);
  }

  async insertTableRow(pk: number, table: string, row: Record<string, unknown>, now: number): Promise<void> {
    this.s("INSERT INTO table_rows (contact_pk, table_key, row, created_at, updated_at) VALUES (?, ?, ?, ?, ?)").run(pk, table, JSON.stringify(row), now, now);
  }

  /** Updates the contact's rows of `table` that share every key of `match` (the first column by default), or inserts. */
  async updateTableRow(pk: number, table: string, row: Record<string, unknown>, now: number): Promise<void> {
    const rows = this.s("SELECT id, row FROM table_rows WHERE contact_pk = ? AND table_key = ? ORDER BY id").all(pk, table) as Row[];
    const firstKey = Object.keys(row)[0];
    const hit = rows.find((r) => firstKey !== undefined && JSON.parse(r.row)[firstKey] === row[firstKey]);
    if (!hit) return this.insertTableRow(pk, table, row, now);
    this.s("UPDATE table_rows SET row = ?, updated_at = ? WHERE id = ?").run(JSON.stringify({ ...JSON.parse(hit.row), ...row }), now, hit.id);
  }

  async markBounced(projectId: string, address: string, at: number): Promise<void> {
    this.s("INSERT OR IGNORE INTO bounced_addresses (project_id, address, at) VALUES (?, ?, ?)").run(projectId, address, at);
  }

  async bouncedAmong(projectId: string, addresses: string[]): Promise<Set<string>> {
    if (addresses.length === 0) return new Set();
    const rows = this.s("SELECT address FROM bounced_addresses WHERE project_id = ? AND address IN (SELECT value FROM json_each(?))").all(projectId, JSON.stringify(addresses)) as Row[];
    return new Set(rows.map((r) => r.address));
  }

  // ---- promo codes --------------------------------------------------------------------------

  async addPromoCodes(projectId: string, bank: string, codes: string[]): Promise<void> {
    const ins = this.s("INSERT OR IGNORE INTO promo_codes (project_id, bank, code) VALUES (?, ?, ?)");
    for (const code of codes) ins.run(projectId, bank, code);
  }

  async takePromoCode(projectId: string, bank: string, contactPk: number, journey: number, at: number): Promise<string | null> {
    const row = this.s("SELECT id, code FROM promo_codes WHERE project_id = ? AND bank = ? AND contact_pk IS NULL ORDER BY id LIMIT 1").get(projectId, bank) as Row | undefined;
    if (!row) return null;
    this.s("UPDATE promo_codes SET contact_pk = ?, journey_id = ?, granted_at = ? WHERE id = ?").run(contactPk, journey, at, row.id);
    this.s("UPDATE journeys SET promo_code = ? WHERE id = ?").run(row.code, journey);
    return row.code;
  }

  async promoGrants(projectId: string): Promise<{ contactId: string; bank: string; code: string; at: number }[]> {
    const rows = this.s(
      `SELECT c.id AS contact_id, p.bank, p.code, p.granted_at FROM promo_codes p JOIN contacts c ON c.pk = p.contact_pk
       WHERE p.project_id = ? AND p.contact_pk IS NOT NULL ORDER BY p.granted_at, c.id, p.id`,
    ).all(projectId) as Row[];
    return rows.map((r) => ({ contactId: r.contact_id, bank: r.bank, code: r.code, at: r.granted_at }));
  }

  // ---- interactions -------------------------------------------------------------------------

  async addInteraction(projectId: string, contactPk: number, type: "opened" | "clicked", at: number, messageId: number | null): Promise<void> {
    this.s("INSERT INTO interactions (project_id, contact_pk, type, at, message_id) VALUES (?, ?, ?, ?, ?)").run(projectId, contactPk, type, at, messageId);
  }

  async interactions(contactPks: number[], since: number, until: number): Promise<{ contactPk: number; type: string; at: number; messageId: number | null }[]> {
    const rows = this.s(
      "SELECT contact_pk, type, at, message_id FROM interactions WHERE contact_pk IN (SELECT value FROM json_each(?)) AND at >= ? AND at <= ? ORDER BY at",
    ).all(JSON.stringify(contactPks), since, until) as Row[];
    return rows.map((r) => ({ contactPk: r.contact_pk, type: r.type, at: r.at, messageId: r.message_id }));
  }

  async projectInteractionTimes(projectId: string, until: number): Promise<number[]> {
    return (this.s("SELECT at FROM interactions WHERE project_id = ? AND at <= ?").all(projectId, until) as Row[]).map((r) => r.at);
  }

  // ---- campaigns ----------------------------------------------------------------------------

  async saveCampaign(c: CampaignRecord): Promise<void> {
    this.s(
      `INSERT INTO campaigns (id, project_id, doc, status, seed, activated_at, paused_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET project_id = excluded.project_id, doc = excluded.doc, status = excluded.status, seed = excluded.seed,
       activated_at = excluded.activated_at, paused_at = excluded.paused_at, state = excluded.state`,
    ).run(c.id, c.projectId, JSON.stringify(c.doc), c.status, c.seed, c.activatedAt, c.pausedAt, JSON.stringify(c.state));
  }

  async updateCampaignState(id: string, patch: CampaignState): Promise<CampaignState> {
    return this.transaction(async () => {
      const row = this.s("SELECT state FROM campaigns WHERE id = ?").get(id) as Row | undefined;
      if (!row) throw new Error(`unknown campaign ${id}`);
      const state = mergeCampaignState(parse(row.state, {}), patch);
      this.s("UPDATE campaigns SET state = ? WHERE id = ?").run(JSON.stringify(state), id);
      return state;
    });
  }

  async getCampaign(id: string): Promise<CampaignRecord | undefined> {
    const r = this.s("SELECT * FROM campaigns WHERE id = ?").get(id) as Row | undefined;
    return r ? toCampaign(r) : undefined;
  }

  async listCampaigns(projectId?: string): Promise<CampaignRecord[]> {
    const rows = (projectId === undefined
      ? this.s("SELECT * FROM campaigns ORDER BY id").all()
      : this.s("SELECT * FROM campaigns WHERE project_id = ? ORDER BY id").all(projectId)) as Row[];
    return rows.map((r) => toCampaign(r));
  }



  // ---- runs and entries ---------------------------------------------------------------------

  async createRun(campaignId: string, element: string, at: number, key: string = `${element}@${at}`): Promise<number | null> {
    const info = this.s("INSERT OR IGNORE INTO runs (campaign_id, element, at, key) VALUES (?, ?, ?, ?)").run(campaignId, element, at, key);
    return info.changes === 0 ? null : Number(info.lastInsertRowid);
  }

  async firedRuns(campaignId: string, element: string): Promise<number[]> {
    return (this.s("SELECT at FROM runs WHERE campaign_id = ? AND element = ? ORDER BY at").all(campaignId, element) as Row[]).map((r) => r.at);
  }

  private reentryClause(reentry: string): string {
    if (reentry === "never") return "AND NOT EXISTS (SELECT 1 FROM journeys j WHERE j.contact_pk = c.pk AND j.campaign_id = @campaign)";
    if (reentry === "afterExit") return "AND NOT EXISTS (SELECT 1 FROM journeys j WHERE j.contact_pk = c.pk AND j.campaign_id = @campaign AND j.state <> 9)";
    return "";
  }

  async startRun(
    projectId: string, campaignId: string, element: string, runId: number, at: number, reentry: string,
    audience: AudienceFilter | null, contactPks?: number[],
  ): Promise<number> {
    let audienceClause = "";
    let key = "";
    if (audience) {
      key = `a${++this.audienceSeq}`;
      this.audiences.set(key, audience);
      audienceClause = ruleUsesTables(audience.rule)
        ? `AND relais_audience(@key, c.fields, (SELECT json_group_object(t.table_key, json(t.rows)) FROM (
             SELECT table_key, json_group_array(json(row)) AS rows FROM table_rows WHERE contact_pk = c.pk GROUP BY table_key) t))`
        : "AND relais_audience(@key, c.fields, NULL)";
    }
    const subset = contactPks ? "AND c.pk IN (SELECT value FROM json_each(@pks))" : "";
    try {
      const info = this.db.prepare(
        `INSERT INTO journeys (campaign_id, contact_pk, contact_id, run_id, entered_at, element, due_at, state, hop)
         SELECT @campaign, c.pk, c.id, @run, @at, @element, @at, 0, 0 FROM contacts c
         WHERE c.project_id = @project AND c.status = 'active' ${subset} ${this.reentryClause(reentry)} ${audienceClause}
         ORDER BY c.id`,
      ).run({ campaign: campaignId, run: runId, at, element, project: projectId, ...(key ? { key } : {}), ...(contactPks ? { pks: JSON.stringify(contactPks) } : {}) });
      this.s("UPDATE runs SET size = ? WHERE id = ?").run(info.changes, runId);
      this.bumpStat(campaignId, element, "", info.changes);
      return info.changes;
    } finally {
      if (key) this.audiences.delete(key);
    }
  }

  async enter(req: EnterRequest): Promise<number | null> {
    const { campaignId, contactPk, reentry } = req;
    if (reentry !== "always") {
      const open = reentry === "never"
        ? this.s("SELECT 1 FROM journeys WHERE contact_pk = ? AND campaign_id = ? LIMIT 1").get(contactPk, campaignId)
        : this.s("SELECT 1 FROM journeys WHERE contact_pk = ? AND campaign_id = ? AND state <> 9 LIMIT 1").get(contactPk, campaignId);
      if (open) return null;
    }
    const info = this.s(
      `INSERT INTO journeys (campaign_id, contact_pk, contact_id, run_id, entered_at, element, due_at, state, hop, trigger_data)
       VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)`,
    ).run(campaignId, contactPk, req.contactId, req.runId ?? null, req.at, req.element, req.at, req.data === undefined ? null : JSON.stringify(req.data));
    this.bumpStat(campaignId, req.element, "", 1);
    return Number(info.lastInsertRowid);
  }

  // ---- tokens -------------------------------------------------------------------------------

  async nextDueAt(campaignId: string, elements: string[]): Promise<number | null> {
    let min: number | null = null;
    const st = this.s("SELECT MIN(due_at) AS m FROM journeys WHERE campaign_id = ? AND element = ? AND state < 2");
    for (const e of elements) {
      const m = (st.get(campaignId, e) as Row).m as number | null;
      if (m !== null && (min === null || m < min)) min = m;
    }
    return min;
  }

  async hasDue(campaignId: string, element: string, now: number): Promise<boolean> {
    return !!this.s("SELECT 1 FROM journeys WHERE campaign_id = ? AND element = ? AND state < 2 AND due_at <= ? LIMIT 1").get(campaignId, element, now);
  }

  async claim(campaignId: string, element: string, now: number, limit: number): Promise<Token[]> {
    const rows = this.s(
      `SELECT id, contact_pk, contact_id, element, run_id, entered_at, due_at, state, hop FROM journeys
       WHERE campaign_id = ? AND element = ? AND state < 2 AND due_at <= ? ORDER BY due_at, contact_id LIMIT ?`,
    ).raw().all(campaignId, element, now, limit) as unknown[][];
    return rows.map((r) => ({
      journey: r[0] as number, contactPk: r[1] as number, contactId: r[2] as string, element: r[3] as string,
      runId: r[4] as number | null, enteredAt: r[5] as number, dueAt: r[6] as number, state: r[7] as number, hop: r[8] as number,
    }));
  }

  async applyMoves(campaignId: string, element: string, now: number, moves: Move[]): Promise<void> {
    // The journey log rides in the journey row: each token's steps of this batch are appended
    // in the same UPDATE that writes its final place. Tokens that went the same way share a group.
    const logs = new Map<number, string>();
    const entries = new Map<string, string>();
    const entry = (el: string, exit: string | null) => {
      const k = `${el}\u0000${exit}`;
      let e = entries.get(k);
      if (e === undefined) entries.set(k, (e = `,${JSON.stringify([el, exit, now])}`));
      return e;
    };
    const moveGroups = new Map<string, { to: string | null; dueAt: number | null; state: number; outcome: string | null; hop: number; log: string; ids: number[] }>();
    const stats = new Map<string, number>();
    const bump = (el: string, exit: string) => {
      const k = `${el}\u0000${exit}`;
      stats.set(k, (stats.get(k) ?? 0) + 1);
    };
    for (const m of moves) {
      const from = m.from ?? element;
      const j = m.token.journey;
      let log = logs.get(j) ?? "";
      if (m.exit !== undefined) {
        log += entry(from, m.exit);
        bump(from, m.exit);
        if (m.to !== undefined) bump(m.to, "");
      }
      if (m.endElement !== undefined) {
        log += entry(m.endElement, null);
        bump(m.endElement, "");
      }
      if (m.chained) {
        logs.set(j, log);
        continue;
      }
      const to = m.to ?? null;
      const due = m.state === ENDED ? null : m.dueAt;
      const outcome = m.outcome ?? null;
      const hop = m.token.hop + (m.exit !== undefined ? 1 : 0);
      const key = `${to}\u0000${due}\u0000${m.state}\u0000${outcome}\u0000${hop}\u0000${log}`;
      let g = moveGroups.get(key);
      if (!g) moveGroups.set(key, (g = { to, dueAt: due, state: m.state, outcome, hop, log, ids: [] }));
      g.ids.push(j);
    }
    const moveStmt = this.s(
      `UPDATE journeys SET element = ?, due_at = ?, state = ?, outcome = ?, ended_at = ?, hop = ?, path = path || ?
       WHERE id IN (SELECT value FROM json_each(?))`,
    );
    for (const g of moveGroups.values()) moveStmt.run(g.to, g.dueAt, g.state, g.outcome, g.state === ENDED ? now : null, g.hop, g.log, JSON.stringify(g.ids));
    for (const [k, n] of stats) {
      const [el, exit] = k.split("\u0000");
      this.bumpStat(campaignId, el, exit, n);
    }
  }

  private bumpStat(campaignId: string, element: string, exit: string, n: number): void {
    if (n === 0) return;
    this.s("INSERT INTO element_stats (campaign_id, element, exit, n) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n").run(campaignId, element, exit, n);
  }

  async releaseHeld(campaignId: string, element: string, now: number): Promise<number> {
    return this.s(`UPDATE journeys SET state = ${READY}, due_at = ? WHERE campaign_id = ? AND element = ? AND state = ${HELD}`).run(now, campaignId, element).changes;
  }

  async heldTokens(campaignId: string, element: string): Promise<Token[]> {
    const rows = this.s(
      `SELECT id, contact_pk, contact_id, element, run_id, entered_at, due_at, state, hop FROM journeys
       WHERE campaign_id = ? AND element = ? AND state = ${HELD} ORDER BY contact_id`,
    ).all(campaignId, element) as Row[];
    return rows.map((r) => ({ journey: r.id, contactPk: r.contact_pk, contactId: r.contact_id, element: r.element, runId: r.run_id, enteredAt: r.entered_at, dueAt: r.due_at, state: r.state, hop: r.hop }));
  }

  async shiftWaiting(campaignId: string, after: number, delta: number): Promise<void> {
    this.s("UPDATE journeys SET due_at = due_at + ? WHERE campaign_id = ? AND state < 2 AND due_at > ?").run(delta, campaignId, after);
  }

  async moveTokens(campaignId: string, from: string, to: string, at: number, dueAt = at): Promise<number> {
    const n = this.s(
      `UPDATE journeys SET element = ?, due_at = ?, state = ${READY}, hop = hop + 1, path = path || ? WHERE campaign_id = ? AND element = ? AND state <> ${ENDED}`,
    ).run(to, dueAt, `,${JSON.stringify([from, MIGRATED_EXIT, at])}`, campaignId, from).changes;
    this.bumpStat(campaignId, from, MIGRATED_EXIT, n);
    this.bumpStat(campaignId, to, "", n);
    return n;
  }

  async endTokens(campaignId: string, from: string, outcome: string, at: number): Promise<number> {
    const n = this.s(
      `UPDATE journeys SET element = NULL, due_at = NULL, state = ${ENDED}, outcome = ?, ended_at = ?, hop = hop + 1, path = path || ?
       WHERE campaign_id = ? AND element = ? AND state <> ${ENDED}`,
    ).run(outcome, at, `,${JSON.stringify([from, MIGRATED_EXIT, at])}`, campaignId, from).changes;
    this.bumpStat(campaignId, from, MIGRATED_EXIT, n);
    return n;
  }

  async journeyContext(journeys: number[]): Promise<Map<number, { triggerData: unknown; promoCode: string | null; enteredAt: number }>> {
    const rows = this.s("SELECT id, trigger_data, promo_code, entered_at FROM journeys WHERE id IN (SELECT value FROM json_each(?))").all(JSON.stringify(journeys)) as Row[];
    return new Map(rows.map((r) => [r.id, { triggerData: parse(r.trigger_data, undefined), promoCode: r.promo_code, enteredAt: r.entered_at }]));
  }

  // ---- messages (the outbox) ----------------------------------------------------------------

  async insertMessages(projectId: string, campaignId: string, messages: MessageInput[]): Promise<(number | null)[]> {
    const ins = this.s(
      `INSERT OR IGNORE INTO messages (project_id, campaign_id, journey_id, contact_pk, contact_id, element, hop, channel, comm_type, status, reason, created_at, send_after, payload)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return messages.map((m) => {
      const info = ins.run(projectId, campaignId, m.journey, m.contactPk, m.contactId, m.element, m.hop, m.channel, m.communicationType,
        m.status, m.reason ?? null, m.createdAt, m.sendAfter ?? (m.status === "queued" ? m.createdAt : null), JSON.stringify(m.payload));
      return info.changes > 0 ? Number(info.lastInsertRowid) : null;
    });
  }

  async holdQueued(ids: number[]): Promise<number[]> {
    // One connection, one transaction at a time: being queued is enough.
    return this.s("SELECT id FROM messages WHERE id IN (SELECT value FROM json_each(?)) AND status = 'queued'").pluck().all(JSON.stringify(ids)) as number[];
  }

  async dueMessages(now: number, limit: number): Promise<MessageRecord[]> {
    // What a transport needs, nothing more: these rows are read once per message sent.
    return (this.s(
      `SELECT id, campaign_id, journey_id, contact_pk, contact_id, element, hop, channel, comm_type, status, created_at, send_after, payload
       FROM messages WHERE status = 'queued' AND send_after <= ? AND campaign_id NOT IN (SELECT id FROM campaigns WHERE status = 'paused')
       ORDER BY send_after, id LIMIT ?`,
    ).all(now, limit) as Row[]).map(toMessage);
  }

  async nextMessageAt(): Promise<number | null> {
    // A paused campaign sends nothing: its messages wait for the resume.
    return (this.s("SELECT MIN(send_after) AS m FROM messages WHERE status = 'queued' AND campaign_id NOT IN (SELECT id FROM campaigns WHERE status = 'paused')").get() as Row).m;
  }

  async markSent(ids: number[], at: number, delivered: boolean): Promise<void> {
    this.s(`UPDATE messages SET status = 'sent', sent_at = ?, delivered_at = ${delivered ? "?" : "NULL"} WHERE id IN (SELECT value FROM json_each(?)) AND status = 'queued'`)
      .run(...(delivered ? [at, at] : [at]), JSON.stringify(ids));
  }

  async markFailed(id: number, reason: string): Promise<void> {
    this.s("UPDATE messages SET status = 'failed', reason = ? WHERE id = ?").run(reason, id);
  }

  async retryMessage(id: number, reason: string, now: number, baseDelayMs: number): Promise<number> {
    const r = this.s(
      "UPDATE messages SET attempts = attempts + 1, reason = ?, send_after = ? + ? * (1 << min(attempts, 16)) WHERE id = ? AND status = 'queued' RETURNING attempts",
    ).get(reason, now, baseDelayMs, id) as Row | undefined;
    return r ? Number(r.attempts) : 0;
  }

  async journeyMessages(journeys: number[]): Promise<MessageRecord[]> {
    // Facts only, few columns, raw rows: conditions read these for every contact of a batch.
    const rows = this.s(
      `SELECT id, journey_id, contact_pk, contact_id, element, hop, channel, comm_type, status, created_at, sent_at,
       delivered_at, opened_at, clicked_at, bounced_at, complained_at, unsubscribed_at, unsubscribed_type, campaign_id, bounce_hard
       FROM messages WHERE journey_id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    ).raw().all(JSON.stringify(journeys)) as any[][];
    return rows.map((r) => ({
      id: r[0], journey: r[1], contactPk: r[2], contactId: r[3], element: r[4], hop: r[5], channel: r[6], communicationType: r[7],
      status: r[8], createdAt: r[9], sentAt: r[10], deliveredAt: r[11], openedAt: r[12], clickedAt: r[13], bouncedAt: r[14],
      complainedAt: r[15], unsubscribedAt: r[16], unsubscribedType: r[17], campaignId: r[18], payload: {}, bounceHard: !!r[19],
    }));
  }

  async clicksOf(messageIds: number[]): Promise<{ messageId: number; url: string | null; at: number }[]> {
    return (this.s("SELECT message_id, url, at FROM clicks WHERE message_id IN (SELECT value FROM json_each(?))").all(JSON.stringify(messageIds)) as Row[])
      .map((r) => ({ messageId: r.message_id, url: r.url, at: r.at }));
  }

  async latestSentMessage(campaignId: string, element: string, contactPk: number): Promise<MessageRecord | undefined> {
    const r = this.s(
      `SELECT id, campaign_id, journey_id, contact_pk, contact_id, element, hop, channel, comm_type, status, created_at, sent_at, payload
       FROM messages WHERE journey_id IN (SELECT id FROM journeys WHERE contact_pk = ? AND campaign_id = ?) AND element = ? AND status = 'sent'
       ORDER BY sent_at DESC, id DESC LIMIT 1`,
    )
      .get(contactPk, campaignId, element) as Row | undefined;
    return r ? toMessage(r) : undefined;
  }

  async messageByKey(journey: number, element: string, hop: number): Promise<MessageRecord | undefined> {
    const r = this.s("SELECT * FROM messages WHERE journey_id = ? AND element = ? AND hop = ?").get(journey, element, hop) as Row | undefined;
    return r ? toMessage(r) : undefined;
  }

  async recordMessageEvent(messageId: number, type: MessageEventType, at: number, extra: { url?: string; hard?: boolean; communicationType?: string }): Promise<void> {
    const col: Record<MessageEventType, string> = {
      delivered: "delivered_at", bounced: "bounced_at", opened: "opened_at", clicked: "clicked_at",
      unsubscribed: "unsubscribed_at", complained: "complained_at",
    };
    this.s(`UPDATE messages SET ${col[type]} = COALESCE(${col[type]}, ?) WHERE id = ?`).run(at, messageId);
    if (type === "bounced" && extra.hard) this.s("UPDATE messages SET bounce_hard = 1 WHERE id = ?").run(messageId);
    if (type === "unsubscribed") this.s("UPDATE messages SET unsubscribed_type = COALESCE(unsubscribed_type, ?) WHERE id = ?").run(extra.communicationType ?? null, messageId);
    if (type === "clicked") this.s("INSERT INTO clicks (message_id, at, url) VALUES (?, ?, ?)").run(messageId, at, extra.url ?? null);
  }

  /** Sets the status of every message of `elements` in `fromStatus`; returns their ids. */
  async settlePending(campaignId: string, elements: string[], fromStatus: string, toStatus: string, at: number): Promise<number> {
    return this.s(
      `UPDATE messages SET status = ?, send_after = ? WHERE campaign_id = ? AND status = ? AND element IN (SELECT value FROM json_each(?))`,
    ).run(toStatus, at, campaignId, fromStatus, JSON.stringify(elements)).changes;
  }

  async campaignMessages(campaignId: string): Promise<MessageRecord[]> {
    return (this.s(`SELECT * FROM messages WHERE campaign_id = ? ORDER BY id`).all(campaignId) as Row[]).map(toMessage);
  }

  // ---- files --------------------------------------------------------------------------------

  fileDelivery: "upload" | "onWrite" = "upload";
  private readonly files = new FileTable(this, () => this.fileDelivery);

  appendFileRows(campaignId: string, element: string, destination: string, path: string, kind: string, batchKey: string, at: number, rows: Record<string, unknown>[], options?: AppendFileOptions): Promise<number> {
    return this.files.append(campaignId, element, destination, path, kind, batchKey, at, rows, options);
  }

  campaignFiles(campaignId: string): Promise<FileRecord[]> {
    return this.files.campaignFiles(campaignId);
  }

  listFiles(projectId: string, filter: { campaignId?: string; status?: FileStatus; beforeId?: number; limit: number }): Promise<FileInfo[]> {
    return this.files.list(projectId, filter);
  }

  fileRows(fileId: number, upTo: number): AsyncIterable<Record<string, unknown>> {
    return this.files.rows(fileId, upTo);
  }

  claimFiles(now: number, leaseUntil: number, owner: string, limit: number): Promise<ClaimedFile[]> {
    return this.files.claim(now, leaseUntil, owner, limit);
  }

  renewFileLease(fileId: number, owner: string, leaseUntil: number): Promise<boolean> {
    return this.files.renew(fileId, owner, leaseUntil);
  }

  fileUploaded(fileId: number, owner: string, rows: number, bytes: number, at: number): Promise<boolean> {
    return this.files.uploaded(fileId, owner, rows, bytes, at);
  }

  fileUploadFailed(fileId: number, owner: string, error: string, nextAttemptAt: number | null, at: number): Promise<boolean> {
    return this.files.failed(fileId, owner, error, nextAttemptAt, at);
  }

  retryFile(projectId: string, fileId: number, at: number): Promise<"queued" | "notFound" | "notFailed"> {
    return this.files.retry(projectId, fileId, at);
  }

  async recordPostal(projectId: string, destination: string, contactPk: number, fileId: number, at: number, kind: string, address: unknown): Promise<void> {
    this.s("INSERT INTO postal_history (project_id, destination, contact_pk, file_id, at, kind, address) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(projectId, destination, contactPk, fileId, at, kind, address === undefined ? null : JSON.stringify(address));
  }

  async postalHistory(projectId: string, destination: string, contactPks: number[], before: number): Promise<Map<number, { kind: string; at: number; address: unknown }[]>> {
    const rows = this.s(
      "SELECT contact_pk, kind, at, address FROM postal_history WHERE project_id = ? AND destination = ? AND at < ? AND contact_pk IN (SELECT value FROM json_each(?)) ORDER BY at, rowid",
    ).all(projectId, destination, before, JSON.stringify(contactPks)) as Row[];
    const out = new Map<number, { kind: string; at: number; address: unknown }[]>();
    for (const r of rows) {
      let list = out.get(r.contact_pk);
      if (!list) out.set(r.contact_pk, (list = []));
      list.push({ kind: r.kind, at: r.at, address: parse(r.address, null) });
    }
    return out;
  }

  // ---- element state: counters, variants, timers, notices -----------------------------------

  async counters(campaignId: string, element: string, period: string): Promise<Map<string, number>> {
    const rows = this.s("SELECT exit, n FROM counters WHERE campaign_id = ? AND element = ? AND period = ?").all(campaignId, element, period) as Row[];
    return new Map(rows.map((r) => [r.exit, r.n]));
  }

  async addCounter(campaignId: string, element: string, period: string, exit: string, n: number): Promise<void> {
    this.s("INSERT INTO counters (campaign_id, element, period, exit, n) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n").run(campaignId, element, period, exit, n);
  }

  async setVariant(journey: number, element: string, variant: string | null, released: boolean): Promise<void> {
    this.s("INSERT INTO variants (journey_id, element, variant, released) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET variant = excluded.variant, released = excluded.released")
      .run(journey, element, variant, released ? 1 : 0);
  }

  async variantJourneys(element: string, campaignId: string): Promise<{ journey: number; variant: string }[]> {
    return (this.s(
      "SELECT v.journey_id, v.variant FROM variants v JOIN journeys j ON j.id = v.journey_id WHERE j.campaign_id = ? AND v.element = ? AND v.released = 0 AND v.variant IS NOT NULL",
    ).all(campaignId, element) as Row[]).map((r) => ({ journey: r.journey_id, variant: r.variant }));
  }

  async journeyOutcomes(journeys: number[]): Promise<Map<number, string | null>> {
    const rows = this.s("SELECT id, outcome FROM journeys WHERE id IN (SELECT value FROM json_each(?))").all(JSON.stringify(journeys)) as Row[];
    return new Map(rows.map((r) => [r.id, r.outcome]));
  }

  async addTimer(campaignId: string, element: string, contactPk: number | null, dueAt: number, kind: string): Promise<void> {
    this.s("INSERT INTO timers (campaign_id, element, contact_pk, due_at, kind) VALUES (?, ?, ?, ?, ?)").run(campaignId, element, contactPk, dueAt, kind);
  }

  async deleteTimers(filter: { campaignId?: string; element?: string; contactPk?: number; kind: string }): Promise<void> {
    this.s(
      `DELETE FROM timers WHERE kind = @kind AND (@campaign IS NULL OR campaign_id = @campaign) AND (@element IS NULL OR element = @element)
       AND (@contact IS NULL OR contact_pk = @contact)`,
    ).run({ kind: filter.kind, campaign: filter.campaignId ?? null, element: filter.element ?? null, contact: filter.contactPk ?? null });
  }

  async takeDueTimers(campaignId: string, now: number): Promise<{ element: string; contactPk: number | null; dueAt: number; kind: string }[]> {
    const rows = this.s("SELECT id, element, contact_pk, due_at, kind FROM timers WHERE campaign_id = ? AND due_at <= ? ORDER BY due_at, id").all(campaignId, now) as Row[];
    if (rows.length) this.s("DELETE FROM timers WHERE id IN (SELECT value FROM json_each(?))").run(JSON.stringify(rows.map((r) => r.id)));
    return rows.map((r) => ({ element: r.element, contactPk: r.contact_pk, dueAt: r.due_at, kind: r.kind }));
  }

  async nextTimerAt(campaignId: string): Promise<number | null> {
    return (this.s("SELECT MIN(due_at) AS m FROM timers WHERE campaign_id = ?").get(campaignId) as Row).m;
  }

  async notice(campaignId: string, element: string, at: number, code: string, detail: unknown): Promise<void> {
    this.s("INSERT INTO notices (campaign_id, element, at, code, detail) VALUES (?, ?, ?, ?, ?)").run(campaignId, element, at, code, JSON.stringify(detail));
  }

  // ---- reports ------------------------------------------------------------------------------

  async journeys(campaignId: string): Promise<JourneyRecord[]> {
    return (this.s("SELECT id, contact_id, contact_pk, entered_at, ended_at, outcome, element, state FROM journeys WHERE campaign_id = ? ORDER BY entered_at, contact_id, id").all(campaignId) as Row[])
      .map((r) => ({ id: r.id, contactId: r.contact_id, contactPk: r.contact_pk, enteredAt: r.entered_at, endedAt: r.ended_at, outcome: r.outcome, element: r.element, state: r.state }));
  }

  async steps(campaignId: string): Promise<StepRecord[]> {
    return (this.s(
      `SELECT j.id AS journey_id, s.value ->> 0 AS element, s.value ->> 2 AS at, s.value ->> 1 AS exit
       FROM journeys j, json_each('[' || substr(j.path, 2) || ']') s WHERE j.campaign_id = ? ORDER BY j.id, s.key`,
    ).all(campaignId) as Row[])
      .map((r) => ({ journey: r.journey_id, element: r.element, at: r.at, exit: r.exit }));
  }

  async elementStats(campaignId: string): Promise<{ element: string; exit: string; n: number }[]> {
    return this.s("SELECT element, exit, n FROM element_stats WHERE campaign_id = ?").all(campaignId) as { element: string; exit: string; n: number }[];
  }

  async waitingCounts(campaignId: string): Promise<Map<string, number>> {
    const rows = this.s("SELECT element, COUNT(*) AS n FROM journeys WHERE campaign_id = ? AND state <> 9 GROUP BY element").all(campaignId) as Row[];
    return new Map(rows.map((r) => [r.element, r.n]));
  }

  async outcomeCounts(campaignId: string): Promise<Map<string, number>> {
    const rows = this.s("SELECT COALESCE(outcome, 'inProgress') AS o, COUNT(*) AS n FROM journeys WHERE campaign_id = ? GROUP BY o").all(campaignId) as Row[];
    return new Map(rows.map((r) => [r.o, r.n]));
  }
}
