import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import ssh2 from "ssh2";
import type { AddressInfo } from "node:net";

const { Server, utils } = ssh2;
const { STATUS_CODE, OPEN_MODE } = utils.sftp;

export interface TestSftpOptions {
  root: string;
  username?: string;
  password?: string;
  /** Answer PERMISSION_DENIED to every OPEN for writing. */
  denyWrites?: boolean;
  /** Close the connection once this many bytes were written (then reset to undefined). */
  cutAfterBytes?: number;
  /** A public key (OpenSSH `ssh-ed25519 AAAA…` form) accepted for `username` besides the password. */
  authorizedKey?: string;
}

/**
 * An ed25519 key pair ssh2 can read back. ssh2's generator drops a public key's leading zero
 * bytes, so about 1 pair in 256 fails to parse (mscdex/ssh2#1390, #1513): generate again then.
 */
export function ed25519KeyPair(): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync("ed25519");
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}

/** A real SSH server with an SFTP subsystem backed by a local folder, for tests. */
export async function startSftpServer(opts: TestSftpOptions) {
  const hostKey = ed25519KeyPair();
  const parsed = utils.parseKey(hostKey.private);
  if (parsed instanceof Error) throw parsed;
  const pub = (Array.isArray(parsed) ? parsed[0] : parsed).getPublicSSH();
  const fingerprint = "SHA256:" + createHash("sha256").update(pub).digest("base64").replace(/=+$/, "");
  const state = { ...opts, username: opts.username ?? "relais", password: opts.password ?? "secret", opensForWrite: new Map<string, number>() };
  const local = (p: string) => path.join(state.root, path.posix.normalize("/" + p));

  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    client.on("error", () => undefined);
    client.on("authentication", (ctx) => {
      if (ctx.method === "password" && ctx.username === state.username && ctx.password === state.password) return ctx.accept();
      if (ctx.method === "publickey" && ctx.username === state.username && state.authorizedKey) {
        const allowed = utils.parseKey(state.authorizedKey);
        if (allowed instanceof Error) return ctx.reject();
        const k = Array.isArray(allowed) ? allowed[0] : allowed;
        if (ctx.key.algo !== k.type || !ctx.key.data.equals(k.getPublicSSH())) return ctx.reject();
        // Without a signature the client only asks whether the key would do; with one, it proves it holds the private key.
        if (ctx.signature && k.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject();
        return ctx.accept();
      }
      ctx.reject(["password", "publickey"]);
    });
    client.on("ready", () => {
      client.on("session", (accept) => {
        const session = accept();
        session.on("sftp", (acceptSftp) => {
          const sftp = acceptSftp();
          const handles = new Map<number, { fd?: number; dir?: string[]; path: string }>();
          let next = 0;
          const handle = (h: Buffer) => handles.get(h.readUInt32BE(0));
          const newHandle = (v: { fd?: number; dir?: string[]; path: string }) => { const id = next++; handles.set(id, v); const b = Buffer.alloc(4); b.writeUInt32BE(id); return b; };
          const fail = (reqid: number, err: NodeJS.ErrnoException) => sftp.status(reqid, err.code === "ENOENT" ? STATUS_CODE.NO_SUCH_FILE : err.code === "EACCES" ? STATUS_CODE.PERMISSION_DENIED : STATUS_CODE.FAILURE, err.message);
          const attrs = (st: fs.Stats) => ({ mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, atime: Math.floor(st.atimeMs / 1000), mtime: Math.floor(st.mtimeMs / 1000) });
          sftp.on("OPEN", (reqid, filename, flags) => {
            const writing = (flags & OPEN_MODE.WRITE) !== 0;
            if (writing && state.denyWrites) return sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED, "permission denied");
            if (writing) state.opensForWrite.set(filename, (state.opensForWrite.get(filename) ?? 0) + 1);
            const mode = writing ? ((flags & OPEN_MODE.APPEND) ? "a" : "w") : "r";
            fs.open(local(filename), mode, (err, fd) => (err ? fail(reqid, err) : sftp.handle(reqid, newHandle({ fd, path: filename }))));
          });
          sftp.on("WRITE", (reqid, h, offset, data) => {
            const f = handle(h);
            if (!f?.fd) return sftp.status(reqid, STATUS_CODE.FAILURE);
            if (state.cutAfterBytes !== undefined) {
              state.cutAfterBytes -= data.length;
              if (state.cutAfterBytes <= 0) { state.cutAfterBytes = undefined; client.end(); return; }
            }
            fs.write(f.fd, data, 0, data.length, offset, (err) => (err ? fail(reqid, err) : sftp.status(reqid, STATUS_CODE.OK)));
          });
          sftp.on("READ", (reqid, h, offset, length) => {
            const f = handle(h);
            if (!f?.fd) return sftp.status(reqid, STATUS_CODE.FAILURE);
            const buf = Buffer.alloc(length);
            fs.read(f.fd, buf, 0, length, offset, (err, n) => (err ? fail(reqid, err) : n === 0 ? sftp.status(reqid, STATUS_CODE.EOF) : sftp.data(reqid, buf.subarray(0, n))));
          });
          sftp.on("CLOSE", (reqid, h) => {
            const f = handle(h);
            handles.delete(h.readUInt32BE(0));
            if (f?.fd !== undefined) fs.close(f.fd, () => sftp.status(reqid, STATUS_CODE.OK));
            else sftp.status(reqid, STATUS_CODE.OK);
          });
          const stat = (reqid: number, p: string) => fs.stat(local(p), (err, st) => (err ? fail(reqid, err) : sftp.attrs(reqid, attrs(st))));
          sftp.on("STAT", stat);
          sftp.on("LSTAT", stat);
          sftp.on("FSTAT", (reqid, h) => { const f = handle(h); if (!f?.fd) return sftp.status(reqid, STATUS_CODE.FAILURE); fs.fstat(f.fd, (err, st) => (err ? fail(reqid, err) : sftp.attrs(reqid, attrs(st)))); });
          sftp.on("SETSTAT", (reqid) => sftp.status(reqid, STATUS_CODE.OK));
          sftp.on("FSETSTAT", (reqid) => sftp.status(reqid, STATUS_CODE.OK));
          sftp.on("REMOVE", (reqid, p) => fs.unlink(local(p), (err) => (err ? fail(reqid, err) : sftp.status(reqid, STATUS_CODE.OK))));
          sftp.on("RENAME", (reqid, a, b) => fs.rename(local(a), local(b), (err) => (err ? fail(reqid, err) : sftp.status(reqid, STATUS_CODE.OK))));
          sftp.on("MKDIR", (reqid, p) => fs.mkdir(local(p), (err) => (err ? fail(reqid, err) : sftp.status(reqid, STATUS_CODE.OK))));
          sftp.on("RMDIR", (reqid, p) => fs.rmdir(local(p), (err) => (err ? fail(reqid, err) : sftp.status(reqid, STATUS_CODE.OK))));
          sftp.on("REALPATH", (reqid, p) => sftp.name(reqid, [{ filename: path.posix.normalize("/" + p), longname: "", attrs: {} as never }]));
          sftp.on("OPENDIR", (reqid, p) => fs.readdir(local(p), (err, names) => (err ? fail(reqid, err) : sftp.handle(reqid, newHandle({ dir: names, path: p })))));
          sftp.on("READDIR", (reqid, h) => {
            const d = handle(h);
            if (!d?.dir) return sftp.status(reqid, STATUS_CODE.FAILURE);
            if (d.dir.length === 0) return sftp.status(reqid, STATUS_CODE.EOF);
            const names = d.dir.splice(0);
            sftp.name(reqid, names.map((n) => ({ filename: n, longname: n, attrs: attrs(fs.statSync(path.join(local(d.path), n))) })));
          });
        });
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    port, fingerprint, state,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
