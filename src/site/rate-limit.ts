/**
 * Fixed-window request counters, in this process's memory (a restart or a second server starts
 * them afresh: they bound abuse, they are not an account). Time comes from the caller's clock.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(readonly limit: number, readonly windowMs: number, private readonly maxKeys = 100_000) {}

  /** Counts one request for `key`; undefined when allowed, else the seconds until the window ends. */
  hit(key: string, now: number): number | undefined {
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (!w && this.windows.size >= this.maxKeys) this.prune(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    if (w.count <= this.limit) return undefined;
    return Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
    // Still full (a flood of distinct keys): forget the oldest rather than grow without bound.
    if (this.windows.size >= this.maxKeys) for (const k of [...this.windows.keys()].slice(0, this.maxKeys / 10)) this.windows.delete(k);
  }
}
