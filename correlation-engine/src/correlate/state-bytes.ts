// Byte estimates for the correlator's state, read by the memory budget (Correlator.approxBytes).
//
// They estimate V8 heap bytes on the official 64-bit Node builds, which do not compress pointers:
// an object costs a 24-byte header (map, properties, elements) plus 8 bytes per field, a number
// that is not a small integer (every millisecond timestamp) a 16-byte box, an array 48 bytes plus
// 8 per slot, a string a 16-byte header plus one byte per character (log text is almost always
// one-byte; two-byte strings are undercounted by half). Strings a structure refers to are counted
// with it even when another structure shares them (a trace id shared by a span and its window), so
// the estimate leans high, the safe side for a budget. Each figure is added when a structure is
// made and subtracted when it is let go, so reading the total is O(1).
import { LINKING_KEYS } from '../model/types.js';
import type { OneOrMany } from './one-or-many.js';

const HEADER = 24;
const FIELD = 8;
/** A boxed double (timestamps and fractional durations). */
const BOXED_NUMBER = 16;
/** One entry of a Map or Set (key, value, chain and bucket), with its hash table's slack. */
const MAP_ENTRY = 48;

/** A string of this length. */
export const stringBytes = (s: string | undefined): number => (s === undefined ? 0 : 16 + s.length);

/** An open window: its object (16 fields, 3 of them its first key-index node; its start is a small integer), its entry in the open-window map and its FIFO slot. */
export const WINDOW_BYTES = HEADER + 16 * FIELD + MAP_ENTRY + FIELD;

/** A span summary object (up to 8 fields, two boxed numbers) without its strings. */
export const SPAN_SUMMARY_BYTES = HEADER + 8 * FIELD + 2 * BOXED_NUMBER;

/** A log summary object (up to 6 fields, a boxed time) without its strings. */
export const LOG_SUMMARY_BYTES = HEADER + 6 * FIELD + BOXED_NUMBER;

/** One more slot in a list, or a list made when a second item arrives. */
export const LIST_SLOT_BYTES = FIELD;
export const LIST_BYTES = 48 + 2 * FIELD;

/** An empty array (its object and its store's header), as a window's packed detail starts. */
export const PACKED_ARRAY_BYTES = 48;
/** A span packed into its window's detail (window-detail.ts): its slots (3 to 6) and its unboxed numbers (2 or 4). */
export const packedSpanBytes = (slots: number, numbers: number): number => (slots + numbers) * FIELD;
/** A log of the window's trace packed into its detail: its slots (2 to 4) and an unboxed time. */
export const packedLogBytes = (slots: number): number => (slots + 1) * FIELD;

/** Bytes one append adds to a one-or-many holder: none for its first item, a list for the second, a slot after. */
export function appendBytes(before: OneOrMany<object> | undefined): number {
  return before === undefined ? 0 : Array.isArray(before) ? LIST_SLOT_BYTES : LIST_BYTES;
}

/** A Set made when a list outgrows its exact-length form, and each further value. */
export const SET_BYTES = HEADER + FIELD + 48 + 8 * MAP_ENTRY;
export const SET_ENTRY_BYTES = MAP_ENTRY;

/** Per-key value slots (and the keys object held before), made when a record brings a value the window lacks. */
export const KEY_SLOTS_BYTES = 48 + 6 * FIELD;

/** A window's node in a key value's list beyond its first (4 fields; the first is the window). */
export const KEY_NODE_BYTES = HEADER + 4 * FIELD;

/**
 * A key value's entry (12 fields), its linkedBy object (counted whether made yet or not), its slot
 * in the index map and its buckets in the key filter (4 to 16 four-byte counts per value held;
 * key-filter.ts), without the value string.
 */
export const KEY_ENTRY_BYTES = HEADER + 12 * FIELD + HEADER + 2 * FIELD + MAP_ENTRY + 16 * 4;

/** A recently closed window remembered by a key value: the object, its boxed end time, the ring slot. */
export const CLOSED_RECORD_BYTES = HEADER + 2 * FIELD + BOXED_NUMBER + FIELD;

/**
 * A value only one waiting log has, held as that log's seq in lone-values.ts: its share of the
 * table, whose 12-byte slots are kept between an eighth and a half full (four slots), without the
 * string (the ring's).
 */
export const LONE_VALUE_BYTES = 4 * 12;

/**
 * A waiting trace-less log: its ring slot in waiting-logs.ts (five numbers in typed arrays, four
 * string references, and per linking key where it waits, an entry or a lone value, and a summary reference). The
 * summaries windows list are counted as they are made (LOG_SUMMARY_BYTES each, made on the first
 * join through a value); the windows that join share them and count only their list slot.
 */
export const WAITING_LOG_BYTES = 5 * FIELD + 4 * FIELD + LINKING_KEYS.length * 2 * FIELD;
