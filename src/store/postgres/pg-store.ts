import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { PoolClient, PoolConfig, QueryResult } from "pg";
import { evaluateRule, ruleUsesTables, type ProjectConfig } from "../../model/index.js";
import { FileTable } from "../../exports/file-table.js";
import type {
  AppendFileOptions, ClaimedFile, FileInfo, FileStatus,
  AudienceFilter, CampaignRecord, ClaimOptions, CampaignState, ContactInput, ContactPatch, ContactRecord, EnterRequest, FileRecord, JourneyRecord,
  MessageEventType, MessageInput, MessageRecord, Move, StepRecord, Store, Token, UpsertResult,
} from "../store.js";
import { mergeCampaignState, mergeContact, parseJson as parse, toCampaign, toContact, toMessage, type Row } from "../stored-records.js";
import { ENDED, HELD, MIGRATED_EXIT, READY } from "../store.js";
import { PG_MIGRATIONS } from "./schema.js";
import { WakeListener } from "./pg-wake.js";


/** The schema (namespace) the store lives in unless told otherwise. */
export const DEFAULT_PG_SCHEMA = "relais";

const INT8 = 20;

/**
 * int8 (BIGINT, COUNT(*), identity keys) read back as JS numbers: epoch milliseconds and keys
 * stay far below 2^53. Set on this pool's clients only, never on pg's global type registry.
 */
const TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8 ? (v: string) => Number(v) : (pg.types.getTypeParser as any)(oid, format)) as any,
};

/**
 * The scale-out store: PostgreSQL through a `pg` Pool, every table in one schema (default
 * `relais`, set as the connections' `search_path`). It behaves like `SqliteStore` statement for
 * statement; batch statements are set-based over arrays (`= ANY($1)`, `unnest(...)`).
 *
 * `transaction` takes one pooled client for its whole duration (BEGIN … COMMIT/ROLLBACK); every
 * store call made in its async context (AsyncLocalStorage) runs on that client, nested calls
 * join it, and calls from elsewhere use the pool, so concurrent transactions stay apart.
 *
 * Audience rules of `startRun`: the candidates (project, active, subset, re-entry) are read with
 * their fields (and profiling-table rows when the rule needs them), `evaluateRule` runs in JS, and
 * the matching contacts are entered by ONE `INSERT … SELECT FROM unnest(...)` that re-checks
 * status and re-entry. Compiling rules to SQL is left for later.
 */
export class PgStore implements Store {
  readonly pool: pg.Pool;
  readonly schema: string;
  private readonly context = new AsyncLocalStorage<{ client: PoolClient; open: boolean; wake?: boolean }>();
  private closed = false;
  /** How to reach the database, for the dedicated LISTEN connection. */
  private readonly connection: PoolConfig;
  /** The NOTIFY channel of this schema (identifiers stop at 63 bytes) and this store's own payload on it. */
  readonly wakeChannel: string;
  private readonly wakeId = randomUUID();
  private readonly listeners = new Set<WakeListener>();

  /** `connection`: a `postgres://` URL or a pool configuration; `schema`: a plain lowercase identifier. */
  constructor(connection: string | PoolConfig, schema = DEFAULT_PG_SCHEMA) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid PostgreSQL schema name: ${schema}`);
    this.schema = schema;
    const base: PoolConfig = typeof connection === "string" ? { connectionString: connection } : { ...connection };
    this.connection = base;
    this.wakeChannel = `relais_${schema}`.slice(0, 63);
    this.pool = new pg.Pool({ ...base, options: `${base.options ? `${base.options} ` : ""}-c search_path=${schema}`, types: TYPES });
    // An idle client's error (server restart, …) must not crash the process; the next query reconnects.
    this.pool.on("error", () => undefined);
  }

  private q(sql: string, params: unknown[] = []): Promise<QueryResult<Row>> {
    const tx = this.context.getStore();
    return (tx?.open ? tx.client : this.pool).query(sql, params);
  }

  private async rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.q(sql, params)).rows;
  }

  private async one(sql: string, params: unknown[] = []): Promise<Row | undefined> {
    return (await this.q(sql, params)).rows[0];
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      // Two processes migrating at once take turns.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`relais.migrate.${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await client.query(`SET LOCAL search_path TO ${this.schema}`);
      await client.query("CREATE TABLE IF NOT EXISTS meta (key TEXT COLLATE \"C\" PRIMARY KEY, value TEXT)");
      const row = (await client.query("SELECT value FROM meta WHERE key = 'schema_version'")).rows[0];
      let version = row ? Number(row.value) : 0;
      while (version < PG_MIGRATIONS.length) {
        await client.query(PG_MIGRATIONS[version]);
        version++;
        await client.query(
          "INSERT INTO meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          [String(version)],
        );
      }
      await client.query("COMMIT");
    } catch (e) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.context.getStore()?.open) return fn();
    const client = await this.pool.connect();
    // Work started inside `fn` that outlives it (not awaited) falls back to the pool once this closes.
    const tx: { client: PoolClient; open: boolean; wake?: boolean } = { client, open: true };
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await this.context.run(tx, fn);
      tx.open = false;
      // Delivered at COMMIT, once per transaction, to the workers listening (subscribeWake).
      if (tx.wake) await client.query("SELECT pg_notify($1, $2)", [this.wakeChannel, this.wakeId]);
      await client.query("COMMIT");
      return result;
    } catch (e) {
      tx.open = false;
      try {
        await client.query("ROLLBACK");
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      throw e;
    } finally {
      // A client whose rollback failed is in an unknown state: the pool discards it.
      client.release(broken);
    }
  }

  readonly dialect = "postgres" as const;

  async execute(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    return (await this.q(sql, [...params])).rows;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.listeners) await l.close();
    await this.pool.end();
  }

  /** LISTENs on the schema's channel (one dedicated connection, reconnected when lost): see `Store.subscribeWake`. */
  async subscribeWake(fn: () => void): Promise<() => Promise<void>> {
    const listener = new WakeListener(this.connection, this.wakeChannel, this.wakeId, fn);
    this.listeners.add(listener);
    await listener.start();
    return async () => {
      this.listeners.delete(listener);
      await listener.close();
    };
  }

  /**
   * Engine work became due: the listening workers are notified when the current transaction
   * commits (at once outside one). Called by the writes that make work due, never by reads.
   */
  private async wakeWorkers(): Promise<void> {
    const tx = this.context.getStore();
    if (tx?.open) tx.wake = true;
    else await this.pool.query("SELECT pg_notify($1, $2)", [this.wakeChannel, this.wakeId]);
  }

  // ---- projects ---------------------------------------------------------------------------

  async putProject(id: string, config: ProjectConfig): Promise<void> {
    await this.q("INSERT INTO projects (id, config) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET config = excluded.config", [id, JSON.stringify(config)]);
    for (const bank of config.promoBanks) await this.addPromoCodes(id, bank.key, bank.codes);
  }

  async getProject(id: string): Promise<ProjectConfig | undefined> {
    const row = await this.one("SELECT config FROM projects WHERE id = $1", [id]);
    return row ? JSON.parse(row.config) : undefined;
  }

  // ---- contacts ---------------------------------------------------------------------------

  async upsertContacts(projectId: string, inputs: ContactInput[], now: number): Promise<UpsertResult> {
    // A batch (an import's chunk) goes set-based: two round trips a contact made PostgreSQL imports
    // crawl at 4,000 rows/s. Batches with table rows or a repeated id keep the one-by-one path,
    // whose order of effects they depend on.
    if (inputs.length > 1 && !inputs.some((c) => c.tables) && new Set(inputs.map((c) => c.id)).size === inputs.length) {
      return this.upsertBatch(projectId, inputs, now);
    }
    const result: UpsertResult = { created: [], updated: [] };
    const find = "SELECT * FROM contacts WHERE project_id = $1 AND id = $2";
    for (const c of inputs) {
      let existing = await this.one(find, [projectId, c.id]);
      if (!existing) {
        const inserted = await this.one(
          `INSERT INTO contacts (project_id, id, status, created_at, fields, subscriptions, "groups", push) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (project_id, id) DO NOTHING RETURNING pk`,
          [projectId, c.id, c.status ?? "active", c.createdAt ?? now, JSON.stringify(c.fields ?? {}),
            JSON.stringify(c.subscriptions ?? {}), JSON.stringify(c.groups ?? []), JSON.stringify(c.push ?? [])],
        );
        if (inserted) {
          const pk = inserted.pk as number;
          for (const [table, rows] of Object.entries(c.tables ?? {})) for (const row of rows) await this.insertTableRow(pk, table, row, now);
          result.created.push(pk);
          continue;
        }
        // Another transaction created it in the meantime: merge into theirs.
        existing = (await this.one(find, [projectId, c.id]))!;
      }
      const before = toContact(existing);
      const { patch, changed } = mergeContact(before, c);
      await this.patchContact(before.pk, patch);
      for (const [table, rows] of Object.entries(c.tables ?? {})) for (const row of rows) await this.insertTableRow(before.pk, table, row, now);
      result.updated.push({ pk: before.pk, changed });
    }
    return result;
  }

  /** `upsertContacts` for distinct ids without table rows: one lookup, one insert, one update for the whole batch. */
  private async upsertBatch(projectId: string, inputs: ContactInput[], now: number): Promise<UpsertResult> {
    const find = "SELECT * FROM contacts WHERE project_id = $1 AND id = ANY($2::text[])";
    const existing = new Map((await this.rows(find, [projectId, inputs.map((c) => c.id)])).map((r) => [r.id as string, r]));
    const fresh = inputs.filter((c) => !existing.has(c.id));
    const createdPk = new Map<string, number>();
    if (fresh.length) {
      const inserted = await this.rows(
        `INSERT INTO contacts (project_id, id, status, created_at, fields, subscriptions, "groups", push)
         SELECT $1, u.id, u.status, u.created_at, u.fields, u.subscriptions, u.grps, u.push
         FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY
           AS u(id, status, created_at, fields, subscriptions, grps, push, n)
         ORDER BY u.n
         ON CONFLICT (project_id, id) DO NOTHING RETURNING pk, id`,
        [projectId, fresh.map((c) => c.id), fresh.map((c) => c.status ?? "active"), fresh.map((c) => c.createdAt ?? now),
          fresh.map((c) => JSON.stringify(c.fields ?? {})), fresh.map((c) => JSON.stringify(c.subscriptions ?? {})),
          fresh.map((c) => JSON.stringify(c.groups ?? [])), fresh.map((c) => JSON.stringify(c.push ?? []))],
      );
      for (const r of inserted) createdPk.set(r.id, Number(r.pk));
      // Another transaction created some of them in the meantime: merge into theirs.
      const raced = fresh.filter((c) => !createdPk.has(c.id)).map((c) => c.id);
      if (raced.length) for (const r of await this.rows(find, [projectId, raced])) existing.set(r.id, r);
    }
    const result: UpsertResult = { created: [], updated: [] };
    const patches: { pk: number; patch: ContactPatch }[] = [];
    for (const c of inputs) {
      const pk = createdPk.get(c.id);
      if (pk !== undefined) {
        result.created.push(pk);
        continue;
      }
      const before = toContact(existing.get(c.id)!);
      const { patch, changed } = mergeContact(before, c);
      patches.push({ pk: before.pk, patch });
      result.updated.push({ pk: before.pk, changed });
    }
    if (patches.length) {
      const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
      // A NULL leaves the column as it is, as patchContact leaves out what a patch does not give.
      await this.q(
        `UPDATE contacts c SET fields = COALESCE(u.fields, c.fields), status = COALESCE(u.status, c.status),
           subscriptions = COALESCE(u.subscriptions, c.subscriptions), "groups" = COALESCE(u.grps, c."groups"), push = COALESCE(u.push, c.push)
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(pk, fields, status, subscriptions, grps, push)
         WHERE c.pk = u.pk`,
        [patches.map((p) => p.pk), patches.map((p) => json(p.patch.fields)), patches.map((p) => p.patch.status ?? null),
          patches.map((p) => json(p.patch.subscriptions)), patches.map((p) => json(p.patch.groups)), patches.map((p) => json(p.patch.push))],
      );
    }
    return result;
  }

  async getContacts(pks: number[], options: { tables?: boolean } = {}): Promise<Map<number, ContactRecord>> {
    const out = new Map<number, ContactRecord>();
    if (pks.length === 0) return out;
    const rows = await this.rows(
      `SELECT pk, id, status, created_at, fields, subscriptions, "groups", push FROM contacts WHERE pk = ANY($1::bigint[])`, [pks],
    );
    for (const r of rows) out.set(r.pk, toContact(r));
    if (options.tables) {
      for (const c of out.values()) c.tables = {};
      const trs = await this.rows("SELECT contact_pk, table_key, row_data FROM table_rows WHERE contact_pk = ANY($1::bigint[]) ORDER BY id", [pks]);
      for (const r of trs) {
        const c = out.get(r.contact_pk)!;
        (c.tables![r.table_key] ??= []).push(JSON.parse(r.row_data));
      }
    }
    return out;
  }

  async findContact(projectId: string, id: string): Promise<ContactRecord | undefined> {
    const r = await this.one("SELECT * FROM contacts WHERE project_id = $1 AND id = $2", [projectId, id]);
    return r ? toContact(r) : undefined;
  }

  async listContacts(projectId: string): Promise<ContactRecord[]> {
    return (await this.rows(`SELECT * FROM contacts WHERE project_id = $1 ORDER BY id COLLATE "C"`, [projectId])).map(toContact);
  }

  async patchContact(pk: number, patch: ContactPatch): Promise<void> {
    const sets: string[] = [];
    const args: unknown[] = [];
    const set = (col: string, value: unknown) => {
      args.push(value);
      sets.push(`${col} = $${args.length}`);
    };
    if (patch.fields) set("fields", JSON.stringify(patch.fields));
    if (patch.status) set("status", patch.status);
    if (patch.subscriptions) set("subscriptions", JSON.stringify(patch.subscriptions));
    if (patch.groups) set(`"groups"`, JSON.stringify(patch.groups));
    if (patch.push) set("push", JSON.stringify(patch.push));
    if (sets.length === 0) return;
    args.push(pk);
    await this.q(`UPDATE contacts SET ${sets.join(", ")} WHERE pk = $${args.length}`, args);
  }

  async insertTableRow(pk: number, table: string, row: Record<string, unknown>, now: number): Promise<void> {
    await this.q("INSERT INTO table_rows (contact_pk, table_key, row_data, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)", [pk, table, JSON.stringify(row), now]);
  }

  /** Updates the contact's rows of `table` that share every key of `match` (the first column by default), or inserts. */
  async updateTableRow(pk: number, table: string, row: Record<string, unknown>, now: number): Promise<void> {
    const rows = await this.rows("SELECT id, row_data FROM table_rows WHERE contact_pk = $1 AND table_key = $2 ORDER BY id", [pk, table]);
    const firstKey = Object.keys(row)[0];
    const hit = rows.find((r) => firstKey !== undefined && JSON.parse(r.row_data)[firstKey] === row[firstKey]);
    if (!hit) return this.insertTableRow(pk, table, row, now);
    await this.q("UPDATE table_rows SET row_data = $1, updated_at = $2 WHERE id = $3", [JSON.stringify({ ...JSON.parse(hit.row_data), ...row }), now, hit.id]);
  }

  async markBounced(projectId: string, address: string, at: number): Promise<void> {
    await this.q("INSERT INTO bounced_addresses (project_id, address, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [projectId, address, at]);
  }

  async bouncedAmong(projectId: string, addresses: string[]): Promise<Set<string>> {
    if (addresses.length === 0) return new Set();
    const rows = await this.rows("SELECT address FROM bounced_addresses WHERE project_id = $1 AND address = ANY($2::text[])", [projectId, addresses]);
    return new Set(rows.map((r) => r.address));
  }

  // ---- promo codes --------------------------------------------------------------------------

  async addPromoCodes(projectId: string, bank: string, codes: string[]): Promise<void> {
    if (codes.length === 0) return;
    await this.q(
      `INSERT INTO promo_codes (project_id, bank, code)
       SELECT $1, $2, u.code FROM unnest($3::text[]) WITH ORDINALITY AS u(code, n) ORDER BY u.n
       ON CONFLICT DO NOTHING`,
      [projectId, bank, codes],
    );
  }

  /** One statement: the oldest free code is locked (others skip it), granted, and written on the journey. */
  async takePromoCode(projectId: string, bank: string, contactPk: number, journey: number, at: number): Promise<string | null> {
    const row = await this.one(
      `WITH taken AS (
         UPDATE promo_codes SET contact_pk = $3, journey_id = $4, granted_at = $5
         WHERE id = (SELECT id FROM promo_codes WHERE project_id = $1 AND bank = $2 AND contact_pk IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING code
       ), noted AS (
         UPDATE journeys SET promo_code = taken.code FROM taken WHERE journeys.id = $4
       )
       SELECT code FROM taken`,
      [projectId, bank, contactPk, journey, at],
    );
    return row ? row.code : null;
  }

  async promoGrants(projectId: string): Promise<{ contactId: string; bank: string; code: string; at: number }[]> {
    const rows = await this.rows(
      `SELECT c.id AS contact_id, p.bank, p.code, p.granted_at FROM promo_codes p JOIN contacts c ON c.pk = p.contact_pk
       WHERE p.project_id = $1 AND p.contact_pk IS NOT NULL ORDER BY p.granted_at, c.id COLLATE "C", p.id`,
      [projectId],
    );
    return rows.map((r) => ({ contactId: r.contact_id, bank: r.bank, code: r.code, at: r.granted_at }));
  }

  // ---- interactions -------------------------------------------------------------------------

  async addInteraction(projectId: string, contactPk: number, type: "opened" | "clicked", at: number, messageId: number | null): Promise<void> {
    await this.q("INSERT INTO interactions (project_id, contact_pk, type, at, message_id) VALUES ($1, $2, $3, $4, $5)", [projectId, contactPk, type, at, messageId]);
  }

  async interactions(contactPks: number[], since: number, until: number): Promise<{ contactPk: number; type: string; at: number; messageId: number | null }[]> {
    const rows = await this.rows(
      "SELECT contact_pk, type, at, message_id FROM interactions WHERE contact_pk = ANY($1::bigint[]) AND at >= $2 AND at <= $3 ORDER BY at, id",
      [contactPks, since, until],
    );
    return rows.map((r) => ({ contactPk: r.contact_pk, type: r.type, at: r.at, messageId: r.message_id }));
  }

  async projectInteractionTimes(projectId: string, until: number): Promise<number[]> {
    return (await this.rows("SELECT at FROM interactions WHERE project_id = $1 AND at <= $2 ORDER BY at, id", [projectId, until])).map((r) => r.at);
  }

  // ---- campaigns ----------------------------------------------------------------------------

  async updateCampaignState(id: string, patch: CampaignState): Promise<CampaignState> {
    return this.transaction(async () => {
      // The row lock serializes concurrent workers: each merges into what the other committed.
      const row = await this.one("SELECT state FROM campaigns WHERE id = $1 FOR UPDATE", [id]);
      if (!row) throw new Error(`unknown campaign ${id}`);
      const state = mergeCampaignState(parse(row.state, {}), patch);
      await this.q("UPDATE campaigns SET state = $1 WHERE id = $2", [JSON.stringify(state), id]);
      return state;
    });
  }

  async saveCampaign(c: CampaignRecord): Promise<void> {
    await this.q(
      `INSERT INTO campaigns (id, project_id, doc, status, seed, activated_at, paused_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET project_id = excluded.project_id, doc = excluded.doc, status = excluded.status, seed = excluded.seed,
       activated_at = excluded.activated_at, paused_at = excluded.paused_at, state = excluded.state`,
      [c.id, c.projectId, JSON.stringify(c.doc), c.status, c.seed, c.activatedAt, c.pausedAt, JSON.stringify(c.state)],
    );
    // Activated, resumed or edited: the workers reread their schedules.
    await this.wakeWorkers();
  }

  async getCampaign(id: string): Promise<CampaignRecord | undefined> {
    const r = await this.one("SELECT * FROM campaigns WHERE id = $1", [id]);
    return r ? toCampaign(r) : undefined;
  }

  async listCampaigns(projectId?: string): Promise<CampaignRecord[]> {
    const rows = projectId === undefined
      ? await this.rows(`SELECT * FROM campaigns ORDER BY id COLLATE "C"`)
      : await this.rows(`SELECT * FROM campaigns WHERE project_id = $1 ORDER BY id COLLATE "C"`, [projectId]);
    return rows.map(toCampaign);
  }

  // ---- runs and entries ---------------------------------------------------------------------

  async createRun(campaignId: string, element: string, at: number, key: string = `${element}@${at}`): Promise<number | null> {
    const row = await this.one(
      "INSERT INTO runs (campaign_id, element, at, key) VALUES ($1, $2, $3, $4) ON CONFLICT (campaign_id, key) DO NOTHING RETURNING id",
      [campaignId, element, at, key],
    );
    return row ? row.id : null;
  }

  async firedRuns(campaignId: string, element: string): Promise<number[]> {
    return (await this.rows("SELECT at FROM runs WHERE campaign_id = $1 AND element = $2 ORDER BY at, id", [campaignId, element])).map((r) => r.at);
  }

  /** The re-entry condition on contact `c` for campaign parameter `$campaign`. */
  private reentryClause(reentry: string, campaign: string): string {
    if (reentry === "never") return `AND NOT EXISTS (SELECT 1 FROM journeys j WHERE j.contact_pk = c.pk AND j.campaign_id = ${campaign})`;
    if (reentry === "afterExit") return `AND NOT EXISTS (SELECT 1 FROM journeys j WHERE j.contact_pk = c.pk AND j.campaign_id = ${campaign} AND j.state <> ${ENDED})`;
    return "";
  }

  async startRun(
    projectId: string, campaignId: string, element: string, runId: number, at: number, reentry: string,
    audience: AudienceFilter | null, contactPks?: number[],
  ): Promise<number> {
    // $1 campaign, $2 run, $3 at, $4 element, $5 project, $6 the candidate keys (all when null).
    let pks: number[] | null = contactPks ?? null;
    if (audience) pks = await this.audienceOf(projectId, campaignId, reentry, audience, pks);
    const subset = pks ? "AND c.pk = ANY($6::bigint[])" : "AND $6::bigint[] IS NULL";
    const res = await this.q(
      `INSERT INTO journeys (campaign_id, contact_pk, contact_id, run_id, entered_at, element, due_at, state, hop)
       SELECT $1, c.pk, c.id, $2, $3, $4, $3, ${READY}, 0 FROM contacts c
       WHERE c.project_id = $5 AND c.status = 'active' ${subset} ${this.reentryClause(reentry, "$1")}
       ORDER BY c.id COLLATE "C"`,
      [campaignId, runId, at, element, projectId, pks],
    );
    const n = res.rowCount ?? 0;
    await this.q("UPDATE runs SET size = $1 WHERE id = $2", [n, runId]);
    await this.bumpStats(campaignId, [[element, "", n]]);
    if (n > 0) await this.wakeWorkers();
    return n;
  }

  /** The keys of the eligible contacts that match the audience rule (evaluated in JS). */
  private async audienceOf(projectId: string, campaignId: string, reentry: string, audience: AudienceFilter, subset: number[] | null): Promise<number[]> {
    const args: unknown[] = [projectId, subset];
    let again = "";
    if (reentry !== "always") {
      args.push(campaignId);
      again = this.reentryClause(reentry, "$3");
    }
    const candidates = await this.rows(
      `SELECT c.pk, c.fields FROM contacts c
       WHERE c.project_id = $1 AND c.status = 'active' ${subset ? "AND c.pk = ANY($2::bigint[])" : "AND $2::bigint[] IS NULL"}
       ${again} ORDER BY c.id COLLATE "C"`,
      args,
    );
    const tables = new Map<number, Record<string, Record<string, unknown>[]>>();
    if (ruleUsesTables(audience.rule) && candidates.length > 0) {
      const trs = await this.rows(
        "SELECT contact_pk, table_key, row_data FROM table_rows WHERE contact_pk = ANY($1::bigint[]) ORDER BY id",
        [candidates.map((c) => c.pk)],
      );
      for (const r of trs) {
        let t = tables.get(r.contact_pk);
        if (!t) tables.set(r.contact_pk, (t = {}));
        (t[r.table_key] ??= []).push(JSON.parse(r.row_data));
      }
    }
    return candidates
      .filter((c) => evaluateRule(audience.rule, { fields: parse(c.fields, {}), tables: tables.get(c.pk) ?? {} }, audience.env))
      .map((c) => c.pk as number);
  }

  async enter(req: EnterRequest): Promise<number | null> {
    const { campaignId, contactPk, reentry } = req;
    if (reentry !== "always") {
      const open = reentry === "never"
        ? await this.one("SELECT 1 FROM journeys WHERE contact_pk = $1 AND campaign_id = $2 LIMIT 1", [contactPk, campaignId])
        : await this.one(`SELECT 1 FROM journeys WHERE contact_pk = $1 AND campaign_id = $2 AND state <> ${ENDED} LIMIT 1`, [contactPk, campaignId]);
      if (open) return null;
    }
    const row = (await this.one(
      `INSERT INTO journeys (campaign_id, contact_pk, contact_id, run_id, entered_at, element, due_at, state, hop, trigger_data)
       VALUES ($1, $2, $3, $4, $5, $6, $5, ${READY}, 0, $7) RETURNING id`,
      [campaignId, contactPk, req.contactId, req.runId ?? null, req.at, req.element, req.data === undefined ? null : JSON.stringify(req.data)],
    ))!;
    await this.bumpStats(campaignId, [[req.element, "", 1]]);
    await this.wakeWorkers();
    return row.id;
  }

  // ---- tokens -------------------------------------------------------------------------------

  async nextDueAt(campaignId: string, elements: string[]): Promise<number | null> {
    if (elements.length === 0) return null;
    const row = await this.one("SELECT MIN(due_at) AS m FROM journeys WHERE campaign_id = $1 AND element = ANY($2::text[]) AND state < 2", [campaignId, elements]);
    return row?.m ?? null;
  }

  async hasDue(campaignId: string, element: string, now: number): Promise<boolean> {
    return !!(await this.one("SELECT 1 FROM journeys WHERE campaign_id = $1 AND element = $2 AND state < 2 AND due_at <= $3 LIMIT 1", [campaignId, element, now]));
  }

  /**
   * Claimed rows stay locked until the batch's transaction ends, and rows another worker holds
   * are skipped (FOR UPDATE SKIP LOCKED): several workers never move one contact at once.
   *
   * `whole` (set elements): a transaction-scoped advisory lock per (schema, campaign, element)
   * lets one worker at a time claim there, and nothing is claimed while a token is due upstream
   * (its committed place: tokens in flight in another worker's batch count as still upstream), or
   * while a token at the element is ready later than `now` (moved there by a worker whose clock is
   * ahead: it, or this worker's next tick, takes the run whole). Checked before the claim, so
   * nothing can arrive between the two: the run is seen whole, as by a single engine.
   */
  async claim(campaignId: string, element: string, now: number, limit: number, options?: ClaimOptions): Promise<Token[]> {
    if (options?.whole) {
      await this.q("SELECT pg_advisory_xact_lock(hashtext($1))", [`relais.set.${this.schema}.${campaignId}.${element}`]);
      const early = await this.one(
        `SELECT 1 FROM journeys WHERE campaign_id = $1 AND state < 2 AND (
           (element = ANY($2::text[]) AND due_at <= $3) OR (element = $4 AND state = ${READY} AND due_at > $3)) LIMIT 1`,
        [campaignId, options.whole.upstream, now, element],
      );
      if (early) return [];
    }
    const rows = await this.rows(
      `SELECT id, contact_pk, contact_id, element, run_id, entered_at, due_at, state, hop FROM journeys
       WHERE campaign_id = $1 AND element = $2 AND state < 2 AND due_at <= $3 ORDER BY due_at, contact_id COLLATE "C" LIMIT $4
       FOR UPDATE SKIP LOCKED`,
      [campaignId, element, now, limit],
    );
    return rows.map(toToken);
  }

  async applyMoves(campaignId: string, element: string, now: number, moves: Move[]): Promise<void> {
    // The journey log rides in the journey row: each token's steps of this batch are appended
    // in the same UPDATE that writes its final place. Tokens that went the same way share a group.
    const logs = new Map<number, [string, string | null, number][]>();
    const moveGroups = new Map<string, { to: string | null; dueAt: number | null; state: number; outcome: string | null; hop: number; log: string; ids: number[] }>();
    const stats = new Map<string, number>();
    const bump = (el: string, exit: string) => {
      const k = `${el}\u0000${exit}`;
      stats.set(k, (stats.get(k) ?? 0) + 1);
    };
    for (const m of moves) {
      const from = m.from ?? element;
      const j = m.token.journey;
      const log = [...(logs.get(j) ?? [])];
      if (m.exit !== undefined) {
        log.push([from, m.exit, now]);
        bump(from, m.exit);
        if (m.to !== undefined) bump(m.to, "");
      }
      if (m.endElement !== undefined) {
        log.push([m.endElement, null, now]);
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
      const logText = JSON.stringify(log);
      const key = `${to}\u0000${due}\u0000${m.state}\u0000${outcome}\u0000${hop}\u0000${logText}`;
      let g = moveGroups.get(key);
      if (!g) moveGroups.set(key, (g = { to, dueAt: due, state: m.state, outcome, hop, log: logText, ids: [] }));
      g.ids.push(j);
    }
    for (const g of moveGroups.values()) {
      await this.q(
        `UPDATE journeys SET element = $1, due_at = $2, state = $3, outcome = $4, ended_at = $5, hop = $6, path = path || $7::jsonb
         WHERE id = ANY($8::bigint[])`,
        [g.to, g.dueAt, g.state, g.outcome, g.state === ENDED ? now : null, g.hop, g.log, g.ids],
      );
    }
    await this.bumpStats(campaignId, [...stats].map(([k, n]) => {
      const [el, exit] = k.split("\u0000");
      return [el, exit, n];
    }));
    // Tokens ready for another element, or waiting until a time the other workers do not know yet.
    if ([...moveGroups.values()].some((g) => g.state !== ENDED && g.state !== HELD)) await this.wakeWorkers();
  }

  /** Adds to element counts in one statement (keys sorted, so concurrent batches lock in the same order). */
  private async bumpStats(campaignId: string, entries: [string, string, number][]): Promise<void> {
    const list = entries.filter((e) => e[2] !== 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    if (list.length === 0) return;
    await this.q(
      `INSERT INTO element_stats (campaign_id, element, exit, n)
       SELECT $1, u.element, u.exit, u.n FROM unnest($2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS u(element, exit, n, i) ORDER BY u.i
       ON CONFLICT (campaign_id, element, exit) DO UPDATE SET n = element_stats.n + excluded.n`,
      [campaignId, list.map((e) => e[0]), list.map((e) => e[1]), list.map((e) => e[2])],
    );
  }

  async releaseHeld(campaignId: string, element: string, now: number): Promise<number> {
    const res = await this.q(`UPDATE journeys SET state = ${READY}, due_at = $1 WHERE campaign_id = $2 AND element = $3 AND state = ${HELD}`, [now, campaignId, element]);
    if (res.rowCount) await this.wakeWorkers();
    return res.rowCount ?? 0;
  }

  async heldTokens(campaignId: string, element: string): Promise<Token[]> {
    const rows = await this.rows(
      `SELECT id, contact_pk, contact_id, element, run_id, entered_at, due_at, state, hop FROM journeys
       WHERE campaign_id = $1 AND element = $2 AND state = ${HELD} ORDER BY contact_id COLLATE "C", id`,
      [campaignId, element],
    );
    return rows.map(toToken);
  }

  async shiftWaiting(campaignId: string, after: number, delta: number): Promise<void> {
    await this.q("UPDATE journeys SET due_at = due_at + $1 WHERE campaign_id = $2 AND state < 2 AND due_at > $3", [delta, campaignId, after]);
    await this.wakeWorkers();
  }

  async moveTokens(campaignId: string, from: string, to: string, at: number, dueAt = at): Promise<number> {
    const res = await this.q(
      `UPDATE journeys SET element = $1, due_at = $2, state = ${READY}, hop = hop + 1, path = path || $3::jsonb WHERE campaign_id = $4 AND element = $5 AND state <> ${ENDED}`,
      [to, dueAt, JSON.stringify([[from, MIGRATED_EXIT, at]]), campaignId, from],
    );
    const n = res.rowCount ?? 0;
    await this.bumpStats(campaignId, [[from, MIGRATED_EXIT, n], [to, "", n]]);
    if (n > 0) await this.wakeWorkers();
    return n;
  }

  async endTokens(campaignId: string, from: string, outcome: string, at: number): Promise<number> {
    const res = await this.q(
      `UPDATE journeys SET element = NULL, due_at = NULL, state = ${ENDED}, outcome = $1, ended_at = $2, hop = hop + 1, path = path || $3::jsonb
       WHERE campaign_id = $4 AND element = $5 AND state <> ${ENDED}`,
      [outcome, at, JSON.stringify([[from, MIGRATED_EXIT, at]]), campaignId, from],
    );
    const n = res.rowCount ?? 0;
    await this.bumpStats(campaignId, [[from, MIGRATED_EXIT, n]]);
    return n;
  }

  async journeyContext(journeys: number[]): Promise<Map<number, { triggerData: unknown; promoCode: string | null; enteredAt: number }>> {
    const rows = await this.rows("SELECT id, trigger_data, promo_code, entered_at FROM journeys WHERE id = ANY($1::bigint[])", [journeys]);
    return new Map(rows.map((r) => [r.id, { triggerData: parse(r.trigger_data, undefined), promoCode: r.promo_code, enteredAt: r.entered_at }]));
  }

  // ---- messages (the outbox) ----------------------------------------------------------------

  /**
   * One statement per batch; a message whose (journey, element, hop) exists is left alone.
   * Returns each new row's id in input order, null where the key existed (or came earlier in the batch).
   */
  async insertMessages(projectId: string, campaignId: string, messages: MessageInput[]): Promise<(number | null)[]> {
    if (messages.length === 0) return [];
    const col = <T>(f: (m: MessageInput) => T) => messages.map(f);
    const res = await this.q(
      `INSERT INTO messages (project_id, campaign_id, journey_id, contact_pk, contact_id, element, hop, channel, comm_type, status, reason, created_at, send_after, payload)
       SELECT $1, $2, u.journey, u.contact_pk, u.contact_id, u.element, u.hop, u.channel, u.comm_type, u.status, u.reason, u.created_at, u.send_after, u.payload
       FROM unnest($3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::text[])
         WITH ORDINALITY AS u(journey, contact_pk, contact_id, element, hop, channel, comm_type, status, reason, created_at, send_after, payload, i)
       ORDER BY u.i
       ON CONFLICT (journey_id, element, hop) DO NOTHING
       RETURNING id, journey_id, element, hop`,
      [
        projectId, campaignId, col((m) => m.journey), col((m) => m.contactPk), col((m) => m.contactId), col((m) => m.element), col((m) => m.hop),
        col((m) => m.channel), col((m) => m.communicationType), col((m) => m.status), col((m) => m.reason ?? null), col((m) => m.createdAt),
        col((m) => m.sendAfter ?? (m.status === "queued" ? m.createdAt : null)), col((m) => JSON.stringify(m.payload)),
      ],
    );
    // Queued messages may be due later than the workers plan to wake (an optimized send time).
    if (res.rows.length && messages.some((m) => m.status === "queued")) await this.wakeWorkers();
    const key = (journey: number, element: string, hop: number) => `${journey}\u0000${element}\u0000${hop}`;
    const fresh = new Map(res.rows.map((r) => [key(r.journey_id, r.element, r.hop), r.id as number]));
    return messages.map((m) => {
      const k = key(m.journey, m.element, m.hop);
      const id = fresh.get(k);
      if (id === undefined) return null;
      fresh.delete(k);
      return id;
    });
  }

  async holdQueued(ids: number[]): Promise<number[]> {
    const rows = await this.rows("SELECT id FROM messages WHERE id = ANY($1::bigint[]) AND status = 'queued' FOR UPDATE SKIP LOCKED", [ids]);
    return rows.map((r) => Number(r.id));
  }

  async dueMessages(now: number, limit: number): Promise<MessageRecord[]> {
    // What a transport needs, nothing more. Inside the drain's transaction the rows stay locked
    // until they are marked sent, and other workers skip them.
    return (await this.rows(
      `SELECT id, campaign_id, journey_id, contact_pk, contact_id, element, hop, channel, comm_type, status, created_at, send_after, payload
       FROM messages WHERE status = 'queued' AND send_after <= $1 AND campaign_id NOT IN (SELECT id FROM campaigns WHERE status = 'paused')
       ORDER BY send_after, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    )).map(toMessage);
  }

  async nextMessageAt(): Promise<number | null> {
    // A paused campaign sends nothing: its messages wait for the resume.
    const row = await this.one("SELECT MIN(send_after) AS m FROM messages WHERE status = 'queued' AND campaign_id NOT IN (SELECT id FROM campaigns WHERE status = 'paused')");
    return row?.m ?? null;
  }

  async markSent(ids: number[], at: number, delivered: boolean): Promise<void> {
    if (ids.length === 0) return;
    await this.q(`UPDATE messages SET status = 'sent', sent_at = $1, delivered_at = ${delivered ? "$1" : "NULL"} WHERE id = ANY($2::bigint[]) AND status = 'queued'`, [at, ids]);
  }

  async markFailed(id: number, reason: string): Promise<void> {
    await this.q("UPDATE messages SET status = 'failed', reason = $1 WHERE id = $2", [reason, id]);
  }

  async retryMessage(id: number, reason: string, now: number, baseDelayMs: number): Promise<number> {
    const r = await this.one(
      "UPDATE messages SET attempts = attempts + 1, reason = $1, send_after = $2::bigint + $3::bigint * (1::bigint << LEAST(attempts, 16)) WHERE id = $4 AND status = 'queued' RETURNING attempts",
      [reason, now, baseDelayMs, id],
    );
    return r ? Number(r.attempts) : 0;
  }

  async journeyMessages(journeys: number[]): Promise<MessageRecord[]> {
    // Facts only, few columns: conditions read these for every contact of a batch.
    const rows = await this.rows(
      `SELECT id, journey_id, contact_pk, contact_id, element, hop, channel, comm_type, status, created_at, sent_at,
       delivered_at, opened_at, clicked_at, bounced_at, complained_at, unsubscribed_at, unsubscribed_type, campaign_id, bounce_hard
       FROM messages WHERE journey_id = ANY($1::bigint[]) ORDER BY id`,
      [journeys],
    );
    return rows.map((r) => ({
      id: r.id, journey: r.journey_id, contactPk: r.contact_pk, contactId: r.contact_id, element: r.element, hop: r.hop, channel: r.channel,
      communicationType: r.comm_type, status: r.status, createdAt: r.created_at, sentAt: r.sent_at, deliveredAt: r.delivered_at,
      openedAt: r.opened_at, clickedAt: r.clicked_at, bouncedAt: r.bounced_at, complainedAt: r.complained_at, unsubscribedAt: r.unsubscribed_at,
      unsubscribedType: r.unsubscribed_type, campaignId: r.campaign_id, payload: {}, bounceHard: !!r.bounce_hard,
    }));
  }

  async clicksOf(messageIds: number[]): Promise<{ messageId: number; url: string | null; at: number }[]> {
    return (await this.rows("SELECT message_id, url, at FROM clicks WHERE message_id = ANY($1::bigint[]) ORDER BY id", [messageIds]))
      .map((r) => ({ messageId: r.message_id, url: r.url, at: r.at }));
  }

  async messageByKey(journey: number, element: string, hop: number): Promise<MessageRecord | undefined> {
    const r = await this.one("SELECT * FROM messages WHERE journey_id = $1 AND element = $2 AND hop = $3", [journey, element, hop]);
    return r ? toMessage(r) : undefined;
  }

  async latestSentMessage(campaignId: string, element: string, contactPk: number): Promise<MessageRecord | undefined> {
    const r = await this.one(
      `SELECT id, campaign_id, journey_id, contact_pk, contact_id, element, hop, channel, comm_type, status, created_at, sent_at, payload
       FROM messages WHERE journey_id IN (SELECT id FROM journeys WHERE contact_pk = $1 AND campaign_id = $2) AND element = $3 AND status = 'sent'
       ORDER BY sent_at DESC, id DESC LIMIT 1`,
      [contactPk, campaignId, element],
    );
    return r ? toMessage(r) : undefined;
  }

  async recordMessageEvent(messageId: number, type: MessageEventType, at: number, extra: { url?: string; hard?: boolean; communicationType?: string }): Promise<void> {
    const col: Record<MessageEventType, string> = {
      delivered: "delivered_at", bounced: "bounced_at", opened: "opened_at", clicked: "clicked_at",
      unsubscribed: "unsubscribed_at", complained: "complained_at",
    };
    await this.q(`UPDATE messages SET ${col[type]} = COALESCE(${col[type]}, $1) WHERE id = $2`, [at, messageId]);
    if (type === "bounced" && extra.hard) await this.q("UPDATE messages SET bounce_hard = TRUE WHERE id = $1", [messageId]);
    if (type === "unsubscribed") {
      await this.q("UPDATE messages SET unsubscribed_type = COALESCE(unsubscribed_type, $1) WHERE id = $2", [extra.communicationType ?? null, messageId]);
    }
    if (type === "clicked") await this.q("INSERT INTO clicks (message_id, at, url) VALUES ($1, $2, $3)", [messageId, at, extra.url ?? null]);
  }

  /** Sets the status of every message of `elements` in `fromStatus`; returns how many. */
  async settlePending(campaignId: string, elements: string[], fromStatus: string, toStatus: string, at: number): Promise<number> {
    const res = await this.q(
      "UPDATE messages SET status = $1, send_after = $2 WHERE campaign_id = $3 AND status = $4 AND element = ANY($5::text[])",
      [toStatus, at, campaignId, fromStatus, elements],
    );
    if (res.rowCount && toStatus === "queued") await this.wakeWorkers();
    return res.rowCount ?? 0;
  }

  async campaignMessages(campaignId: string): Promise<MessageRecord[]> {
    return (await this.rows("SELECT * FROM messages WHERE campaign_id = $1 ORDER BY id", [campaignId])).map(toMessage);
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
    await this.q(
      "INSERT INTO postal_history (project_id, destination, contact_pk, file_id, at, kind, address) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      [projectId, destination, contactPk, fileId, at, kind, address === undefined ? null : JSON.stringify(address)],
    );
  }

  async postalHistory(projectId: string, destination: string, contactPks: number[], before: number): Promise<Map<number, { kind: string; at: number; address: unknown }[]>> {
    const rows = await this.rows(
      "SELECT contact_pk, kind, at, address FROM postal_history WHERE project_id = $1 AND destination = $2 AND at < $3 AND contact_pk = ANY($4::bigint[]) ORDER BY at, id",
      [projectId, destination, before, contactPks],
    );
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
    const rows = await this.rows(`SELECT exit, n FROM counters WHERE campaign_id = $1 AND element = $2 AND period = $3 ORDER BY exit COLLATE "C"`, [campaignId, element, period]);
    return new Map(rows.map((r) => [r.exit, r.n]));
  }

  async addCounter(campaignId: string, element: string, period: string, exit: string, n: number): Promise<void> {
    await this.q(
      "INSERT INTO counters (campaign_id, element, period, exit, n) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (campaign_id, element, period, exit) DO UPDATE SET n = counters.n + excluded.n",
      [campaignId, element, period, exit, n],
    );
  }

  async setVariant(journey: number, element: string, variant: string | null, released: boolean): Promise<void> {
    await this.q(
      "INSERT INTO variants (journey_id, element, variant, released) VALUES ($1, $2, $3, $4) ON CONFLICT (journey_id, element) DO UPDATE SET variant = excluded.variant, released = excluded.released",
      [journey, element, variant, released],
    );
  }

  async variantJourneys(element: string, campaignId: string): Promise<{ journey: number; variant: string }[]> {
    return (await this.rows(
      `SELECT v.journey_id, v.variant FROM variants v JOIN journeys j ON j.id = v.journey_id
       WHERE j.campaign_id = $1 AND v.element = $2 AND NOT v.released AND v.variant IS NOT NULL ORDER BY v.journey_id`,
      [campaignId, element],
    )).map((r) => ({ journey: r.journey_id, variant: r.variant }));
  }

  async journeyOutcomes(journeys: number[]): Promise<Map<number, string | null>> {
    const rows = await this.rows("SELECT id, outcome FROM journeys WHERE id = ANY($1::bigint[])", [journeys]);
    return new Map(rows.map((r) => [r.id, r.outcome]));
  }

  async addTimer(campaignId: string, element: string, contactPk: number | null, dueAt: number, kind: string): Promise<void> {
    await this.q("INSERT INTO timers (campaign_id, element, contact_pk, due_at, kind) VALUES ($1, $2, $3, $4, $5)", [campaignId, element, contactPk, dueAt, kind]);
    await this.wakeWorkers();
  }

  async deleteTimers(filter: { campaignId?: string; element?: string; contactPk?: number; kind: string }): Promise<void> {
    const where = ["kind = $1"];
    const args: unknown[] = [filter.kind];
    const add = (col: string, value: unknown) => {
      if (value === undefined) return;
      args.push(value);
      where.push(`${col} = $${args.length}`);
    };
    add("campaign_id", filter.campaignId);
    add("element", filter.element);
    add("contact_pk", filter.contactPk);
    await this.q(`DELETE FROM timers WHERE ${where.join(" AND ")}`, args);
  }

  /** Takes (deletes and returns) the due timers in one statement. */
  async takeDueTimers(campaignId: string, now: number): Promise<{ element: string; contactPk: number | null; dueAt: number; kind: string }[]> {
    const rows = await this.rows(
      `WITH taken AS (
         DELETE FROM timers WHERE id IN (SELECT id FROM timers WHERE campaign_id = $1 AND due_at <= $2 FOR UPDATE SKIP LOCKED)
         RETURNING id, element, contact_pk, due_at, kind
       ) SELECT * FROM taken ORDER BY due_at, id`,
      [campaignId, now],
    );
    return rows.map((r) => ({ element: r.element, contactPk: r.contact_pk, dueAt: r.due_at, kind: r.kind }));
  }

  async nextTimerAt(campaignId: string): Promise<number | null> {
    return (await this.one("SELECT MIN(due_at) AS m FROM timers WHERE campaign_id = $1", [campaignId]))?.m ?? null;
  }

  async notice(campaignId: string, element: string, at: number, code: string, detail: unknown): Promise<void> {
    await this.q("INSERT INTO notices (campaign_id, element, at, code, detail) VALUES ($1, $2, $3, $4, $5)", [campaignId, element, at, code, JSON.stringify(detail)]);
  }

  // ---- reports ------------------------------------------------------------------------------

  async journeys(campaignId: string): Promise<JourneyRecord[]> {
    return (await this.rows(
      `SELECT id, contact_id, contact_pk, entered_at, ended_at, outcome, element, state FROM journeys WHERE campaign_id = $1
       ORDER BY entered_at, contact_id COLLATE "C", id`,
      [campaignId],
    )).map((r) => ({ id: r.id, contactId: r.contact_id, contactPk: r.contact_pk, enteredAt: r.entered_at, endedAt: r.ended_at, outcome: r.outcome, element: r.element, state: r.state }));
  }

  async steps(campaignId: string): Promise<StepRecord[]> {
    return (await this.rows(
      `SELECT j.id AS journey_id, s.value ->> 0 AS element, (s.value ->> 2)::float8 AS at, s.value ->> 1 AS exit
       FROM journeys j CROSS JOIN LATERAL jsonb_array_elements(j.path) WITH ORDINALITY AS s(value, n)
       WHERE j.campaign_id = $1 ORDER BY j.id, s.n`,
      [campaignId],
    )).map((r) => ({ journey: r.journey_id, element: r.element, at: r.at, exit: r.exit }));
  }

  async elementStats(campaignId: string): Promise<{ element: string; exit: string; n: number }[]> {
    return (await this.rows(`SELECT element, exit, n FROM element_stats WHERE campaign_id = $1 ORDER BY element COLLATE "C", exit COLLATE "C"`, [campaignId]))
      .map((r) => ({ element: r.element, exit: r.exit, n: r.n }));
  }

  async waitingCounts(campaignId: string): Promise<Map<string, number>> {
    const rows = await this.rows(
      `SELECT element, COUNT(*) AS n FROM journeys WHERE campaign_id = $1 AND state <> ${ENDED} GROUP BY element ORDER BY element COLLATE "C"`, [campaignId],
    );
    return new Map(rows.map((r) => [r.element, r.n]));
  }

  async outcomeCounts(campaignId: string): Promise<Map<string, number>> {
    const rows = await this.rows(
      `SELECT COALESCE(outcome, 'inProgress') AS o, COUNT(*) AS n FROM journeys WHERE campaign_id = $1 GROUP BY 1 ORDER BY 1`, [campaignId],
    );
    return new Map(rows.map((r) => [r.o, r.n]));
  }
}

function toToken(r: Row): Token {
  return {
    journey: r.id, contactPk: r.contact_pk, contactId: r.contact_id, element: r.element,
    runId: r.run_id, enteredAt: r.entered_at, dueAt: r.due_at, state: r.state, hop: r.hop,
  };
}
