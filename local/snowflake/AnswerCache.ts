/**
 * A bounded least-recently-used map from the driver's `requestId` to the answer it got. The driver
 * re-sends a query with the same `requestId` when an answer is lost or refused, so a re-sent query
 * must get the stored answer rather than run twice. An answer still being computed is shared.
 */
export class AnswerCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(private readonly capacity = 1000) {}

  /** The stored (or pending) answer for `key`, refreshed as most recently used. */
  get(key: string): Promise<T> | undefined {
    const found = this.entries.get(key);
    if (found) {
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found;
  }

  set(key: string, answer: Promise<T>): void {
    this.entries.delete(key);
    this.entries.set(key, answer);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
