import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/** `relais serve` settings: defaults, then the config file, then environment variables. */
export const ServeConfig = z.strictObject({
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  host: z.string().default("127.0.0.1"),
  /** Folder of the embedded database and the generated secret. */
  dataDir: z.string().default("data"),
  databaseUrl: z.string().optional(),
  sqliteFile: z.string().optional(),
  pgSchema: z.string().optional(),
  /** Public URL of this server, for links in messages (default http://host:port). */
  baseUrl: z.string().optional(),
  adminEmail: z.string().default("admin@relais.local"),
  adminPassword: z.string().min(10, "RELAIS_ADMIN_PASSWORD needs at least 10 characters").optional(),
  /** Key for secrets at rest and signed links; default: generated once into `<dataDir>/secret.key`. */
  secret: z.string().min(16, "RELAIS_SECRET needs at least 16 characters").optional(),
  /** Run the engine in this process (`--no-engine`: API only, workers move contacts). */
  engine: z.boolean().default(true),
  idleMs: z.coerce.number().int().min(10).default(1000),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** When set, `/metrics` requires `Authorization: Bearer <metricsToken>`; unset, it is public. */
  metricsToken: z.string().min(16, "RELAIS_METRICS_TOKEN needs at least 16 characters").optional(),
  /** Create the demo project on first start. */
  demo: z.boolean().default(true),
  /** Port of the inbound SMTP listener for bounces and complaints (`off`: none; 0: any free port). */
  inboundSmtpPort: z.union([z.literal("off"), z.coerce.number().int().min(0).max(65535)]).default(2525),
  /**
   * Behind a reverse proxy: which proxies to believe about the client address (X-Forwarded-For).
   * `true` (any), a hop count such as `1`, or addresses/CIDRs such as `127.0.0.1,10.0.0.0/8`. Unset: none.
   */
  trustProxy: z.union([z.boolean(), z.number().int().min(1), z.string().min(1)]).optional(),
});
export type ServeConfig = z.infer<typeof ServeConfig>;

const ENV: Record<string, keyof ServeConfig> = {
  PORT: "port", HOST: "host", RELAIS_DATA_DIR: "dataDir", DATABASE_URL: "databaseUrl", RELAIS_SQLITE_FILE: "sqliteFile",
  RELAIS_PG_SCHEMA: "pgSchema", RELAIS_BASE_URL: "baseUrl", RELAIS_ADMIN_EMAIL: "adminEmail", RELAIS_ADMIN_PASSWORD: "adminPassword",
  RELAIS_SECRET: "secret", RELAIS_IDLE_MS: "idleMs", LOG_LEVEL: "logLevel", RELAIS_METRICS_TOKEN: "metricsToken",
  RELAIS_INBOUND_SMTP_PORT: "inboundSmtpPort",
};

/** RELAIS_TRUST_PROXY as typed: `true`/`false`, a hop count, or a list of addresses. */
function trustProxyFromEnv(v: string): boolean | number | string {
  if (/^(1|true|yes|on)$/i.test(v) && v !== "1") return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  return /^\d+$/.test(v) ? Number(v) : v;
}

export class ConfigError extends Error {}

/**
 * Reads the configuration: `RELAIS_CONFIG` (or `./relais.config.json` when present) is a JSON
 * file with the keys of `ServeConfig`; environment variables override it.
 */
export function loadServeConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServeConfig> = {}): ServeConfig {
  const file = env.RELAIS_CONFIG ?? (existsSync("relais.config.json") ? "relais.config.json" : undefined);
  let fromFile: Record<string, unknown> = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new ConfigError(`${file}: ${(e as Error).message}`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== "") fromEnv[key] = env[name];
  if (env.RELAIS_ENGINE !== undefined) fromEnv.engine = !/^(0|false|off|no)$/i.test(env.RELAIS_ENGINE);
  if (env.RELAIS_DEMO !== undefined) fromEnv.demo = !/^(0|false|off|no)$/i.test(env.RELAIS_DEMO);
  if (env.RELAIS_TRUST_PROXY) fromEnv.trustProxy = trustProxyFromEnv(env.RELAIS_TRUST_PROXY.trim());
  const parsed = ServeConfig.safeParse({ ...fromFile, ...fromEnv, ...overrides });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`).join("; "));
  }
  return parsed.data;
}

/** The 32-byte server key: from RELAIS_SECRET, else read (or created, mode 0600) at `<dataDir>/secret.key`. */
export function serverSecret(config: ServeConfig): Buffer {
  if (config.secret) return createHash("sha256").update(config.secret).digest();
  const file = join(config.dataDir, "secret.key");
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
  }
  return createHash("sha256").update(readFileSync(file, "utf8").trim()).digest();
}
