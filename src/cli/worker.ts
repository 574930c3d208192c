import { LinkSigner } from "../channels/links.js";
import { attachSmsInbound } from "../channels/sms/inbound.js";
import { buildTransports } from "../channels/transports.js";
import { DirectoryDb } from "../store/directory/directory-db.js";
import { SystemClock } from "../engine/clock.js";
import { Engine } from "../engine/engine.js";
import { EngineLoop } from "../server/engine-loop.js";
import { openStore, type StoreSettings } from "../store/open-store.js";
import { Uploader } from "../exports/uploader.js";

/** The fallback poll when the store wakes the worker (PostgreSQL LISTEN/NOTIFY), and when it cannot. */
export const LISTENING_IDLE_MS = 5000;
export const POLLING_IDLE_MS = 1000;

export interface WorkerOptions {
  /**
   * Longest sleep between two ticks, in ms: new work from other processes is seen this fast when
   * nothing wakes the worker. Default: 5 s on a store that wakes workers (PostgreSQL), else 1 s.
   */
  idleMs?: number;
  /** Public URL of the API servers, for the links in messages (RELAIS_BASE_URL; default http://127.0.0.1:3000). */
  baseUrl?: string;
  /** The server key (signs the links in messages); see serverSecret. */
  secret: Buffer;
  log: (line: string) => void;
}

/**
 * `relais worker`: the engine on the wall clock over the configured store, without the HTTP
 * API. SIGTERM/SIGINT let the batch in flight finish, then the store is closed: nothing is lost.
 */
export async function runWorker(settings: StoreSettings, options: WorkerOptions): Promise<void> {
  const { store, description } = openStore(settings);
  await store.migrate();
  const clock = new SystemClock();
  const links = new LinkSigner(options.secret, options.baseUrl ?? "http://127.0.0.1:3000");
  const transport = buildTransports({ env: process.env, store, secret: options.secret, links, log: options.log });
  const engine = new Engine({ store, clock, transport, links });
  const listen = store.subscribeWake !== undefined;
  const idleMs = options.idleMs ?? (listen ? LISTENING_IDLE_MS : POLLING_IDLE_MS);
  const loop = new EngineLoop(engine, clock, { idleMs, listen, log: (l) => options.log(`relais worker: ${l}`) });
  // With SMPP, the worker keeps its bind and answers STOP messages the SMSC delivers to it.
  attachSmsInbound(transport, { engine, db: new DirectoryDb(store), now: () => clock.now(), wake: () => loop.wake() });
  // Export and postal files go to their SFTP destinations (docs/exports.md); several workers never take the same file.
  const uploader = new Uploader({ store, db: new DirectoryDb(store), secret: options.secret, now: () => clock.now(), log: options.log });
  const finished = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      options.log(`relais worker: ${signal}, finishing the batch in flight`);
      void Promise.all([loop.stop(), uploader.stop()]).then(() => resolve());
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
  options.log(`relais worker: moving contacts on ${description} (${listen ? `woken by LISTEN/NOTIFY, polling every ${idleMs} ms as a fallback` : `polling every ${idleMs} ms`})`);
  loop.start();
  uploader.start();
  try {
    await finished;
  } finally {
    transport.close();
    await store.close();
    options.log("relais worker: stopped");
  }
}
