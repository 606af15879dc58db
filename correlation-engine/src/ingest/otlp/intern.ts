// A small bounded cache that hands out one shared instance per distinct short string.
//
// Why: a decoded span name or service name is a fresh heap string per span, and an open
// correlation window keeps its span's name and service. With a million open windows that is a
// million copies of a few dozen distinct texts, each one more object for every major GC to mark.
// Interned, the fresh copy dies young instead.
//
// Bounded: names are low-cardinality by convention, but a sender may put ids into them; when the
// cache is full it starts over, so memory stays O(MAX_ENTRIES) and a hot set refills at once.

/** Distinct strings kept at most. */
export const MAX_INTERNED = 4096;
/** Longer strings are rarely repeated; they are returned as they are. */
export const MAX_INTERNED_LENGTH = 128;

export class StringInterner {
  private readonly seen = new Map<string, string>();
  private readonly maxEntries: number;
  private readonly maxLength: number;

  constructor(maxEntries = MAX_INTERNED, maxLength = MAX_INTERNED_LENGTH) {
    this.maxEntries = maxEntries;
    this.maxLength = maxLength;
  }

  /** An equal string; the same instance for equal inputs while they stay in the cache. */
  intern(value: string): string {
    if (value.length > this.maxLength) return value;
    const kept = this.seen.get(value);
    if (kept !== undefined) return kept;
    if (this.seen.size >= this.maxEntries) this.seen.clear();
    this.seen.set(value, value);
    return value;
  }

  /** Distinct strings held now. */
  get size(): number {
    return this.seen.size;
  }
}

/** Span and service names of every decoded OTLP request share this one. */
export const names = new StringInterner();
