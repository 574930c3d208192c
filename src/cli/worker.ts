import { CaptureTransport } from "../channels/capture-transport.js";
import { SystemClock } from "../engine/clock.js";
import { Engine } from "../engine/engine.js";
import { openStore, type StoreSettings } from "../store/open-store.js";

export interface WorkerOptions {
  /** Longest sleep between two ticks, in ms (new work from other processes is seen this fast). */
  idleMs: number;
  log: (line: string) => void;
}

/**
 * `relais worker`: the engine on the wall clock over the configured store. Each tick runs what
 * is due, then the worker sleeps until the next due instant (at most `idleMs`). SIGTERM/SIGINT
 * let the batch in flight finish, then the store is closed: nothing is lost.
 */
export async function runWorker(settings: StoreSettings, options: WorkerOptions): Promise<void> {
  const { store, description } = openStore(settings);
  await store.migrate();
  const clock = new SystemClock();
  const engine = new Engine({ store, clock, transport: new CaptureTransport(true) });
  let stopping = false;
  let wake: (() => void) | undefined;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    options.log(`relais worker: ${signal}, finishing the batch in flight`);
    wake?.();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  options.log(`relais worker: moving contacts on ${description}`);
  try {
    while (!stopping) {
      let next: number | null = null;
      try {
        await engine.tick(clock.now());
        next = await engine.nextWakeAt();
      } catch (e) {
        // The failed batch rolled back: nothing is lost, the next tick retries it. Keep going
        // through passing faults (a database restart) instead of dying.
        options.log(`relais worker: tick failed, retrying: ${(e as Error).message}`);
      }
      const wait = Math.max(0, Math.min(options.idleMs, next === null ? options.idleMs : next - clock.now()));
      if (wait > 0 && !stopping) await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    await store.close();
    options.log("relais worker: stopped");
  }
}
