import { Injectable } from '@nestjs/common';

interface Window {
  failures: number[];
  blockedUntil: number;
}

// Counts failures (wrong passwords, wrong client secrets), not requests: a client that succeeds is
// never slowed down. @nestjs/throttler counts every request, which is the wrong thing here.
// Per instance and in memory: with N instances an attacker gets N times the budget (documented).
@Injectable()
export class FailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly maxFailures = 10,
    private readonly windowMs = 15 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before trying again; 0 when allowed. */
  retryAfter(key: string): number {
    const w = this.windows.get(key);
    const now = this.now();
    return w && w.blockedUntil > now ? Math.ceil((w.blockedUntil - now) / 1000) : 0;
  }

  recordFailure(key: string): void {
    const now = this.now();
    const w = this.windows.get(key) ?? { failures: [], blockedUntil: 0 };
    w.failures = w.failures.filter((t) => t > now - this.windowMs);
    w.failures.push(now);
    if (w.failures.length >= this.maxFailures) {
      w.blockedUntil = now + this.windowMs;
      w.failures = [];
    }
    this.windows.set(key, w);
    if (this.windows.size > 100_000) {
      this.prune(now);
    }
  }

  private prune(now: number): void {
    for (const [key, w] of this.windows) {
      if (w.blockedUntil <= now && w.failures.every((t) => t <= now - this.windowMs)) {
        this.windows.delete(key);
      }
    }
  }
}
