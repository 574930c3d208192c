import { randomUUID } from "node:crypto";
import { Transform, type Readable } from "node:stream";
import { DESTINATION_SCOPE } from "../contacts/config-destinations.js";
import type { DirectoryDb } from "../store/directory/directory-db.js";
import type { ClaimedFile, Store } from "../store/store.js";
import { getSecret } from "../server/secrets.js";
import { csvStream } from "./csv.js";
import { SftpError, uploadWithRetry, type SftpTarget } from "./sftp.js";

export interface UploaderOptions {
  store: Store;
  /** The directory (secrets: the destinations' encrypted credentials). */
  db: DirectoryDb;
  /** The server key the credentials are encrypted with. */
  secret: Buffer;
  now?: () => number;
  /** Pause between two passes when nothing was due (default 5 s). */
  intervalMs?: number;
  /** Files claimed per pass, uploaded one after the other (default 4). */
  batch?: number;
  /** How long a claim holds a file; renewed every third of it while the upload runs (default 10 min). */
  leaseMs?: number;
  /** Claims before a file is marked `failed` (default 5). */
  maxClaims?: number;
  /** Wait before the next claim after claim n fails: `claimBackoffMs × 4^(n−1)` (default 1 min: 1, 4, 16, 64 min). */
  claimBackoffMs?: number;
  /** Connections tried within one claim, and the first pause between them (default 3, 1 s; see uploadWithRetry). */
  attemptsPerClaim?: number;
  retryBaseDelayMs?: number;
  log?: (line: string, level: "info" | "warn") => void;
}

/** A file that cannot be uploaded as things stand (missing destination or credentials): a person must act. */
class UploadSetupError extends Error {}

/** The file's path relative to the destination folder; a path leaving it (`..`) is refused. */
export function remoteName(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0 || parts.some((p) => p === "..")) throw new UploadSetupError(`file path ${JSON.stringify(path)} must name a file inside the destination folder (no "..")`);
  return parts.join("/");
}

/**
 * Uploads the files export and postal elements write (docs/exports.md, "Uploads"). Each pass
 * claims due files under a lease (several uploaders, even in several processes, never take the
 * same file), renders each one as CSV straight from its stored rows, uploads it to the project's
 * destination, and records the outcome. A claim tries a few connections; a failed claim is tried
 * again later with a growing pause, and after `maxClaims` claims the file is `failed` with the
 * error, until someone fixes the cause and retries it (`POST /files/:fileId/retry`).
 */
export class Uploader {
  private readonly o: Required<Omit<UploaderOptions, "log">> & { log: (line: string, level: "info" | "warn") => void };
  private readonly owner = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(options: UploaderOptions) {
    this.o = {
      now: () => Date.now(), intervalMs: 5000, batch: 4, leaseMs: 10 * 60_000, maxClaims: 5, claimBackoffMs: 60_000,
      attemptsPerClaim: 3, retryBaseDelayMs: 1000, log: () => undefined, ...options,
    };
  }

  /** Passes every `intervalMs` (at once again after a pass that found work) until `stop`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = async () => {
      let worked = 0;
      try {
        worked = await this.runOnce();
      } catch (e) {
        this.o.log(`uploader: ${(e as Error).message}`, "warn");
      }
      if (!this.stopped) this.timer = setTimeout(() => { this.running = loop(); }, worked > 0 ? 0 : this.o.intervalMs);
    };
    this.running = loop();
  }

  /** Stops after the upload in flight (its outcome is recorded): nothing is left half-claimed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: claims the due files and uploads them; returns how many were claimed. */
  async runOnce(): Promise<number> {
    const now = this.o.now();
    const files = await this.o.store.claimFiles(now, now + this.o.leaseMs, this.owner, this.o.batch);
    for (const f of files) await this.upload(f);
    return files.length;
  }

  private async upload(f: ClaimedFile): Promise<void> {
    const { store } = this.o;
    const renew = setInterval(() => {
      void store.renewFileLease(f.id, f.owner, this.o.now() + this.o.leaseMs).catch(() => undefined);
    }, Math.max(1000, Math.floor(this.o.leaseMs / 3)));
    try {
      const { target, csv } = await this.target(f);
      const rows = f.rowCount;
      let bytes = 0;
      const name = remoteName(f.path);
      const columns = f.columns ?? (await this.firstRowKeys(f));
      const body = (): Readable => {
        bytes = 0;
        const source = csvStream(columns, store.fileRows(f.id, rows), csv);
        const count = new Transform({ transform(chunk: Buffer, _e, done) { bytes += chunk.length; done(null, chunk); } });
        source.on("error", (e) => count.destroy(e));
        return source.pipe(count);
      };
      await uploadWithRetry(target, name, body, { attempts: this.o.attemptsPerClaim, baseDelayMs: this.o.retryBaseDelayMs });
      if (await store.fileUploaded(f.id, f.owner, rows, bytes, this.o.now())) {
        this.o.log(`uploader: file ${f.id} (${f.path}, ${rows} rows, ${bytes} bytes) uploaded to ${f.destination}`, "info");
      } else {
        // The lease ran out and another uploader took the file: its outcome is the one recorded.
        this.o.log(`uploader: file ${f.id} (${f.path}) uploaded to ${f.destination} after its lease was lost`, "warn");
      }
    } catch (e) {
      const message = e instanceof SftpError || e instanceof UploadSetupError ? e.message : `unexpected error: ${(e as Error).message}`;
      const last = f.attempts >= this.o.maxClaims;
      const next = last ? null : this.o.now() + this.o.claimBackoffMs * 4 ** (f.attempts - 1);
      await store.fileUploadFailed(f.id, f.owner, message, next, this.o.now());
      this.o.log(`uploader: file ${f.id} (${f.path}) to ${f.destination}: ${message}${last ? ` — failed after ${f.attempts} claims` : `, claim ${f.attempts}/${this.o.maxClaims}, next at ${new Date(next!).toISOString()}`}`, "warn");
    } finally {
      clearInterval(renew);
    }
  }

  /** Files written before the header was kept take their first row's keys as columns. */
  private async firstRowKeys(f: ClaimedFile): Promise<string[]> {
    for await (const row of this.o.store.fileRows(f.id, 1)) return Object.keys(row);
    return [];
  }

  /** The destination's settings and decrypted credentials (as the destination test route reads them). */
  private async target(f: ClaimedFile): Promise<{ target: SftpTarget; csv: { delimiter: "," | ";"; bom: boolean } }> {
    if (!f.projectId) throw new UploadSetupError(`file ${f.id}: its campaign ${f.campaignId} belongs to no project`);
    const project = await this.o.store.transaction(() => this.o.store.getProject(f.projectId!));
    const d = project?.destinations.find((x) => x.key === f.destination);
    if (!d) throw new UploadSetupError(`destination ${f.destination} is not configured in project ${f.projectId}: add it (POST /destinations), then retry the file`);
    const stored = await this.o.store.transaction(() => getSecret(this.o.db, f.projectId!, DESTINATION_SCOPE, d.key, this.o.secret));
    if (!stored || !d.host || !d.username || !d.hostKey) {
      throw new UploadSetupError(`destination ${d.key} has no host, username, host key or stored credentials: set them (PUT /destinations/${d.key}), then retry the file`);
    }
    return {
      target: { host: d.host, port: d.port ?? 22, username: d.username, directory: d.directory ?? "/", hostKey: d.hostKey, auth: JSON.parse(stored) as SftpTarget["auth"] },
      csv: { delimiter: d.delimiter ?? ",", bom: d.bom ?? false },
    };
  }
}
