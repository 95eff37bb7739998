// Requests per key in a fixed window, in memory (per instance, like FailureLimiter): the debugger
// answers whether a signature verified, so it must not be queried at will.
export class DebugRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly max = 30,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait, or 0 when this request may go ahead (and is counted). */
  take(key: string): number {
    const now = this.now();
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (this.windows.size > 10_000) {
        this.windows.clear();
      }
      this.windows.set(key, { start: now, count: 1 });
      return 0;
    }
    if (w.count >= this.max) {
      return Math.ceil((w.start + this.windowMs - now) / 1000);
    }
    w.count += 1;
    return 0;
  }
}
