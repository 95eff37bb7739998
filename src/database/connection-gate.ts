/**
 * A first-in, first-out mutex. On SQLite the platform has one connection; every transaction (and
 * every gated read) holds the gate for its whole duration, so no other request's statement can land
 * inside it and roll back with it.
 */
export class ConnectionGate {
  private tail: Promise<void> = Promise.resolve();
  private holders = 0;

  /** Runs `work` once every earlier holder has released the gate. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.holders += 1;
    try {
      return await work();
    } finally {
      this.holders -= 1;
      release();
    }
  }

  /** True while someone holds the gate (for diagnostics and tests). */
  get busy(): boolean {
    return this.holders > 0;
  }
}
