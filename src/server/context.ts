import type { Clock } from "../engine/clock.js";
import type { Engine } from "../engine/engine.js";
import { Projects } from "../contacts/projects.js";
import { Accounts } from "../store/directory/accounts.js";
import { DirectoryDb } from "../store/directory/directory-db.js";
import type { Store } from "../store/store.js";
import { Metrics } from "./metrics.js";

/** Everything a route needs, built once by `relais serve` (or a test) and handed to `buildApp`. */
export interface ServerContext {
  store: Store;
  engine: Engine;
  clock: Clock;
  db: DirectoryDb;
  accounts: Accounts;
  projects: Projects;
  /** 32-byte key for secrets at rest and signed links (RELAIS_SECRET or `<data>/secret.key`). */
  secret: Buffer;
  /** Public base URL of this server (links in messages). */
  baseUrl: string;
  /** Asks the engine loop to look for due work now (after an API call made some). */
  wake: () => void;
  /** Prometheus metrics of this server (`/metrics`). */
  metrics: Metrics;
  /** When set, `/metrics` requires `Authorization: Bearer <metricsToken>` (RELAIS_METRICS_TOKEN). */
  metricsToken?: string;
}

export interface ContextOptions {
  store: Store;
  clock: Clock;
  engine: Engine;
  secret: Buffer;
  baseUrl?: string;
  wake?: () => void;
  /** The metrics the engine's `onBatch` feeds (default: a fresh set). */
  metrics?: Metrics;
  metricsToken?: string;
}

/** Wires the directory and the services around a store and an engine. */
export function createContext(o: ContextOptions): ServerContext {
  const db = new DirectoryDb(o.store);
  return {
    store: o.store, engine: o.engine, clock: o.clock, db, accounts: new Accounts(db), projects: new Projects(o.store, db),
    secret: o.secret, baseUrl: o.baseUrl ?? "http://127.0.0.1:3000", wake: o.wake ?? (() => undefined),
    metrics: o.metrics ?? new Metrics(), ...(o.metricsToken ? { metricsToken: o.metricsToken } : {}),
  };
}
