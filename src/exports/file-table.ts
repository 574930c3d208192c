import type { AppendFileOptions, ClaimedFile, FileInfo, FileRecord, FileStatus } from "../store/store.js";

/** What the file methods need of a store: its dialect, raw statements, and its transactions. */
export interface SqlRunner {
  readonly dialect: "sqlite" | "postgres";
  execute(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

/** Rows per INSERT statement (3 or 6 parameters each: far below both databases' limits). */
const CHUNK = 1000;
/** Rows per page when a file is read back. */
const PAGE = 2000;

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toInfo(r: Row): FileInfo {
  return {
    id: num(r.id), projectId: (r.project_id as string | null) ?? null, campaignId: r.campaign_id as string, element: r.element as string,
    destination: r.destination as string, path: r.path as string, kind: r.kind as string, batchKey: r.batch_key as string,
    columns: r.columns ? (JSON.parse(r.columns as string) as string[]) : null,
    createdAt: num(r.created_at), status: r.status as FileStatus, attempts: num(r.attempts), lastError: (r.last_error as string | null) ?? null,
    readyAt: num(r.ready_at ?? r.created_at), nextAttemptAt: numOrNull(r.next_attempt_at), leaseUntil: numOrNull(r.lease_until),
    rowCount: num(r.row_count), uploadedRows: num(r.uploaded_rows), bytes: numOrNull(r.bytes), uploadedAt: numOrNull(r.uploaded_at),
    updatedAt: numOrNull(r.updated_at),
  };
}

const INFO_COLUMNS = "id, project_id, campaign_id, element, destination, path, kind, batch_key, columns, created_at, status, attempts, last_error, ready_at, next_attempt_at, lease_until, row_count, uploaded_rows, bytes, uploaded_at, updated_at";

/**
 * The `files`, `file_rows` and `file_postal` tables, written once for both stores (they differ
 * only in placeholders and in PostgreSQL's row locks). Every method runs in the caller's
 * transaction when there is one, else in its own: on SQLite's single connection that is also
 * what keeps an uploader's reads out of an engine batch still open.
 */
export class FileTable {
  constructor(private readonly db: SqlRunner, private readonly delivery: () => "upload" | "onWrite") {}

  private get pg(): boolean {
    return this.db.dialect === "postgres";
  }

  /** `?` placeholders, numbered for PostgreSQL. */
  private run(sql: string, params: unknown[] = []): Promise<Row[]> {
    let n = 0;
    const text = this.pg ? sql.replace(/\?/g, () => `$${++n}`) : sql;
    return this.db.execute(text, params.map((p) => (p === undefined ? null : p)));
  }

  append(campaignId: string, element: string, destination: string, path: string, kind: string, batchKey: string, at: number, rows: Record<string, unknown>[], options: AppendFileOptions = {}): Promise<number> {
    return this.db.transaction(async () => {
      const readyAt = options.readyAt ?? at;
      let file: Row | undefined;
      while (!file) {
        file = (await this.run(`SELECT id, status, row_count, ready_at, project_id FROM files WHERE campaign_id = ? AND element = ? AND batch_key = ?${this.pg ? " FOR UPDATE" : ""}`, [campaignId, element, batchKey]))[0];
        if (file) break;
        // When another transaction creates the file meanwhile (PostgreSQL), append to that one.
        file = (await this.run(
          `INSERT INTO files (project_id, campaign_id, element, destination, path, kind, batch_key, columns, created_at, status, ready_at, row_count, updated_at)
           VALUES ((SELECT project_id FROM campaigns WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, 0, ?)
           ON CONFLICT (campaign_id, element, batch_key) DO NOTHING RETURNING id, status, row_count, ready_at, project_id`,
          [campaignId, campaignId, element, destination, path, kind, batchKey, options.columns ? JSON.stringify(options.columns) : null, at, readyAt, at],
        ))[0];
      }
      const id = num(file.id);
      const base = num(file.row_count);
      for (let i = 0; i < rows.length; i += CHUNK) {
        const part = rows.slice(i, i + CHUNK);
        await this.run(`INSERT INTO file_rows (file_id, seq, data) VALUES ${part.map(() => "(?, ?, ?)").join(", ")}`,
          part.flatMap((r, j) => [id, base + i + j + 1, JSON.stringify(r)]));
      }
      const total = base + rows.length;
      const onWrite = this.delivery() === "onWrite";
      const holds = (options.postal ?? []).map((h, j) => ({ ...h, seq: base + j + 1 }));
      if (onWrite) {
        for (let i = 0; i < holds.length; i += CHUNK) {
          const part = holds.slice(i, i + CHUNK);
          await this.run(`INSERT INTO postal_history (project_id, destination, contact_pk, file_id, at, kind, address) VALUES ${part.map(() => "(?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
            part.flatMap((h) => [file!.project_id, destination, h.contactPk, id, at, h.kind, h.address === undefined ? null : JSON.stringify(h.address)]));
        }
        await this.run("UPDATE files SET row_count = ?, uploaded_rows = ?, status = 'uploaded', uploaded_at = ?, ready_at = ?, updated_at = ? WHERE id = ?",
          [total, total, at, Math.max(num(file.ready_at), readyAt), at, id]);
        return id;
      }
      for (let i = 0; i < holds.length; i += CHUNK) {
        const part = holds.slice(i, i + CHUNK);
        await this.run(`INSERT INTO file_postal (file_id, seq, contact_pk, at, kind, address) VALUES ${part.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}`,
          part.flatMap((h) => [id, h.seq, h.contactPk, at, h.kind, h.address === undefined ? null : JSON.stringify(h.address)]));
      }
      // Rows reaching a file already delivered: it is delivered again, whole (the receiver gets a newer complete version).
      // A failed file stays failed: a person must act on its error first (retry).
      await this.run(
        "UPDATE files SET row_count = ?, ready_at = ?, updated_at = ?, status = CASE WHEN status = 'uploaded' THEN 'pending' ELSE status END, attempts = CASE WHEN status = 'uploaded' THEN 0 ELSE attempts END WHERE id = ?",
        [total, Math.max(num(file.ready_at), readyAt), at, id],
      );
      return id;
    });
  }

  async campaignFiles(campaignId: string): Promise<FileRecord[]> {
    return this.db.transaction(async () => {
      const files = (await this.run(`SELECT ${INFO_COLUMNS} FROM files WHERE campaign_id = ? ORDER BY created_at, destination${this.pg ? ' COLLATE "C"' : ""}, path${this.pg ? ' COLLATE "C"' : ""}, id`, [campaignId])).map(toInfo);
      const out: FileRecord[] = [];
      for (const f of files) {
        const rows = (await this.run("SELECT data FROM file_rows WHERE file_id = ? ORDER BY seq", [f.id])).map((r) => JSON.parse(r.data as string) as Record<string, unknown>);
        out.push({ ...f, rows });
      }
      return out;
    });
  }

  list(projectId: string, filter: { campaignId?: string; status?: FileStatus; beforeId?: number; limit: number }): Promise<FileInfo[]> {
    const where = ["project_id = ?"];
    const params: unknown[] = [projectId];
    if (filter.campaignId !== undefined) { where.push("campaign_id = ?"); params.push(filter.campaignId); }
    if (filter.status !== undefined) { where.push("status = ?"); params.push(filter.status); }
    if (filter.beforeId !== undefined) { where.push("id < ?"); params.push(filter.beforeId); }
    params.push(filter.limit);
    return this.db.transaction(async () => (await this.run(`SELECT ${INFO_COLUMNS} FROM files WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ?`, params)).map(toInfo));
  }

  async *rows(fileId: number, upTo: number): AsyncIterable<Record<string, unknown>> {
    let after = 0;
    while (after < upTo) {
      // Each page is its own short read: nothing stays open between two pages.
      const page = await this.db.transaction(() => this.run("SELECT seq, data FROM file_rows WHERE file_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?", [fileId, after, upTo, PAGE]));
      if (page.length === 0) return;
      for (const r of page) yield JSON.parse(r.data as string) as Record<string, unknown>;
      after = num(page[page.length - 1].seq);
    }
  }

  claim(now: number, leaseUntil: number, owner: string, limit: number): Promise<ClaimedFile[]> {
    // PostgreSQL: SKIP LOCKED lets several uploaders claim at once without ever taking the same file.
    const due = `SELECT id FROM files WHERE (status = 'pending' AND ready_at <= ? AND COALESCE(next_attempt_at, 0) <= ?) OR (status = 'uploading' AND lease_until < ?)
      ORDER BY ready_at, id LIMIT ?${this.pg ? " FOR UPDATE SKIP LOCKED" : ""}`;
    return this.db.transaction(async () => (await this.run(
      `UPDATE files SET status = 'uploading', lease_until = ?, lease_owner = ?, attempts = attempts + 1, updated_at = ? WHERE id IN (${due}) RETURNING ${INFO_COLUMNS}`,
      [leaseUntil, owner, now, now, now, now, limit],
    )).map((r) => ({ ...toInfo(r), owner })).sort((a, b) => a.readyAt - b.readyAt || a.id - b.id));
  }

  renew(fileId: number, owner: string, leaseUntil: number): Promise<boolean> {
    return this.db.transaction(async () => (await this.run("UPDATE files SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'uploading' RETURNING id", [leaseUntil, fileId, owner])).length > 0);
  }

  uploaded(fileId: number, owner: string, rows: number, bytes: number, at: number): Promise<boolean> {
    return this.db.transaction(async () => {
      const done = (await this.run(
        `UPDATE files SET status = CASE WHEN row_count > ? THEN 'pending' ELSE 'uploaded' END, attempts = CASE WHEN row_count > ? THEN 0 ELSE attempts END,
           uploaded_rows = ?, bytes = ?, uploaded_at = ?, updated_at = ?, last_error = NULL, next_attempt_at = NULL, lease_until = NULL, lease_owner = NULL
         WHERE id = ? AND lease_owner = ? AND status = 'uploading' RETURNING project_id, destination`,
        [rows, rows, rows, bytes, at, at, fileId, owner],
      ))[0];
      if (!done) return false;
      // The destination received these rows: from now on they count as "an earlier postal file" (ELEMENTS.md).
      await this.run(`INSERT INTO postal_history (project_id, destination, contact_pk, file_id, at, kind, address)
        SELECT ?, ?, contact_pk, file_id, at, kind, address FROM file_postal WHERE file_id = ? AND seq <= ? ORDER BY seq`, [done.project_id, done.destination, fileId, rows]);
      await this.run("DELETE FROM file_postal WHERE file_id = ? AND seq <= ?", [fileId, rows]);
      return true;
    });
  }

  failed(fileId: number, owner: string, error: string, nextAttemptAt: number | null, at: number): Promise<boolean> {
    return this.db.transaction(async () => (await this.run(
      `UPDATE files SET status = ?, last_error = ?, next_attempt_at = ?, lease_until = NULL, lease_owner = NULL, updated_at = ?
       WHERE id = ? AND lease_owner = ? AND status = 'uploading' RETURNING id`,
      [nextAttemptAt === null ? "failed" : "pending", error, nextAttemptAt, at, fileId, owner],
    )).length > 0);
  }

  retry(projectId: string, fileId: number, at: number): Promise<"queued" | "notFound" | "notFailed"> {
    return this.db.transaction(async () => {
      const f = (await this.run("SELECT status FROM files WHERE id = ? AND project_id = ?", [fileId, projectId]))[0];
      if (!f) return "notFound";
      if (f.status !== "failed") return "notFailed";
      await this.run("UPDATE files SET status = 'pending', attempts = 0, next_attempt_at = NULL, updated_at = ? WHERE id = ? AND status = 'failed'", [at, fileId]);
      return "queued";
    });
  }
}
