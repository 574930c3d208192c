import type { Clock } from "../engine/clock.js";
import type { Engine } from "../engine/engine.js";

export interface EngineLoopOptions {
  /** Longest sleep between two ticks, in ms (work written by other processes is seen this fast). */
  idleMs: number;
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
  /** Ticks completed, for metrics. */
  ticks = 0;

  constructor(private readonly engine: Engine, private readonly clock: Clock, private readonly options: EngineLoopOptions) {}

  start(): void {
    this.done ??= this.loop();
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
      const wait = Math.max(0, Math.min(this.options.idleMs, next === null ? this.options.idleMs : next - this.clock.now()));
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
