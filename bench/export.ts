import { fork } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import fs from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ssh2 from "ssh2";
import type { AddressInfo } from "node:net";
import { csvStream } from "../src/exports/csv.js";
import { uploadWithRetry } from "../src/exports/sftp.js";

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
    return {
      workload: "export", rows: opts.contacts, bytes, seconds: round(seconds),
      rowsPerSecond: Math.round(opts.contacts / seconds), mibPerSecond: round(bytes / 1048576 / seconds),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    child.kill();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** The child process: a minimal SFTP server writing into `root`. */
async function serve(root: string): Promise<void> {
  const { Server, utils } = ssh2;
  const { STATUS_CODE } = utils.sftp;
  const key = utils.generateKeyPairSync("ed25519");
  const parsed = utils.parseKey(key.private);
  if (parsed instanceof Error) throw parsed;
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
