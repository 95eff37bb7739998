/**
 * A bounded map that forgets its least recently used entry beyond `maxEntries` and any entry
 * older than `maxAgeMs`. `generation` guards against a fill racing an invalidation: a value read
 * before an invalidation is not stored after it.
 */
export class LruCache<V> {
  private readonly entries = new Map<string, { value: V; storedAt: number }>();
  private generationCount = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Take it before reading what will be stored, hand it to `set`. */
  get generation(): number {
    return this.generationCount;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      return undefined;
    }
    if (this.now() - entry.storedAt >= this.maxAgeMs) {
      this.entries.delete(key);
      return undefined;
    }
    // Map keeps insertion order: re-inserting makes it the most recently used
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores unless something was invalidated since `generation` was taken. */
  set(key: string, value: V, generation: number): void {
    if (this.maxEntries === 0 || generation !== this.generationCount) {
      return;
    }
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: this.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) {
        break;
      }
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.generationCount++;
    this.entries.delete(key);
  }

  /** Drops every entry the predicate matches (invalidations are rare; the scan is bounded by maxEntries). */
  deleteWhere(predicate: (value: V, key: string) => boolean): void {
    this.generationCount++;
    for (const [key, entry] of this.entries) {
      if (predicate(entry.value, key)) {
        this.entries.delete(key);
      }
    }
  }

  clear(): void {
    this.generationCount++;
    this.entries.clear();
  }
}
