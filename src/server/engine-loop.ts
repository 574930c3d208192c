import type { Clock } from "../engine/clock.js";
import type { Engine } from "../engine/engine.js";

export interface EngineLoopOptions {
  /** Longest sleep between two ticks, in ms (work written by other processes is seen this fast when nothing wakes the loop). */
  idleMs: number;
  /**
   * Listen for the wake-ups of other processes when the store offers them (`Store.subscribeWake`,
   * PostgreSQL LISTEN/NOTIFY): work they add starts at once, and `idleMs` is only the fallback poll.
   */
  listen?: boolean;
  /**
   * Pause after a tick that left work due (held by another worker, or new) before looking again,
   * unless woken first; default 100 ms. Keeps a worker from spinning while another moves a batch.
   */
  busyMs?: number;
  log: (line: string) => void;
}

/**
 * The engine on the wall clock: each tick runs what is due, then the loop sleeps until the next
 * due instant (at most `idleMs`) or until `wake()` (an API call made work due now). `stop()`
 * lets the batch in flight finish. A failed tick rolled back; the next one retries it.
 */
export class EngineLoop {
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private done: Promise<void> | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  /** Ticks completed, for metrics. */
  ticks = 0;

  constructor(private readonly engine: Engine, private readonly clock: Clock, private readonly options: EngineLoopOptions) {}

  start(): void {
    this.done ??= this.listen().then(() => this.loop());
  }

  private async listen(): Promise<void> {
    const store = this.engine.store;
    if (!this.options.listen || !store.subscribeWake) return;
    try {
      this.unsubscribe = await store.subscribeWake(() => this.wake());
    } catch (e) {
      this.options.log(`engine: cannot listen for wake-ups, polling every ${this.options.idleMs} ms: ${(e as Error).message}`);
    }
  }

  /** Looks for due work now instead of at the end of the current sleep. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Finishes the batch in flight and returns once the loop has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.done;
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      let next: number | null = null;
      try {
        await this.engine.tick(this.clock.now());
        this.ticks++;
        next = await this.engine.nextWakeAt();
      } catch (e) {
        this.options.log(`engine: tick failed, retrying: ${(e as Error).message}`);
      }
      const due = next === null ? this.options.idleMs : next - this.clock.now();
      const wait = due <= 0 ? (this.options.busyMs ?? 100) : Math.min(this.options.idleMs, due);
      if (wait > 0 && !this.stopping && !this.woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      this.wakeUp = undefined;
    }
  }
}
