interface Waiter {
  shared: boolean;
  admit: () => void;
}

/**
 * A first-in, first-out readers-writer lock. On SQLite the platform has one connection; every
 * transaction holds the gate alone for its whole duration, so no other request's statement can land
 * inside it and roll back with it (or read what it has not committed). Gated reads share it with
 * each other: they never run inside a transaction, but need not wait for one another. A waiting
 * transaction holds back the reads that come after it, so a steady stream of reads never starves it.
 */
export class ConnectionGate {
  private readers = 0;
  private writer = false;
  private readonly queue: Waiter[] = [];

  /** Runs `work` alone, once every earlier holder has released the gate. */
  hold<T>(work: () => Promise<T>): Promise<T> {
    return this.enter(false, work);
  }

  /** Runs `work` beside other shared holders, once no transaction holds the gate or waits before it. */
  holdShared<T>(work: () => Promise<T>): Promise<T> {
    return this.enter(true, work);
  }

  /** True while someone holds the gate (for diagnostics and tests). */
  get busy(): boolean {
    return this.writer || this.readers > 0;
  }

  private async enter<T>(shared: boolean, work: () => Promise<T>): Promise<T> {
    if (this.queue.length === 0 && this.admits(shared)) {
      this.take(shared);
    } else {
      await new Promise<void>((admit) => this.queue.push({ shared, admit }));
    }
    try {
      return await work();
    } finally {
      if (shared) {
        this.readers -= 1;
      } else {
        this.writer = false;
      }
      this.admitWaiting();
    }
  }

  private admits(shared: boolean): boolean {
    return !this.writer && (shared || this.readers === 0);
  }

  private take(shared: boolean): void {
    if (shared) {
      this.readers += 1;
    } else {
      this.writer = true;
    }
  }

  private admitWaiting(): void {
    while (this.queue.length > 0 && this.admits(this.queue[0].shared)) {
      const next = this.queue.shift()!;
      this.take(next.shared);
      next.admit();
    }
  }
}
