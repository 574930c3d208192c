import { randomBytes } from "node:crypto";
import type { ProjectConfig } from "../model/index.js";
import type { DirectoryDb } from "../store/directory/directory-db.js";
import type { ContactInput, Store } from "../store/store.js";
import type { ImportEncoding } from "./import-decode.js";
import { readRow, type ImportedRow, type ImportMapping } from "./import-mapping.js";
import { ImportRefused } from "./import-refused.js";
import { readStaged, stageCsv, type StagedFile } from "./import-stage.js";
import type { SubscriptionChange } from "./subscription-log.js";
import { uniqueKeyField } from "./projects.js";

/** Rows written per transaction: big enough to amortize a commit, small enough not to hold the store for long. */
export const CHUNK_ROWS = 2000;
/** Rejections kept in an import's record (all are counted). */
export const MAX_KEPT_REJECTIONS = 1000;

export type ImportStatus = "queued" | "running" | "done" | "failed";

/** A rejected row: its data row number (1-based, header excluded), the line where it starts in the file, the column and why. */
export interface ImportRejection {
  row: number;
  line: number;
  column: string;
  reason: string;
}

/** What an import was asked to do, as recorded. */
export interface ImportSettings {
  mapping: ImportMapping;
  launchCampaigns: boolean;
  encoding: ImportEncoding;
  delimiter: string;
}

/** An import as the API shows it: its settings, its progress and its outcome. */
export interface ImportRecord {
  id: string;
  projectId: string;
  status: ImportStatus;
  fileName: string;
  options: ImportSettings;
  /** Data rows in the file (known once the file is accepted). */
  totalRows: number;
  processedRows: number;
  created: number;
  updated: number;
  /** Rows rejected (each with one or more entries in `rejections`). */
  rejected: number;
  /** The first rejections (up to 1,000). */
  rejections: ImportRejection[];
  error: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export interface ImportRequest {
  mapping?: ImportMapping;
  launchCampaigns?: boolean;
  encoding?: ImportEncoding;
  fileName?: string;
  /** Largest file accepted, in bytes. */
  maxBytes?: number;
  /** Folder for the staged file (default: the system's temporary folder). */
  tmpDir?: string;
}

/** What an import needs from the engine: start the `trigger.import` runs once its contacts are written. */
export interface ImportRunner {
  importRuns(projectId: string, created: number[], updated: number[], launchCampaigns: boolean, at?: number): Promise<number>;
}

export interface ImportDeps {
  store: Store;
  db: DirectoryDb;
  engine: ImportRunner;
  clock: { now(): number };
}

export interface RunOptions {
  /** Stops the import between two chunks (the server shutting down): it ends `failed`, the rows so far kept. */
  signal?: AbortSignal;
  /** Called after each chunk is written. */
  onProgress?: (record: ImportRecord) => void;
}

/** An accepted file: recorded as queued, staged on disk, waiting for `run`. */
export interface AcceptedImport {
  record: ImportRecord;
  /** Writes the contacts chunk by chunk, then starts the import triggers' runs once. Never throws: a failure ends in the record. */
  run(options?: RunOptions): Promise<{ record: ImportRecord; entered: number }>;
  /** Drops the staged file without importing it. */
  discard(): Promise<void>;
}

/**
 * CSV imports of contacts, shared by the API and `relais import`: the file is first checked and
 * staged (a bad file is refused with nothing written), then imported in chunks of 2,000 rows,
 * each chunk one transaction with its consent history and the import's progress. Bad rows are
 * rejected and reported; the others are kept. Once every row is written, the project's import
 * triggers start ONE run each over the contacts created and updated.
 */
export class CsvImports {
  constructor(private readonly deps: ImportDeps, private readonly chunkRows = CHUNK_ROWS) {}

  /** Checks and stages a file, then records the import (queued). Throws `ImportRefused` for a bad file, leaving nothing behind. */
  async accept(projectId: string, source: AsyncIterable<Uint8Array>, req: ImportRequest = {}): Promise<AcceptedImport> {
    const { store, db, clock } = this.deps;
    const config = await store.getProject(projectId);
    if (!config) throw new ImportRefused("invalid_mapping", `unknown project ${projectId}`);
    const encoding = req.encoding ?? "utf-8";
    const staged = await stageCsv(source, { encoding, mapping: req.mapping ?? {}, config, maxBytes: req.maxBytes, dir: req.tmpDir });
    const settings: ImportSettings = { mapping: staged.mapping.effective, launchCampaigns: req.launchCampaigns ?? false, encoding, delimiter: staged.delimiter };
    const row = {
      id: `imp-${randomBytes(8).toString("hex")}`, project_id: projectId, status: "queued", file_name: (req.fileName ?? "upload.csv").slice(0, 255),
      options: JSON.stringify({ ...settings, totalRows: staged.rows }), processed_rows: 0, created_count: 0, updated_count: 0, rejected_count: 0,
      rejections: "[]", error: null, created_at: clock.now(), finished_at: null, heartbeat_at: clock.now(),
    };
    try {
      await store.transaction(() => db.run(db.q.insertInto("imports").values(row)));
    } catch (e) {
      await staged.discard();
      throw e;
    }
    const record = toRecord(row);
    return {
      record,
      run: (options = {}) => new ImportJob(this.deps, config, record, staged, this.chunkRows).run(options),
      discard: () => staged.discard(),
    };
  }

  async get(projectId: string, id: string): Promise<ImportRecord | undefined> {
    const { db } = this.deps;
    const row = await db.first(db.q.selectFrom("imports").selectAll().where("project_id", "=", projectId).where("id", "=", id));
    return row ? toRecord(row) : undefined;
  }

  /**
   * Marks failed the imports whose process died (a crash, a SIGKILL, a machine lost): queued or
   * running, with no progress for `staleMs`. A live import writes its progress every chunk (a few
   * milliseconds apart), so only abandoned ones are touched, even with several servers on one
   * database. The rows written before are kept; importing the file again updates them.
   */
  async failAbandoned(staleMs: number): Promise<string[]> {
    const { store, db, clock } = this.deps;
    const now = clock.now();
    return store.transaction(async () => {
      const stale = await db.all(db.q.selectFrom("imports").select(["id", "processed_rows"])
        .where("status", "in", ["queued", "running"])
        .where((eb) => eb(eb.fn.coalesce("heartbeat_at", "created_at"), "<", now - staleMs)));
      for (const r of stale) {
        const error = `interrupted: Relais stopped during this import (after ${Number(r.processed_rows).toLocaleString("en")} rows, which were kept); import the file again: rows already imported are updated, not duplicated`;
        await db.run(db.q.updateTable("imports").set({ status: "failed", error, finished_at: now }).where("id", "=", r.id).where("status", "in", ["queued", "running"]));
      }
      return stale.map((r) => r.id);
    });
  }

  /** The project's imports, newest first. */
  async list(projectId: string, limit = 50): Promise<ImportRecord[]> {
    const { db } = this.deps;
    const rows = await db.all(db.q.selectFrom("imports").selectAll().where("project_id", "=", projectId).orderBy("created_at", "desc").orderBy("id", "desc").limit(limit));
    return rows.map(toRecord);
  }
}

type ImportRow = {
  id: string; project_id: string; status: string; file_name: string; options: string; processed_rows: number; created_count: number;
  updated_count: number; rejected_count: number; rejections: string; error: string | null; created_at: number; finished_at: number | null;
};

function toRecord(r: ImportRow): ImportRecord {
  const { totalRows, ...options } = JSON.parse(r.options) as ImportSettings & { totalRows: number };
  return {
    id: r.id, projectId: r.project_id, status: r.status as ImportStatus, fileName: r.file_name, options, totalRows: Number(totalRows),
    processedRows: Number(r.processed_rows), created: Number(r.created_count), updated: Number(r.updated_count), rejected: Number(r.rejected_count),
    rejections: JSON.parse(r.rejections), error: r.error, createdAt: Number(r.created_at), finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  };
}

/** What a contact looked like before a chunk touched it: enough to log consent changes and add groups. */
interface Before {
  pk: number;
  subscriptions: Record<string, boolean>;
  groups: string[];
}

/** One run of an accepted import. */
class ImportJob {
  private readonly created = new Set<number>();
  private readonly updated = new Set<number>();
  private readonly rejections: ImportRejection[] = [];
  private rejected = 0;
  private processed = 0;
  private readonly withSubscriptions: boolean;
  private readonly withGroups: boolean;

  constructor(
    private readonly deps: ImportDeps,
    private readonly config: ProjectConfig,
    private readonly record: ImportRecord,
    private readonly staged: StagedFile,
    private readonly chunkRows: number,
  ) {
    this.withSubscriptions = staged.mapping.columns.some((c) => c.kind === "subscription");
    this.withGroups = staged.mapping.columns.some((c) => c.kind === "groups");
  }

  async run(options: RunOptions): Promise<{ record: ImportRecord; entered: number }> {
    const { store, db, clock, engine } = this.deps;
    const { id, projectId } = this.record;
    try {
      await store.transaction(() => db.run(db.q.updateTable("imports").set({ status: "running", heartbeat_at: clock.now() }).where("id", "=", id)));
      const groups = new Set(this.config.groups.map((g) => g.key));
      const uniqueKey = uniqueKeyField(this.config).key;
      let chunk: ImportedRow[] = [];
      let inChunk = 0;
      let rowNumber = 0;
      const lineAt = this.staged.mapping.columns.length;
      for await (const batch of readStaged(this.staged.path)) {
        for (const cells of batch) {
          rowNumber++;
          inChunk++;
          const r = readRow(this.staged.mapping, cells, groups, uniqueKey);
          if (r?.ok) chunk.push(r.row);
          else if (r) {
            this.rejected++;
            for (const p of r.problems) {
              if (this.rejections.length < MAX_KEPT_REJECTIONS) this.rejections.push({ row: rowNumber, line: Number(cells[lineAt]), column: p.column, reason: p.reason });
            }
          }
          if (inChunk >= this.chunkRows) {
            if (options.signal?.aborted) throw new Error("stopped before the end (the process shut down); the rows before were imported");
            await this.write(chunk, inChunk, options);
            chunk = [];
            inChunk = 0;
          }
        }
      }
      await this.write(chunk, inChunk, options);
      const at = clock.now();
      const entered = await store.transaction(async () => {
        const n = await engine.importRuns(projectId, [...this.created], [...this.updated], this.record.options.launchCampaigns, at);
        await this.save({ status: "done", finished_at: at });
        return n;
      });
      return { record: this.snapshot("done", null, at), entered };
    } catch (e) {
      const at = clock.now();
      const error = `${(e as Error).message ?? String(e)} (after ${this.processed.toLocaleString("en")} rows)`;
      await store.transaction(() => this.save({ status: "failed", error, finished_at: at })).catch(() => undefined);
      return { record: this.snapshot("failed", error, at), entered: 0 };
    } finally {
      await this.staged.discard();
    }
  }

  /** Writes one chunk and the import's progress in one transaction. */
  private async write(rows: ImportedRow[], rowCount: number, options: RunOptions): Promise<void> {
    if (rowCount === 0) return;
    const { store, clock } = this.deps;
    // Within a chunk, a later row with the same key wins field by field, as it does across chunks.
    const byId = new Map<string, ImportedRow>();
    for (const r of rows) {
      const prev = byId.get(r.id);
      byId.set(r.id, prev ? mergeRows(prev, r) : r);
    }
    const now = clock.now();
    await store.transaction(async () => {
      const before = this.withSubscriptions || this.withGroups ? await this.existing([...byId.keys()]) : new Map<string, Before>();
      const inputs: ContactInput[] = [];
      for (const r of byId.values()) {
        const input: ContactInput = { id: r.id, createdAt: now, fields: r.fields };
        if (r.subscriptions) input.subscriptions = r.subscriptions;
        // Imported groups are added to the contact's: an import never takes a contact out of a group.
        if (r.groups) input.groups = union(before.get(r.id)?.groups ?? [], r.groups);
        inputs.push(input);
      }
      const result = await store.upsertContacts(this.record.projectId, inputs, now);
      for (const pk of result.created) this.created.add(pk);
      for (const u of result.updated) if (!this.created.has(u.pk)) this.updated.add(u.pk);
      if (this.withSubscriptions) await this.logConsent(inputs, before, result.created, now);
      this.processed += rowCount;
      await this.save({});
    });
    options.onProgress?.(this.snapshot("running", null, null));
  }

  /** Logs the consent an import gives: every value for a new contact, the new and changed ones for an existing one. */
  private async logConsent(inputs: ContactInput[], before: Map<string, Before>, createdPks: number[], at: number): Promise<void> {
    const fresh = inputs.filter((i) => !before.has(i.id));
    // upsertContacts reports created contacts in input order; if another writer created one of them meanwhile, ask again.
    const pkOf = new Map<string, number>([...before].map(([id, b]) => [id, b.pk]));
    if (fresh.length === createdPks.length) fresh.forEach((i, n) => pkOf.set(i.id, createdPks[n]));
    else for (const [id, b] of await this.existing(fresh.map((i) => i.id))) pkOf.set(id, b.pk);
    const source = `import:${this.record.id}`;
    const changes: SubscriptionChange[] = [];
    for (const i of inputs) {
      if (!i.subscriptions) continue;
      const prev = before.get(i.id)?.subscriptions;
      for (const [communicationType, subscribed] of Object.entries(i.subscriptions)) {
        // A value the contact never had is recorded too: it is the first state the history can prove.
        if (prev?.[communicationType] === subscribed) continue;
        changes.push({ projectId: this.record.projectId, contactPk: pkOf.get(i.id)!, communicationType, subscribed, at, source });
      }
    }
    await this.insertConsent(changes);
  }

  /**
   * Appends consent changes to the history, like `logSubscriptions`, in one statement of a fixed
   * shape per chunk (the rows travel as one JSON or array parameter): building 2,000-row inserts
   * with Kysely cost 2 µs a row, a tenth of a large import.
   */
  private async insertConsent(changes: SubscriptionChange[]): Promise<void> {
    if (!changes.length) return;
    const { store } = this.deps;
    const { projectId, at, source } = changes[0];
    if (store.dialect === "postgres") {
      await store.execute(
        `INSERT INTO subscription_log (project_id, contact_pk, comm_type, subscribed, at, source)
         SELECT $1, u.pk, u.t, u.s, $2, $3 FROM unnest($4::bigint[], $5::text[], $6::bigint[]) WITH ORDINALITY AS u(pk, t, s, n) ORDER BY u.n`,
        [projectId, at, source, changes.map((c) => c.contactPk), changes.map((c) => c.communicationType), changes.map((c) => (c.subscribed ? 1 : 0))],
      );
    } else {
      await store.execute(
        `INSERT INTO subscription_log (project_id, contact_pk, comm_type, subscribed, at, source)
         SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), ?, ? FROM json_each(?) ORDER BY key`,
        [projectId, at, source, JSON.stringify(changes.map((c) => [c.contactPk, c.communicationType, c.subscribed ? 1 : 0]))],
      );
    }
  }

  /** The chunk's contacts that exist already, by id (one statement per dialect, so its plan is prepared once). */
  private async existing(ids: string[]): Promise<Map<string, Before>> {
    const { store } = this.deps;
    const sql = store.dialect === "postgres"
      ? 'SELECT pk, id, subscriptions, "groups" FROM contacts WHERE project_id = $1 AND id = ANY($2::text[])'
      : 'SELECT pk, id, subscriptions, "groups" FROM contacts WHERE project_id = ? AND id IN (SELECT value FROM json_each(?))';
    const rows = await store.execute(sql, [this.record.projectId, store.dialect === "postgres" ? ids : JSON.stringify(ids)]);
    return new Map(rows.map((r) => [String(r.id), { pk: Number(r.pk), subscriptions: JSON.parse(String(r.subscriptions)), groups: JSON.parse(String(r.groups)) }]));
  }

  private save(extra: { status?: ImportStatus; error?: string; finished_at?: number }): Promise<void> {
    const { db, clock } = this.deps;
    return db.run(db.q.updateTable("imports").set({
      heartbeat_at: clock.now(), processed_rows: this.processed, created_count: this.created.size, updated_count: this.updated.size, rejected_count: this.rejected,
      rejections: JSON.stringify(this.rejections), ...extra,
    }).where("id", "=", this.record.id));
  }

  private snapshot(status: ImportStatus, error: string | null, finishedAt: number | null): ImportRecord {
    return {
      ...this.record, status, error, finishedAt, processedRows: this.processed, created: this.created.size, updated: this.updated.size,
      rejected: this.rejected, rejections: [...this.rejections],
    };
  }
}

function mergeRows(a: ImportedRow, b: ImportedRow): ImportedRow {
  return {
    id: a.id,
    fields: { ...a.fields, ...b.fields },
    ...(a.subscriptions || b.subscriptions ? { subscriptions: { ...a.subscriptions, ...b.subscriptions } } : {}),
    ...(a.groups || b.groups ? { groups: union(a.groups ?? [], b.groups ?? []) } : {}),
  };
}

function union(a: string[], b: string[]): string[] {
  const out = [...a];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}
