// The shapes of the correlator's state: open windows, the key index, waiting trace-less logs.
//
// Memory: up to CORR_MAX_OPEN_WINDOWS (and 1M in the benchmark) windows live at once, and most
// hold one or a few records, so a Window allocates only what it uses: one service or key value is
// kept as a plain string (a list or Set only from the second distinct one), the detail is created
// on first use and packed into two flat arrays (window-detail.ts), and the root is a record of it,
// not the whole decoded span. Every live object is also marked by each major GC, which with a
// million open windows stalled ingest for seconds; so a one-span window also has no detail arrays
// (its one summary stands in for them) and no key array (it shares the span's keys object), and
// the close time is computed, not stored.
// A window keeps no list of related traces: they are read
// from the key index when it closes (key-index.ts), so a window sharing its key with thousands of
// others costs what a window alone costs.
import type { BusinessKey, BusinessKeys, SpanSummary } from '../model/types.js';
import type { OneOrMany } from './one-or-many.js';

/**
 * A window is also the node of its first key-index list (KeyNode's fields): one object fewer per
 * window for the one linking value most windows carry. Further lists get a LinkNode each.
 */
export interface Window extends KeyNode {
  traceId: string;
  /**
   * When it opened, in ms after its correlator's epoch (Correlator.startOf adds it back): a small
   * integer, kept in the object, for 24 days after the correlator starts, where a millisecond
   * timestamp would be a 16-byte box of its own. Later it is boxed, and as exact.
   */
  opened: number;
  /** Continuation, cap flags, highest severity and linked-log count in one number (window-flags.ts). */
  flags: number;
  /**
   * One service as itself, a few in an exact-length array, many in a Set; kept only from the first
   * record a cap leaves out of the detail, which lists them until then (window-services.ts).
   */
  services: string | string[] | Set<string> | undefined;
  spanCount: number;
  logCount: number;
  errorCount: number;
  /**
   * Values per business key: while every record gave the same ones, the first record's own keys
   * object (shared; only its linking values are written, with equal strings of the key index);
   * once a record brings a new value, slots indexed like BUSINESS_KEYS.
   */
  keys: KeySlots | BusinessKeys | undefined;
  /**
   * The root span: where its record starts in the packed detail, or its summary (the window's
   * only span, or a root the span cap kept out of the detail).
   */
  root: SpanSummary | number | undefined;
  /** The listed spans and logs (window-detail.ts): the only span as its summary, or packed records. */
  detail: SpanSummary | unknown[] | undefined;
  /** The times of the packed records, unboxed (window-detail.ts). */
  times: number[] | undefined;
  /**
   * Its place in the lists of the key index beyond the first (the window itself is that node), to
   * leave them in O(1) at close (key-index.ts nodesOf).
   */
  nodes: OneOrMany<LinkNode> | undefined;
  /** Estimated bytes of this window's state (state-bytes.ts), subtracted in one step at close. */
  bytes: number;
}

/**
 * Distinct values per business key, indexed like BUSINESS_KEYS: one as a string, more as a list;
 * then the keys object the window held before (key-slots.ts lentKeys).
 */
export type KeySlots = (string | string[] | BusinessKeys | undefined)[];

/**
 * A window's membership in one linking value: a node of that value's doubly linked list of open
 * windows, in the order they first carried the value. Joining and leaving are O(1) whatever the
 * list's length, and walking from either end or from a node visits only what it takes. The node
 * is the window itself for its first list, a LinkNode for the others (key-index.ts windowOf).
 */
export interface KeyNode {
  /** The list it is in (undefined: a window in none yet). */
  entry: KeyEntry | undefined;
  prev: KeyNode | undefined;
  next: KeyNode | undefined;
}

/** A window's node in a list beyond its first. */
export interface LinkNode extends KeyNode {
  w: Window;
  entry: KeyEntry;
}

/** A window of this value that closed while others were still open: they may list it as related. */
export interface ClosedRecord {
  traceId: string;
  endMs: number;
}

/**
 * Everything known under one linking-key value: the open windows that carry it, the trace-less
 * logs waiting for it, and the last few windows of it that closed. One entry for all means a
 * trace-less log costs one map lookup per key (and a probe of the lone values when it finds none).
 */
export interface KeyEntry {
  /** Position of the key in LINKING_KEYS (which index holds this entry). */
  slot: number;
  value: string;
  /** Oldest and newest open window carrying the value, and how many. */
  head: KeyNode | undefined;
  tail: KeyNode | undefined;
  windowCount: number;
  /**
   * The newest trace-less log waiting under the value (its seq in waiting-logs.ts; the ones
   * before it are chained there), valid while `waitingCount` > 0, and how many wait.
   */
  waitingNewest: number;
  waitingCount: number;
  /** A ring of recently closed windows, newest at `closedNext - 1`; made only when needed. */
  closed: ClosedRecord[] | undefined;
  closedNext: number;
  /** What a log joining through this value records as `linkedBy` (one object shared by all; made on first use). */
  linkedBy: { key: BusinessKey; value: string } | undefined;
  /** Which estimate carries this entry's bytes: the windows' (true) or the waiting logs' (false). */
  chargedToWindows: boolean;
  /** The value's seeded hash (lone-values.ts), to take it out of the key filter (key-filter.ts). */
  hash: number;
}

/** An entry under a value with nothing under it yet (every field set: one object shape for all). */
export function newKeyEntry(slot: number, value: string, chargedToWindows: boolean, hash: number): KeyEntry {
  return {
    slot,
    value,
    head: undefined,
    tail: undefined,
    windowCount: 0,
    waitingNewest: -1,
    waitingCount: 0,
    closed: undefined,
    closedNext: 0,
    linkedBy: undefined,
    chargedToWindows,
    hash,
  };
}
