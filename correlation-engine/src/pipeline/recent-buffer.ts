// A fixed-capacity ring of the most recent items, read newest first. Backs GET /api/logs and
// GET /api/correlations: memory stays bounded however much traffic passes through.
export class RecentBuffer<T> {
  readonly capacity: number;
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;
  /** Items ever pushed: item number `seq` sits at `seq % capacity` while it is kept. */
  private pushed = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count += 1;
    this.pushed += 1;
  }

  /** The sequence number the next push gets (one past the newest item's). */
  get end(): number {
    return this.pushed;
  }

  /** Item number `seq`, or undefined once it has been pushed out (or was never pushed). */
  at(seq: number): T | undefined {
    if (seq < this.pushed - this.count || seq >= this.pushed) return undefined;
    return this.items[seq % this.capacity];
  }

  /**
   * Visits kept items newest first, starting below sequence number `before` (a cursor: a position
   * in the ring that stays valid while items are pushed), until `visit` returns false.
   */
  walkNewest(before: number, visit: (item: T, seq: number) => boolean): void {
    const oldest = this.pushed - this.count;
    for (let seq = Math.min(before, this.pushed) - 1; seq >= oldest; seq -= 1) {
      if (!visit(this.items[seq % this.capacity] as T, seq)) return;
    }
  }
}
