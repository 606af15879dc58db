// A ring of the most recent items, read newest first, bounded by count and by bytes. Backs
// GET /api/logs and GET /api/correlations: memory stays bounded however much traffic passes
// through and however large each item is. An item's size is computed once, when it is pushed.
export class RecentBuffer<T> {
  readonly capacity: number;
  private readonly items: (T | undefined)[];
  private readonly sizes: Float64Array;
  private readonly sizeOf: (item: T) => number;
  private maxBytes: number;
  private next = 0;
  private count = 0;
  private heldBytes = 0;
  /** Items ever pushed: item number `seq` sits at `seq % capacity` while it is kept. */
  private pushed = 0;

  constructor(capacity: number, maxBytes = Number.POSITIVE_INFINITY, sizeOf: (item: T) => number = () => 0) {
    this.capacity = capacity;
    this.items = new Array<T | undefined>(capacity);
    this.sizes = new Float64Array(capacity);
    this.maxBytes = maxBytes;
    this.sizeOf = sizeOf;
  }

  get size(): number {
    return this.count;
  }

  /** Estimated bytes of the items held. */
  get bytes(): number {
    return this.heldBytes;
  }

  get byteLimit(): number {
    return this.maxBytes;
  }

  /**
   * Adds an item, dropping the oldest ones it pushes past either bound. Returns false, keeping
   * nothing, when the item alone is larger than the byte bound.
   */
  push(item: T): boolean {
    const bytes = this.sizeOf(item);
    if (bytes > this.maxBytes) return false;
    if (this.count === this.capacity) this.dropOldest();
    while (this.count > 0 && this.heldBytes + bytes > this.maxBytes) this.dropOldest();
    this.items[this.next] = item;
    this.sizes[this.next] = bytes;
    this.heldBytes += bytes;
    this.next = (this.next + 1) % this.capacity;
    this.count += 1;
    this.pushed += 1;
    return true;
  }

  /** Sets the byte bound; returns how many of the oldest items it dropped to fit. */
  setByteLimit(maxBytes: number): number {
    this.maxBytes = maxBytes;
    let dropped = 0;
    while (this.count > 0 && this.heldBytes > maxBytes) {
      this.dropOldest();
      dropped += 1;
    }
    return dropped;
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

  private dropOldest(): void {
    const at = (this.next - this.count + this.capacity) % this.capacity;
    this.heldBytes -= this.sizes[at] as number;
    this.items[at] = undefined;
    this.sizes[at] = 0;
    this.count -= 1;
    // Float sums drift; an empty buffer holds nothing.
    if (this.count === 0) this.heldBytes = 0;
  }
}
