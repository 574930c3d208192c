import { fork } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import fs from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ssh2 from "ssh2";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { csvStream } from "../src/exports/csv.js";
import { uploadWithRetry } from "../src/exports/sftp.js";
import { Uploader } from "../src/exports/uploader.js";
import { ProjectConfig } from "../src/model/index.js";
import { putSecret } from "../src/server/secrets.js";
import { DirectoryDb } from "../src/store/directory/directory-db.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";

export interface ExportBenchOptions {
  /** Rows in the exported file. */
  contacts: number;
  dir: string;
}

const round = (x: number) => Math.round(x * 100) / 100;
const SELF = fileURLToPath(import.meta.url);

/**
 * export: N rows rendered as CSV (`;`, BOM) and streamed to a real SSH/SFTP server running in a child
 * process (write-only: OPEN, WRITE, CLOSE, STAT, RENAME, REMOVE, REALPATH), under a temporary name then renamed.
 * Rows are generated lazily, so the peak RSS measures the exporter, not the fixture.
 */
export async function exportBench(opts: ExportBenchOptions): Promise<Record<string, unknown>> {
  const root = join(opts.dir, "export-sftp");
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  const child = fork(SELF, ["--sftp-server", root], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  try {
    const [{ port, fingerprint }] = (await once(child, "message")) as [{ port: number; fingerprint: string }];
    function* rows() {
      for (let i = 0; i < opts.contacts; i++) yield { id: `c${i}`, email: `user${i}@example.com`, firstName: "Élise", lastName: "Côté", city: "Montréal" };
    }
    const started = process.hrtime.bigint();
    await uploadWithRetry({ host: "127.0.0.1", port, username: "bench", directory: "/", hostKey: fingerprint, auth: { password: "bench" } },
      "export.csv", () => csvStream(["id", "email", "firstName", "lastName", "city"], rows(), { delimiter: ";", bom: true }));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const bytes = fs.statSync(join(root, "export.csv")).size;
    const direct = {
      workload: "export", rows: opts.contacts, bytes, seconds: round(seconds),
      rowsPerSecond: Math.round(opts.contacts / seconds), mibPerSecond: round(bytes / 1048576 / seconds),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    return { ...direct, stored: await throughStore(opts, rows, port, fingerprint, root) };
  } finally {
    child.kill();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The same rows the way a campaign sends them: appended to `file_rows` of a SQLite store in engine-sized batches
 * (5,000 per transaction), then uploaded by the uploader (claim, CSV from the paged rows, SFTP, mark uploaded).
 * `peakRssMiB` is the process's peak so far (it includes the direct upload before it).
 */
async function throughStore(opts: ExportBenchOptions, rows: () => Iterable<Record<string, unknown>>, port: number, hostKey: string, root: string): Promise<Record<string, unknown>> {
  const file = join(opts.dir, "export-bench.sqlite");
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  const store = new SqliteStore(file);
  try {
    await store.migrate();
    const secret = randomBytes(32);
    const db = new DirectoryDb(store);
    await store.transaction(async () => {
      await store.putProject("bench", ProjectConfig.parse({ destinations: [{ key: "sftp", host: "127.0.0.1", port, username: "bench", directory: "/", hostKey, authType: "password", delimiter: ";", bom: true }] }));
      await store.execute("INSERT INTO campaigns (id, project_id, doc, status, seed) VALUES ('bench', 'bench', '{}', 'active', 0)", []);
      await putSecret(db, "bench", "destination", "sftp", JSON.stringify({ password: "bench" }), secret);
    });
    const columns = ["id", "email", "firstName", "lastName", "city"];
    const write = process.hrtime.bigint();
    const batch: Record<string, unknown>[] = [];
    const flush = () => store.transaction(() => store.appendFileRows("bench", "x1", "sftp", "stored.csv", "export", "run:1", 0, batch.splice(0), { columns, readyAt: 0 }));
    for (const r of rows()) if (batch.push(r) >= 5000) await flush();
    if (batch.length) await flush();
    const writeSeconds = Number(process.hrtime.bigint() - write) / 1e9;
    const upload = process.hrtime.bigint();
    const claimed = await new Uploader({ store, db, secret }).runOnce();
    const uploadSeconds = Number(process.hrtime.bigint() - upload) / 1e9;
    const [f] = await store.listFiles("bench", { limit: 1 });
    if (claimed !== 1 || f?.status !== "uploaded") throw new Error(`the stored file was not uploaded: ${f?.status} ${f?.lastError}`);
    const bytes = fs.statSync(join(root, "stored.csv")).size;
    return {
      rows: f.rowCount, bytes, writeSeconds: round(writeSeconds), writeRowsPerSecond: Math.round(f.rowCount / writeSeconds),
      uploadSeconds: round(uploadSeconds), uploadRowsPerSecond: Math.round(f.rowCount / uploadSeconds),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await store.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  }
}

/** The child process: a minimal SFTP server writing into `root`. */
async function serve(root: string): Promise<void> {
  const { Server, utils } = ssh2;
  const { STATUS_CODE } = utils.sftp;
  // ssh2's generator makes about 1 pair in 256 it cannot read back (mscdex/ssh2#1390): generate again then.
  let key = utils.generateKeyPairSync("ed25519");
  let parsed = utils.parseKey(key.private);
  while (parsed instanceof Error || utils.parseKey(key.public) instanceof Error) {
    key = utils.generateKeyPairSync("ed25519");
    parsed = utils.parseKey(key.private);
  }
  const fingerprint = "SHA256:" + createHash("sha256").update((Array.isArray(parsed) ? parsed[0] : parsed).getPublicSSH()).digest("base64").replace(/=+$/, "");
  const local = (p: string) => join(root, p.replace(/^\/+/, ""));
  const server = new Server({ hostKeys: [key.private] }, (client) => {
    client.on("error", () => undefined);
    client.on("authentication", (ctx) => (ctx.method === "password" && ctx.password === "bench" ? ctx.accept() : ctx.reject(["password"])));
    client.on("ready", () => client.on("session", (accept) => accept().on("sftp", (acceptSftp) => {
      const sftp = acceptSftp();
      const fds = new Map<number, number>();
      let next = 0;
      const id = (h: Buffer) => h.readUInt32BE(0);
      const done = (reqid: number) => (err: NodeJS.ErrnoException | null) => sftp.status(reqid, err ? (err.code === "ENOENT" ? STATUS_CODE.NO_SUCH_FILE : STATUS_CODE.FAILURE) : STATUS_CODE.OK);
      sftp.on("OPEN", (reqid, name) => fs.open(local(name), "w", (err, fd) => {
        if (err) return done(reqid)(err);
        const h = Buffer.alloc(4); h.writeUInt32BE(next); fds.set(next++, fd); sftp.handle(reqid, h);
      }));
      sftp.on("WRITE", (reqid, h, offset, data) => fs.write(fds.get(id(h))!, data, 0, data.length, offset, (err) => done(reqid)(err)));
      sftp.on("CLOSE", (reqid, h) => { const fd = fds.get(id(h)); fds.delete(id(h)); if (fd === undefined) sftp.status(reqid, STATUS_CODE.OK); else fs.close(fd, done(reqid)); });
      const stat = (reqid: number, p: string) => fs.stat(local(p), (err, st) => (err ? done(reqid)(err) : sftp.attrs(reqid, { mode: st.mode, uid: 0, gid: 0, size: st.size, atime: 0, mtime: 0 })));
      sftp.on("STAT", stat);
      sftp.on("LSTAT", stat);
      sftp.on("RENAME", (reqid, a, b) => fs.rename(local(a), local(b), done(reqid)));
      sftp.on("REMOVE", (reqid, p) => fs.unlink(local(p), done(reqid)));
      sftp.on("REALPATH", (reqid, p) => sftp.name(reqid, [{ filename: "/" + p.replace(/^\/+/, ""), longname: "", attrs: {} as never }]));
    })));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  process.send!({ port: (server.address() as AddressInfo).port, fingerprint });
}

if (process.argv[1] === SELF && process.argv[2] === "--sftp-server") void serve(process.argv[3]);
