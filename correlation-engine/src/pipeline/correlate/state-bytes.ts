// Byte estimates for the correlator's state, read by the memory budget (Correlator.approxBytes).
//
// They are estimates of V8 heap bytes on a 64-bit Node with pointer compression (its default):
// an object costs a 12-byte header plus 4 bytes per field, an array 16 bytes plus 4 per slot, a
// string a 16-byte header plus one byte per character (log text is almost always one-byte;
// two-byte strings are undercounted by half). Strings a structure refers to are counted with it
// even when another structure shares them (a trace id shared by a span and its window), so the
// estimate leans high, the safe side for a budget. Each figure is added when a structure is made
// and subtracted when it is let go, so reading the total is O(1).

const HEADER = 12;
const FIELD = 4;
/** One entry of a Map or Set, with the slack of its hash table (about half empty on average). */
const MAP_ENTRY = 24;

/** A string of this length. */
export const stringBytes = (s: string | undefined): number => (s === undefined ? 0 : 16 + s.length);

/** An open window: its object (17 fields), its entry in the open-window map and its queue slot. */
export const WINDOW_BYTES = HEADER + 17 * FIELD + MAP_ENTRY + FIELD;

/** A span summary object (8 fields) without its strings. */
export const SPAN_SUMMARY_BYTES = HEADER + 8 * FIELD;

/** A log summary object (6 fields) without its strings; also the second summary of a log waiting under two values. */
export const LOG_SUMMARY_BYTES = HEADER + 6 * FIELD;

/** One more slot in a detail list, or the list itself when a second item makes one. */
export const LIST_SLOT_BYTES = FIELD;
export const LIST_BYTES = 16 + 2 * FIELD;

/** A Set made when a second distinct value arrives (services, key values), and each further value. */
export const SET_BYTES = HEADER + 3 * FIELD + 16 + 4 * MAP_ENTRY;
export const SET_ENTRY_BYTES = MAP_ENTRY;

/** Per-key value slots, made when a second record brings a new value. */
export const KEY_SLOTS_BYTES = 16 + 5 * FIELD;

/** A window's node in a key value's list (4 fields). */
export const KEY_NODE_BYTES = HEADER + 4 * FIELD;

/** A key value's entry (11 fields), its shared linkedBy object and its slot in the index map, without the value string. */
export const KEY_ENTRY_BYTES = HEADER + 11 * FIELD + HEADER + 2 * FIELD + MAP_ENTRY;

/** A recently closed window remembered by a key value: the object, its boxed end time, the ring slot. */
export const CLOSED_RECORD_BYTES = HEADER + 2 * FIELD + HEADER + 8 + FIELD;

/**
 * A waiting trace-less log: its entry (3 fields), its summary (6 fields), its buffer slot and one
 * list slot; the windows it joins share the summary and count only their list slot for it.
 */
export const WAITING_LOG_BYTES = HEADER + 3 * FIELD + HEADER + 6 * FIELD + FIELD + FIELD;
