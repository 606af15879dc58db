// Short strings that recur in nearly every record of a batch (attribute keys, severity texts),
// decoded once and handed out again while the same bytes keep arriving.
//
// Why: each decode is a call into Node's native UTF-8 decoder and a new string; an attribute key
// then costs one more lookup in V8's string table each time it names a property (the builder's
// attribute and business-key objects), because a freshly decoded string is not internalized. A
// cached key is the internalized string itself, so those stores find it at once; a hit costs a hash
// and a comparison of a few bytes.
//
// Bounded whatever arrives: a fixed number of slots, each holding at most MAX_BYTES bytes and the
// string of them; a new string replaces the slot's old one (direct mapped, no eviction list). Bytes
// that collide or never repeat (every record with keys of its own, a crafted flood) only miss: a
// hash of at most MAX_BYTES bytes and a copy of them on top of the decode they needed anyway.

/** Strings longer than this (in bytes) are not kept: keys and severities are short; text is not. */
export const MAX_BYTES = 48;
const SLOT_BITS = 10;
const SLOTS = 1 << SLOT_BITS;

/** A Buffer: its bytes, and Node's UTF-8 decoder of a range of them (proto-reader.ts says why that one). */
export interface Utf8Sliceable extends Uint8Array {
  utf8Slice(start: number, end: number): string;
}

export class RecurringStrings {
  private readonly bytes = new Uint8Array(SLOTS * MAX_BYTES);
  /** Byte length + 1 of each slot's string; 0 = empty. */
  private readonly lengths = new Uint8Array(SLOTS);
  private readonly strings: (string | undefined)[] = new Array(SLOTS).fill(undefined);

  /**
   * `buf[start, end)` decoded as UTF-8: the string cached for these bytes when they came before and
   * still hold their slot, else a decode, kept for next time when short enough.
   */
  get(buf: Utf8Sliceable, start: number, end: number): string {
    const n = end - start;
    if (n > MAX_BYTES) return buf.utf8Slice(start, end);
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
    const slot = (h ^ (h >>> SLOT_BITS) ^ (h >>> 20)) & (SLOTS - 1);
    const base = slot * MAX_BYTES;
    const cached = this.strings[slot];
    const kept = this.bytes;
    if (cached !== undefined && this.lengths[slot] === n + 1) {
      let i = 0;
      while (i < n && kept[base + i] === buf[start + i]) i++;
      if (i === n) return cached;
    }
    const fresh = internalized(buf.utf8Slice(start, end));
    // A loop, not set(subarray()): a Buffer's subarray is a new view object on every miss.
    for (let i = 0; i < n; i++) kept[base + i] = buf[start + i] as number;
    this.lengths[slot] = n + 1;
    this.strings[slot] = fresh;
    return fresh;
  }
}

/**
 * The internalized string equal to `s`: a property name comes back from Object.keys as the string
 * V8 keeps in its string table, so later property stores with it skip the table lookup.
 */
function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0] as string;
}
