// Lone values: the linking values (of one key) that exactly one waiting trace-less log carries and
// nothing else has taken, each mapped to that log's seq. Most trace-less logs carry such values (a
// resource id of their own), so at a busy orchestrator's rate this set turns over as fast as the
// waiting-log ring: an insert when the log arrives, a delete when it leaves, and a lookup for every
// value of every trace-less log and of every window taking a value.
//
// Why no entry object per lone value: most of these logs wait alone and leave unjoined, and an
// object per value would outlive a young-generation collection or two only to be promoted and
// die. Why a table of typed arrays and not the key index's Map (where lone values were numbers):
// in the Map each of those operations reads a bucket, an entry and a string spread over the heap,
// the Map's store is rebuilt as deletes pile up, and each lone value is one more entry for the
// collector; a probe here reads a few consecutive slots of two arrays, and the string is read only
// when the hashes match (from the ring, which keeps it anyway). docs/scaling.md has the measurement.
//
// Bounded against hostile values: the hash is seeded per process, a probe reads at most MAX_PROBE
// slots, and a value that finds no free slot within them goes to a Map instead (V8 seeds its
// hash too). Whatever the values, an operation costs at most MAX_PROBE slots and one Map access,
// and rebuilding the table (to grow, shrink or sweep deleted slots) is amortized over the
// operations that made it due.

/** The seq's value, or undefined when that log no longer waits alone under a value of this key. */
export type LoneValueOf = (seq: number) => string | undefined;

/** Slots one operation reads at most. */
export const MAX_PROBE = 32;
/** The table's first and least size (slots, a power of two). */
const MIN_SLOTS = 1024;
/** Slot states in `seqs` besides seq + 1. */
const EMPTY = 0;
const DELETED = -1;

const SEED = crypto.getRandomValues(new Uint32Array(1))[0] as number;

/** 32-bit FNV-1a from a per-process seed, then a finalizer so the low bits (the slot) depend on every character. */
export function seededHash(value: string): number {
  let h = SEED;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

export class LoneValues {
  /** seq + 1 of the log under each slot's value, or EMPTY / DELETED. */
  private seqs: Float64Array;
  private hashes: Int32Array;
  private mask: number;
  /** Slots holding a value, and slots DELETED (reusable, but a probe passes over them). */
  private live = 0;
  private deleted = 0;
  /** Values whose MAX_PROBE slots were all taken when they came. */
  private readonly overflow = new Map<string, number>();

  constructor(
    private readonly valueAt: LoneValueOf,
    private readonly hashOf: (value: string) => number = seededHash,
  ) {
    this.seqs = new Float64Array(MIN_SLOTS);
    this.hashes = new Int32Array(MIN_SLOTS);
    this.mask = MIN_SLOTS - 1;
  }

  /** Values held. */
  get size(): number {
    return this.live + this.overflow.size;
  }

  /** The value's hash, to pass to find, add and remove (computed once per value). */
  hash(value: string): number {
    return this.hashOf(value);
  }

  /** The seq of the log alone under `value` (hash `h`), or -1. */
  find(value: string, h: number): number {
    const at = this.slotOf(value, h);
    if (at >= 0) return (this.seqs[at] as number) - 1;
    return this.overflow.size === 0 ? -1 : (this.overflow.get(value) ?? -1);
  }

  /** find(), and the value taken out when held (in one probe): its log now waits in an entry. */
  take(value: string, h: number): number {
    const at = this.slotOf(value, h);
    if (at >= 0) {
      const seq = (this.seqs[at] as number) - 1;
      this.deleteAt(at);
      return seq;
    }
    const seq = this.overflow.size === 0 ? undefined : this.overflow.get(value);
    if (seq === undefined) return -1;
    this.overflow.delete(value);
    return seq;
  }

  /** Puts `value` (not held: find said -1) under `seq`. */
  add(value: string, h: number, seq: number): void {
    if ((this.live + this.deleted + 1) * 2 > this.seqs.length) this.rebuild(this.live + 1);
    if (!this.place(h, seq)) this.overflow.set(value, seq);
  }

  /** Takes `value` (held under `seq`) out. */
  remove(value: string, h: number, seq: number): void {
    const { seqs, mask } = this;
    for (let i = h & mask, n = 0; n < MAX_PROBE; i = (i + 1) & mask, n++) {
      const s = seqs[i] as number;
      if (s === EMPTY) break;
      if (s === seq + 1) {
        this.deleteAt(i);
        return;
      }
    }
    if (this.overflow.get(value) === seq) this.overflow.delete(value);
  }

  /** Empties the table, back to its first size. */
  clear(): void {
    this.seqs = new Float64Array(MIN_SLOTS);
    this.hashes = new Int32Array(MIN_SLOTS);
    this.mask = MIN_SLOTS - 1;
    this.live = 0;
    this.deleted = 0;
    this.overflow.clear();
  }

  /** The slot holding `value` (hash `h`) within its probe, or -1. */
  private slotOf(value: string, h: number): number {
    const { seqs, hashes, mask } = this;
    for (let i = h & mask, n = 0; n < MAX_PROBE; i = (i + 1) & mask, n++) {
      const s = seqs[i] as number;
      if (s === EMPTY) break;
      if (s !== DELETED && hashes[i] === h && this.valueAt(s - 1) === value) return i;
    }
    return -1;
  }

  /** Frees a slot; three quarters of the table free: it is given back (a burst's slots do not stay allocated for good). */
  private deleteAt(i: number): void {
    this.seqs[i] = DELETED;
    this.live -= 1;
    this.deleted += 1;
    if (this.seqs.length > MIN_SLOTS && this.live * 8 < this.seqs.length) this.rebuild(this.live);
  }

  /** Puts seq under hash h in the first free slot of its probe, false when there is none. */
  private place(h: number, seq: number): boolean {
    const { seqs, mask } = this;
    for (let i = h & mask, n = 0; n < MAX_PROBE; i = (i + 1) & mask, n++) {
      const s = seqs[i] as number;
      if (s !== EMPTY && s !== DELETED) continue;
      if (s === DELETED) this.deleted -= 1;
      seqs[i] = seq + 1;
      this.hashes[i] = h;
      this.live += 1;
      return true;
    }
    return false;
  }

  /**
   * A fresh table at most a quarter full with `count` values, without DELETED slots, every value
   * put back (and those in the overflow tried again). O(slots), after at least a quarter of them
   * were added or deleted since the last rebuild.
   */
  private rebuild(count: number): void {
    let size = MIN_SLOTS;
    while (size < count * 4) size *= 2;
    const seqs = this.seqs;
    const hashes = this.hashes;
    this.seqs = new Float64Array(size);
    this.hashes = new Int32Array(size);
    this.mask = size - 1;
    this.live = 0;
    this.deleted = 0;
    for (let i = 0; i < seqs.length; i++) {
      const s = seqs[i] as number;
      if (s === EMPTY || s === DELETED) continue;
      if (!this.place(hashes[i] as number, s - 1)) {
        const value = this.valueAt(s - 1);
        if (value !== undefined) this.overflow.set(value, s - 1);
      }
    }
    for (const [value, seq] of this.overflow) {
      if (this.place(this.hashOf(value), seq)) this.overflow.delete(value);
    }
  }
}
