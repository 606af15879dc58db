// A fixed-capacity ring of the most recent items, read newest first. Backs GET /api/logs and
// GET /api/correlations: memory stays bounded however much traffic passes through.
export class RecentBuffer<T> {
  readonly capacity: number;
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

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
}
