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

  /** Up to `limit` items matching `keep`, newest first. */
  newest(limit: number, keep: (item: T) => boolean = () => true): T[] {
    const out: T[] = [];
    for (let i = 1; i <= this.count && out.length < limit; i += 1) {
      const item = this.items[(this.next - i + this.capacity) % this.capacity] as T;
      if (keep(item)) out.push(item);
    }
    return out;
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
