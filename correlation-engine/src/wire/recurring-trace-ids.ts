// Trace ids that recur from record to record (a trace's logs and spans arrive together, batch
// after batch), turned into their hex text once and handed out again while the same 16 bytes
// keep arriving.
//
// Why: each hex conversion is a call into Node's native encoder and a new 32-character string;
// the correlator then looks that string up in its open windows, and V8 hashes a fresh string
// before the lookup, while a string it has hashed once keeps its hash. A cached id is one string
// object, already hashed by its first lookup, and nothing is allocated for it again.
//
// Bounded whatever arrives: a fixed number of slots, each the id's four 32-bit words and its text;
// a new id replaces the slot's old one (direct mapped, no eviction list). Ids that collide or never
// repeat (one trace per record, a crafted flood) only miss: four reads, a multiply and four stores
// on top of the conversion they needed anyway.

const SLOT_BITS = 10;
const SLOTS = 1 << SLOT_BITS;
/** Bytes of a trace id (W3C / OTLP). */
export const TRACE_ID_BYTES = 16;

/** A Buffer: Node's hex encoder of a range of it (proto-reader.ts says why that one). */
export interface HexSliceable {
  hexSlice(start: number, end: number): string;
}

export class RecurringTraceIds {
  /** Each slot's id as four little-endian 32-bit words. */
  private readonly words = new Int32Array(SLOTS * 4);
  private readonly ids: (string | undefined)[] = new Array(SLOTS).fill(undefined);

  /**
   * Lowercase hex of the 16 bytes at `start` of `buf`, whose words (little-endian, as read by the
   * caller) are w0..w3: the string cached for these bytes when they came before and still hold
   * their slot, else a conversion, kept for next time.
   */
  get(buf: HexSliceable, start: number, w0: number, w1: number, w2: number, w3: number): string {
    // Fibonacci hashing of the words' xor: the top bits depend on every bit of the id, so ids
    // that differ only in one byte (counters, test ids) still spread over the slots.
    const slot = Math.imul(w0 ^ w1 ^ w2 ^ w3, 0x9e3779b1) >>> (32 - SLOT_BITS);
    const at = slot * 4;
    const words = this.words;
    const cached = this.ids[slot];
    if (cached !== undefined && words[at] === w0 && words[at + 1] === w1 && words[at + 2] === w2 && words[at + 3] === w3) {
      return cached;
    }
    const fresh = buf.hexSlice(start, start + TRACE_ID_BYTES);
    words[at] = w0;
    words[at + 1] = w1;
    words[at + 2] = w2;
    words[at + 3] = w3;
    this.ids[slot] = fresh;
    return fresh;
  }
}
