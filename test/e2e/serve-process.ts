import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");

/** Builds `dist/` when a fresh checkout has none (npm test builds first anyway). */
export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, "dist", "src", "cli", "main.js"))) spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  dataDir: string;
  output: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `relais serve` on a free port over a temporary data folder; resolves once it listens. */
export async function startServe(env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), "relais-serve-"))): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(ROOT, "bin", "relais.js"), "serve"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: "", PORT: "0", RELAIS_DATA_DIR: dataDir, LOG_LEVEL: "warn", RELAIS_IDLE_MS: "200", RELAIS_INBOUND_SMTP_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relais serve did not start:\n${out}`)), 20_000);
    const check = () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on("data", check);
    void exited.then((code) => reject(new Error(`relais serve exited (${code}):\n${out}`)));
  });
  return {
    child, url, dataDir, output: () => out,
    async stop(signal = "SIGTERM") {
      child.kill(signal);
      return exited;
    },
  };
}

/** fetch with JSON in and out. */
export async function api(base: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined && typeof body !== "string" ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, json, headers: res.headers };
}
