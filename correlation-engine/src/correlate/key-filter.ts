// A count per hash bucket of the values the key index's Map holds (one filter per linking key), so
// that looking up a value the Map does not hold, as most trace-less logs' values are, usually ends
// here. Why: every such value is a string the decoder has just made, and the Map's lookup first
// has V8 hash it (its hash is not cached yet) and then reads a bucket and the entries chained
// there, each spread over the heap; a bucket here is one read of a typed array, with the hash the
// lone values compute anyway (lone-values.ts). A count of 0 is a sure "not held"; anything else
// sends the lookup on to the Map, so a filter that says "maybe" too often only costs what the
// lookup cost before.
//
// Bounded: 4 to 16 buckets per value held (the table doubles as values come and halves as they
// go, each rebuild O(values) after as many changes), whatever the values; values that share
// buckets (crafted or not) make the filter answer "maybe", never wrong.

const MIN_BUCKETS = 1024;

export class KeyFilter {
  private counts = new Int32Array(MIN_BUCKETS);
  private mask = MIN_BUCKETS - 1;
  private held = 0;

  /** `hashes()` lists the hash of every value held (the Map's entries'), for a rebuild. */
  constructor(private readonly hashes: () => Iterable<number>) {}

  /** False when no value with hash `h` is held. */
  mayHold(h: number): boolean {
    return this.counts[h & this.mask] !== 0;
  }

  /** A value with hash `h` is now held (call after the Map has it). */
  add(h: number): void {
    this.held += 1;
    if (this.held * 4 > this.counts.length) this.rebuild();
    else (this.counts[h & this.mask] as number) += 1;
  }

  /** A value with hash `h` is no longer held (call after the Map dropped it). */
  remove(h: number): void {
    this.held -= 1;
    if (this.counts.length > MIN_BUCKETS && this.held * 16 < this.counts.length) this.rebuild();
    else (this.counts[h & this.mask] as number) -= 1;
  }

  /** Holds nothing, back to its first size. */
  clear(): void {
    this.counts = new Int32Array(MIN_BUCKETS);
    this.mask = MIN_BUCKETS - 1;
    this.held = 0;
  }

  /** Counts afresh from the values held, at four buckets or more per value. */
  private rebuild(): void {
    let size = MIN_BUCKETS;
    while (size < this.held * 8) size *= 2;
    const counts = new Int32Array(size);
    const mask = size - 1;
    for (const h of this.hashes()) (counts[h & mask] as number) += 1;
    this.counts = counts;
    this.mask = mask;
  }
}
