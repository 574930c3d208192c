import { createHash, randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import SftpClient from "ssh2-sftp-client";

/** Where and how to connect: a destination's settings with its decrypted credentials. */
export interface SftpTarget {
  host: string;
  port: number;
  username: string;
  directory: string;
  /** Pinned host key, `SHA256:…` as OpenSSH prints it. */
  hostKey: string;
  auth: { password?: string; privateKey?: string; passphrase?: string };
}

export type SftpErrorCode = "hostKeyMismatch" | "authFailed" | "permissionDenied" | "unreachable" | "noSuchFolder" | "connectionLost" | "sftpError";

/** A failure with a stable code, a clear message, and whether retrying later may help. */
export class SftpError extends Error {
  constructor(readonly code: SftpErrorCode, message: string, readonly retryable: boolean) {
    super(message);
    this.name = "SftpError";
  }
}

/** The OpenSSH SHA256 fingerprint of a raw host key: `SHA256:` and unpadded base64. */
export const fingerprint = (key: Buffer) => "SHA256:" + createHash("sha256").update(key).digest("base64").replace(/=+$/, "");

const join = (dir: string, name: string) => (dir.endsWith("/") ? dir : dir + "/") + name;

/** One connection to a destination, host key checked before any credential is sent. */
export class SftpSession {
  private readonly client = new SftpClient("relais");
  /** The fingerprint the server presented (also on a mismatch). */
  seen: string | undefined;

  constructor(private readonly target: SftpTarget) {}

  async connect(timeoutMs = 15_000): Promise<void> {
    const t = this.target;
    try {
      await this.client.connect({
        host: t.host, port: t.port, username: t.username, readyTimeout: timeoutMs, retries: 0,
        password: t.auth.password, privateKey: t.auth.privateKey, passphrase: t.auth.passphrase,
        hostVerifier: (key: Buffer) => { this.seen = fingerprint(key); return this.seen === t.hostKey; },
      });
    } catch (err) {
      throw this.classify(err);
    }
  }

  /** Streams `body` to `name` in the destination folder under a temporary name, then renames it: the receiver never sees half a file. */
  async upload(name: string, body: Readable): Promise<void> {
    const final = join(this.target.directory, name);
    // `name` may hold subfolders (`exports/2026-11-29.csv`): they are created in the destination folder when missing.
    const slash = name.lastIndexOf("/");
    const folder = slash < 0 ? this.target.directory : join(this.target.directory, name.slice(0, slash));
    // A fixed temporary name next to the final one: a retry after a cut connection overwrites the leftover of the failed attempt.
    const temp = join(folder, `.${name.slice(slash + 1)}.part`);
    try {
      if (slash >= 0 && !(await this.client.exists(folder))) await this.client.mkdir(folder, true);
      await this.client.put(body, temp);
      if (await this.client.exists(final)) await this.client.delete(final);
      await this.client.rename(temp, final);
    } catch (err) {
      await this.client.delete(temp, true).catch(() => undefined);
      throw this.classify(err);
    }
  }

  /** Checks the folder exists and is writable: writes then removes a probe file. */
  async probe(): Promise<void> {
    const dir = this.target.directory;
    try {
      const kind = await this.client.exists(dir);
      if (kind !== "d") throw new SftpError("noSuchFolder", `folder ${dir} does not exist on ${this.target.host}`, false);
      const probe = join(dir, `.relais-probe-${randomBytes(4).toString("hex")}`);
      await this.client.put(Buffer.from("relais\n"), probe);
      await this.client.delete(probe);
    } catch (err) {
      throw this.classify(err);
    }
  }

  async end(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private classify(err: unknown): SftpError {
    if (err instanceof SftpError) return err;
    const e = err as { message?: string; code?: string | number; level?: string };
    const msg = e.message ?? String(err);
    const where = `${this.target.host}:${this.target.port}`;
    if (this.seen !== undefined && this.seen !== this.target.hostKey) {
      return new SftpError("hostKeyMismatch", `host key of ${where} is ${this.seen}, expected ${this.target.hostKey}: refusing to connect`, false);
    }
    if (/authentication/i.test(msg) || e.level === "client-authentication") return new SftpError("authFailed", `${where} refused the credentials of ${this.target.username} (wrong password or key)`, false);
    if (/permission denied/i.test(msg) || e.code === 3) return new SftpError("permissionDenied", `permission denied writing in ${this.target.directory} on ${where}`, false);
    if (/no such file/i.test(msg) || e.code === 2) return new SftpError("noSuchFolder", `folder ${this.target.directory} does not exist on ${where}`, false);
    if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|timed out/i.test(msg) || e.code === "ECONNREFUSED" || e.code === "ENOTFOUND") return new SftpError("unreachable", `cannot reach ${where}: ${msg}`, true);
    if (/ECONNRESET|closed|end|lost/i.test(msg)) return new SftpError("connectionLost", `connection to ${where} lost: ${msg}`, true);
    return new SftpError("sftpError", `SFTP error on ${where}: ${msg}`, true);
  }
}

/** Connects, checks the folder is writable, and says what went wrong if not (destination test). */
export async function testDestination(target: SftpTarget): Promise<{ ok: boolean; error?: string; code?: SftpErrorCode; fingerprint?: string }> {
  const s = new SftpSession(target);
  try {
    await s.connect();
    await s.probe();
    return { ok: true, fingerprint: s.seen };
  } catch (err) {
    const e = err as SftpError;
    return { ok: false, error: e.message, code: e.code, fingerprint: s.seen };
  } finally {
    await s.end();
  }
}

/** Uploads with retries and exponential backoff on errors that may pass (connection lost, unreachable). */
export async function uploadWithRetry(target: SftpTarget, name: string, body: () => Readable, opts: { attempts?: number; baseDelayMs?: number } = {}): Promise<{ attempts: number }> {
  const max = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const s = new SftpSession(target);
    try {
      await s.connect();
      await s.upload(name, body());
      return { attempts: attempt };
    } catch (err) {
      const e = err as SftpError;
      if (!e.retryable || attempt >= max) throw e;
      await new Promise((r) => setTimeout(r, (opts.baseDelayMs ?? 1000) * 2 ** (attempt - 1)));
    } finally {
      await s.end();
    }
  }
}
