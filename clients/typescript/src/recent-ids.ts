/**
 * The last `capacity` frame ids seen. Brokers deliver at least once and an inbox item may arrive
 * both live and from the inbox (README, "Acknowledged notifications"), so a repeat of an id is
 * dropped here; the edge's own filter forgets after Delivery:DuplicateWindow.
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
  }

  /** True the first time an id is seen, false for a repeat. */
  add(id: string): boolean {
    if (this.ids.has(id)) {
      return false;
    }

    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      // A Set iterates in insertion order: the first is the oldest.
      this.ids.delete(this.ids.values().next().value as string);
    }

    return true;
  }

  get size(): number {
    return this.ids.size;
  }
}
