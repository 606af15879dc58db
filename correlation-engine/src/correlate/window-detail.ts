// A window's detail lists (its spans and logs, in arrival order), packed: the fields of every
// record in one flat array per window and their times unboxed in a second, number-only array.
//
// Why: as objects, every span and log summary of an open window cost an object header, a list
// slot and a 16-byte box per millisecond time (a time is never a small integer), for a few
// pointers of content; for a window of a few spans and logs that overhead outweighed its strings.
// Packed, a record costs its fields and 8 bytes per time. The summaries are rebuilt, with the
// same fields in the same order, once, when the event is built.
//
// Most windows hold one span: that one stays a plain summary (one object is smaller than two
// arrays) and is packed when a second record arrives.
//
// Layout of `records`, record after record, each opening with a number (a small integer, no box)
// that says what it is and where its times are:
// - a span: [tag, spanId?, parentSpanId?, name, service, keys?], tag = timesAt * 64 + form * 4 +
//   status: times[timesAt] is its start, times[timesAt + 1] its duration, status its position in
//   SPAN_STATUSES; `form` says which slots are there: the id only when it is not kept as two
//   numbers at times[timesAt + 2] (span-ids.ts), the parent id only when it has one (a root has
//   none; the position of the span whose id it is when that was the root, else the string), the
//   keys only when they are not the window's own keys object (key-slots.ts lentKeys), which the
//   spans of a trace usually repeat: a slot each saved on most spans;
// - a log of the window's trace: [tag, service?, message, spanId?], tag = -1 - (timesAt * 64 +
//   form * 8 + severity): times[timesAt] is its time, severity its position in SEVERITIES; `form`
//   says whether the service and the span id have slots or are those of the detail's first
//   record, as a trace's logs usually are (its root's), or (span id) absent; a span id slot holds
//   the position of the root span when it is the root's id, else the string;
// - a trace-less log joined through a key: its summary itself (one slot), shared with the other
//   windows it joined.
import { type BusinessKeys, type LogSummary, type NormalizedSpan, SEVERITIES, type SpanStatus, type SpanSummary } from '../model/types.js';
import { lentKeys } from './key-slots.js';
import { EXACT_UP_TO } from './one-or-many.js';
import { hexHalf, idOf, isIdOf, packsAsNumbers } from './span-ids.js';
import type { Window } from './state.js';
import {
  LIST_SLOT_BYTES,
  LOG_SUMMARY_BYTES,
  PACKED_ARRAY_BYTES,
  packedLogBytes,
  packedSpanBytes,
  SPAN_SUMMARY_BYTES,
  stringBytes,
} from './state-bytes.js';
import { severityRank } from './window-record.js';

type PackedRecords = unknown[];

/** Own-log tag bits (before the tag is negated): a service slot; the span id's form (none, the first record's, a slot). */
const LOG_SERVICE = 8;
const LOG_ID_FIRST = 16;
const LOG_ID_SLOT = 32;
const LOG_TIMES_SHIFT = 6;

/** Slots of an own-log record with this (negated) tag. */
const logSlots = (code: number): number => 2 + (code & LOG_SERVICE ? 1 : 0) + (code & LOG_ID_SLOT ? 1 : 0);

// The detail's first record, whose service and span id a log's record refers to instead of
// keeping slots of its own when they are the same (the first record never changes once written).
// The first record cannot refer to one before it: a first log has a service slot.

/** The first record's service (undefined: none yet, or a trace-less log's summary). */
function firstService(d: PackedRecords | undefined): string | undefined {
  const head = d?.[0];
  if (d === undefined || typeof head !== 'number') return undefined;
  return head >= 0 ? (d[spanNameAt(head, 0) + 1] as string) : (d[1] as string);
}

/** True when the span id is the first record's. */
function isFirstSpanId(d: PackedRecords | undefined, times: number[] | undefined, id: string): boolean {
  const head = d?.[0];
  if (d === undefined || typeof head !== 'number') return false;
  if (head >= 0) return isSpanIdAt(d, times as number[], 0, id);
  return (-1 - head) & LOG_ID_SLOT ? logSpanId(d, times as number[], d[3]) === id : false;
}

/** The first record's span id, for reading the logs that refer to it. */
function firstSpanId(d: PackedRecords, times: number[]): string | undefined {
  const head = d[0];
  if (typeof head !== 'number') return undefined;
  if (head >= 0) return spanIdAt(d, times, 0);
  return (-1 - head) & LOG_ID_SLOT ? logSpanId(d, times, d[3]) : undefined;
}

/** A log's span id slot: the string, or the position of the root span whose id it is. */
const logSpanId = (d: PackedRecords, times: number[], slot: unknown): string =>
  typeof slot === 'number' ? spanIdAt(d, times, slot) : (slot as string);

/**
 * Span tag bits: a parent slot follows the id; a keys slot ends the record; the keys are the
 * window's; the id is kept as two numbers after the times (no id slot).
 */
const HAS_PARENT = 4;
const HAS_KEYS = 8;
const WINDOW_KEYS = 16;
const ID_AS_NUMBERS = 32;
const TIMES_SHIFT = 6;

/** Slots of a span record with this tag. */
const spanSlots = (tag: number): number => 3 + (tag & ID_AS_NUMBERS ? 0 : 1) + (tag & HAS_PARENT ? 1 : 0) + (tag & HAS_KEYS ? 1 : 0);

/** Times of a span record with this tag: start and duration, and the id's two halves. */
const spanTimes = (tag: number): number => (tag & ID_AS_NUMBERS ? 4 : 2);

/** Where the name slot of the span record at i is (its service follows). */
const spanNameAt = (tag: number, i: number): number => i + 1 + (tag & ID_AS_NUMBERS ? 0 : 1) + (tag & HAS_PARENT ? 1 : 0);

/** A parent slot's value: the position of the root span whose id it is, or the id. */
type ParentRef = string | number | undefined;

/** The tag of a span record (the part after its times position). */
function spanForm(w: Window, idAsNumbers: boolean, parent: ParentRef, keys: BusinessKeys | undefined, status: SpanStatus): number {
  const form =
    (idAsNumbers ? ID_AS_NUMBERS : 0) +
    (typeof parent === 'number' || parent ? HAS_PARENT : 0) +
    (keys === undefined ? 0 : keys === lentKeys(w) ? WINDOW_KEYS : HAS_KEYS);
  return form + statusCode(status);
}

/** The id of the span record at i. */
function spanIdAt(d: PackedRecords, times: number[], i: number): string {
  const tag = d[i] as number;
  if (!(tag & ID_AS_NUMBERS)) return d[i + 1] as string;
  const t = tag >> TIMES_SHIFT;
  return idOf(times[t + 2] as number, times[t + 3] as number);
}

/** True when the span record at i has this id (no string made). */
function isSpanIdAt(d: PackedRecords, times: number[], i: number, id: string): boolean {
  const tag = d[i] as number;
  if (!(tag & ID_AS_NUMBERS)) return d[i + 1] === id;
  const t = tag >> TIMES_SHIFT;
  return isIdOf(id, times[t + 2] as number, times[t + 3] as number);
}

/**
 * What a record keeps for a span id that may be the root's: the root's position when the root is
 * packed with that id, the root summary's string when it has it (one string fewer kept), else the id.
 */
function rootRef(w: Window, id: string | undefined): ParentRef {
  const r = w.root;
  if (!id || r === undefined) return id;
  if (typeof r !== 'number') return r.spanId === id ? r.spanId : id;
  return isSpanIdAt(w.detail as PackedRecords, w.times as number[], r, id) ? r : id;
}

/** The same for a summary, which holds strings only. */
function rootString(w: Window, id: string | undefined): string | undefined {
  const ref = rootRef(w, id);
  return typeof ref === 'number' ? id : ref;
}

const SPAN_STATUSES: readonly SpanStatus[] = ['UNSET', 'OK', 'ERROR'];
const statusCode = (status: SpanStatus): number => (status === 'ERROR' ? 2 : status === 'OK' ? 1 : 0);

/**
 * While a window has counted up to EXACT_UP_TO records, its packed arrays grow by exact-length
 * copies (most windows hold a few records, and growing in place leaves room for half again plus
 * 16 slots); after that they grow in place, so a busy window is not copied whole per record.
 */
const exact = (w: Window): boolean => w.spanCount + w.logCount <= EXACT_UP_TO;

/**
 * The summary of a span, one literal per shape: an object built by spreading gets room for
 * properties it never uses, and adding a property later gives it a separate property store.
 */
function spanSummaryOf(
  spanId: string,
  parentSpanId: string | undefined,
  name: string,
  service: string,
  startUnixMs: number,
  durationMs: number,
  status: SpanStatus,
  keys: BusinessKeys | undefined,
): SpanSummary {
  if (parentSpanId) {
    return keys
      ? { spanId, parentSpanId, name, service, startUnixMs, durationMs, status, keys }
      : { spanId, parentSpanId, name, service, startUnixMs, durationMs, status };
  }
  return keys
    ? { spanId, name, service, startUnixMs, durationMs, status, keys }
    : { spanId, name, service, startUnixMs, durationMs, status };
}

const durationOf = (span: NormalizedSpan): number => Math.max(0, span.endUnixMs - span.startUnixMs);

function summaryOfSpan(span: NormalizedSpan, parentSpanId: string | undefined, keys: BusinessKeys | undefined): SpanSummary {
  const { spanId, name, service, startUnixMs, status } = span;
  return spanSummaryOf(spanId, parentSpanId, name, service, startUnixMs, durationOf(span), status, keys);
}

/**
 * Makes the span the window's root without listing it (the span cap is reached); returns the
 * estimated bytes of its summary with its ids, its name excepted.
 */
export function keepRootOnly(w: Window, span: NormalizedSpan, keys: BusinessKeys | undefined): number {
  w.root = summaryOfSpan(span, rootString(w, span.parentSpanId), keys);
  return SPAN_SUMMARY_BYTES + stringBytes(span.spanId) + stringBytes(span.parentSpanId);
}

/** `list` with `k` more slots at its end (a copy of exact length while the window is small). */
function grown(w: Window, list: unknown[] | undefined, k: number): unknown[] {
  if (list === undefined) return new Array(k);
  const n = list.length;
  if (!exact(w)) {
    list.length = n + k;
    return list;
  }
  const copy = new Array(n + k);
  for (let i = 0; i < n; i++) copy[i] = list[i];
  return copy;
}

/**
 * Appends one, two or four numbers (a log's time; a span's start and duration, and its id's
 * halves); returns where they start. Not through grown(): V8 makes the arrays of one allocation
 * site with the element kind that site's arrays came to hold, and made where the records are
 * (any value), the times would be boxed again.
 */
function addTimes(w: Window, a: number, b?: number, c?: number, d?: number): number {
  const before = w.times;
  const k = b === undefined ? 1 : c === undefined ? 2 : 4;
  if (before === undefined) {
    w.times = k === 1 ? [a] : k === 2 ? [a, b as number] : [a, b as number, c as number, d as number];
    return 0;
  }
  const n = before.length;
  let times = before;
  if (!exact(w)) times.length = n + k;
  else {
    times = new Array<number>(n + k);
    for (let i = 0; i < n; i++) times[i] = before[i] as number;
  }
  times[n] = a;
  if (k > 1) times[n + 1] = b as number;
  if (k > 2) {
    times[n + 2] = c as number;
    times[n + 3] = d as number;
  }
  w.times = times;
  return n;
}

/** Appends a span's times (and its id as two numbers when it packs as such); returns where they start. */
function addSpanTimes(w: Window, idAsNumbers: boolean, spanId: string, startUnixMs: number, durationMs: number): number {
  if (!idAsNumbers) return addTimes(w, startUnixMs, durationMs);
  return addTimes(w, startUnixMs, durationMs, hexHalf(spanId, 0), hexHalf(spanId, 8));
}

/**
 * The window's records as a packed array, the lone summary packed into it first; returns the
 * change in estimated bytes (the summary object and its boxed times become slots).
 */
function packed(w: Window): number {
  const d = w.detail;
  if (d === undefined || Array.isArray(d)) return 0;
  w.detail = undefined;
  const idAsNumbers = packsAsNumbers(d.spanId);
  const at = addSpanTimes(w, idAsNumbers, d.spanId, d.startUnixMs, d.durationMs);
  const form = spanForm(w, idAsNumbers, d.parentSpanId, d.keys, d.status);
  const records = grown(w, undefined, spanSlots(form));
  writeSpan(records, 0, at, form, d, d.parentSpanId, d.keys);
  w.detail = records;
  if (w.root === d) w.root = 0;
  const idBytes = idAsNumbers ? -stringBytes(d.spanId) : 0;
  return 2 * PACKED_ARRAY_BYTES + packedSpanBytes(spanSlots(form), spanTimes(form)) - SPAN_SUMMARY_BYTES + idBytes;
}

/** Writes a span's record at i (form from spanForm): the id, name and service of `src` (a span or its summary). */
function writeSpan(
  records: unknown[],
  i: number,
  timesAt: number,
  form: number,
  src: { spanId: string; name: string; service: string },
  parent: ParentRef,
  keys: BusinessKeys | undefined,
): void {
  records[i++] = (timesAt << TIMES_SHIFT) + form;
  if (!(form & ID_AS_NUMBERS)) records[i++] = src.spanId;
  if (form & HAS_PARENT) records[i++] = parent;
  records[i++] = src.name;
  records[i++] = src.service;
  if (form & HAS_KEYS) records[i] = keys;
}

/**
 * Lists a span (the first alone, as a summary) with the keys the window keeps for it; `asRoot`
 * makes it the window's root. Returns the change in estimated bytes, with its ids as kept and
 * its name excepted.
 */
export function listSpan(w: Window, asRoot: boolean, span: NormalizedSpan, keys: BusinessKeys | undefined): number {
  if (w.detail === undefined) {
    const summary = summaryOfSpan(span, rootString(w, span.parentSpanId), keys);
    w.detail = summary;
    if (asRoot) w.root = summary;
    return SPAN_SUMMARY_BYTES + stringBytes(span.spanId) + stringBytes(span.parentSpanId);
  }
  let bytes = packed(w);
  if (w.times === undefined) bytes += PACKED_ARRAY_BYTES;
  const idAsNumbers = packsAsNumbers(span.spanId);
  const parent = rootRef(w, span.parentSpanId);
  const timesAt = addSpanTimes(w, idAsNumbers, span.spanId, span.startUnixMs, durationOf(span));
  const before = w.detail as PackedRecords;
  const at = before.length;
  const form = spanForm(w, idAsNumbers, parent, keys, span.status);
  const records = grown(w, before, spanSlots(form));
  writeSpan(records, at, timesAt, form, span, parent, keys);
  w.detail = records;
  if (asRoot) w.root = at;
  bytes += idAsNumbers ? 0 : stringBytes(span.spanId);
  if (typeof parent === 'string') bytes += stringBytes(parent);
  return bytes + packedSpanBytes(spanSlots(form), spanTimes(form));
}

/** Lists a log of the window's own trace; returns the change in estimated bytes, its message excepted. */
export function listOwnLog(
  w: Window,
  timeUnixMs: number,
  severity: LogSummary['severity'],
  service: string,
  message: string,
  spanId: string | undefined,
): number {
  const rank = severityRank(severity);
  // Not reached through the types; kept whole rather than packed with a wrong severity.
  if (rank === undefined) return listLinkedLog(w, logSummaryOf(timeUnixMs, severity, service, message, spanId)) + LOG_SUMMARY_BYTES;
  let bytes = packed(w);
  if (w.detail === undefined) bytes += PACKED_ARRAY_BYTES;
  if (w.times === undefined) bytes += PACKED_ARRAY_BYTES;
  const before = w.detail as PackedRecords | undefined;
  const idForm = !spanId ? 0 : isFirstSpanId(before, w.times, spanId) ? LOG_ID_FIRST : LOG_ID_SLOT;
  const idRef = idForm === LOG_ID_SLOT ? rootRef(w, spanId) : undefined;
  const timesAt = addTimes(w, timeUnixMs);
  const form = (service === firstService(before) ? 0 : LOG_SERVICE) + idForm;
  const code = (timesAt << LOG_TIMES_SHIFT) + form + rank;
  const slots = logSlots(code);
  let i = before === undefined ? 0 : before.length;
  const records = grown(w, before, slots);
  records[i++] = -1 - code;
  if (form & LOG_SERVICE) records[i++] = service;
  records[i++] = message;
  if (form & LOG_ID_SLOT) records[i] = idRef;
  w.detail = records;
  if (typeof idRef === 'string') bytes += stringBytes(idRef);
  return bytes + packedLogBytes(slots);
}

/** Lists a trace-less log's shared summary; returns the change in estimated bytes. */
export function listLinkedLog(w: Window, summary: LogSummary): number {
  let bytes = packed(w);
  if (w.detail === undefined) bytes += PACKED_ARRAY_BYTES;
  const at = w.detail === undefined ? 0 : (w.detail as PackedRecords).length;
  const records = grown(w, w.detail as PackedRecords | undefined, 1);
  records[at] = summary;
  w.detail = records;
  return bytes + LIST_SLOT_BYTES;
}

/** True when a span with this parent and start makes a better root than the window's: a span without a parent; among several (or none), the earliest. */
export function isBetterRoot(w: Window, parentSpanId: string | undefined, startUnixMs: number): boolean {
  const r = w.root;
  if (r === undefined) return true;
  let curRoot: boolean;
  let curStart: number;
  if (typeof r === 'number') {
    const tag = (w.detail as PackedRecords)[r] as number;
    curRoot = (tag & HAS_PARENT) === 0;
    curStart = (w.times as number[])[tag >> TIMES_SHIFT] as number;
  } else {
    curRoot = !r.parentSpanId;
    curStart = r.startUnixMs;
  }
  const candRoot = !parentSpanId;
  if (candRoot !== curRoot) return candRoot;
  return startUnixMs < curStart;
}

/** The root as a summary (rebuilt from its packed record when listed), or undefined. */
export function rootSummary(w: Window): SpanSummary | undefined {
  const r = w.root;
  return typeof r === 'number' ? spanAt(w, w.detail as PackedRecords, w.times as number[], r) : r;
}

function spanAt(w: Window, records: PackedRecords, times: number[], i: number): SpanSummary {
  const tag = records[i] as number;
  const t = tag >> TIMES_SHIFT;
  const nameAt = spanNameAt(tag, i);
  const parentSlot = tag & HAS_PARENT ? records[nameAt - 1] : undefined;
  const parent = typeof parentSlot === 'number' ? spanIdAt(records, times, parentSlot) : (parentSlot as string | undefined);
  const keys = tag & HAS_KEYS ? (records[nameAt + 2] as BusinessKeys) : tag & WINDOW_KEYS ? lentKeys(w) : undefined;
  return spanSummaryOf(
    spanIdAt(records, times, i),
    parent,
    records[nameAt] as string,
    records[nameAt + 1] as string,
    times[t] as number,
    times[t + 1] as number,
    SPAN_STATUSES[tag & 3] as SpanStatus,
    keys,
  );
}

/** A log summary, one literal per shape, as the summaries were built before packing. */
function logSummaryOf(
  timeUnixMs: number,
  severity: LogSummary['severity'],
  service: string,
  message: string,
  spanId: string | undefined,
): LogSummary {
  return spanId ? { timeUnixMs, severity, service, message, spanId } : { timeUnixMs, severity, service, message };
}

function ownLogAt(
  records: PackedRecords,
  times: number[],
  i: number,
  first: { service: string | undefined; spanId: string | undefined },
): LogSummary {
  const code = -1 - (records[i] as number);
  const severity = SEVERITIES[code & 7] as LogSummary['severity'];
  let at = i + 1;
  const service = code & LOG_SERVICE ? (records[at++] as string) : (first.service as string);
  const message = records[at++] as string;
  const spanId = code & LOG_ID_SLOT ? logSpanId(records, times, records[at]) : code & LOG_ID_FIRST ? first.spanId : undefined;
  return logSummaryOf(times[code >> LOG_TIMES_SHIFT] as number, severity, service, message, spanId);
}

/** The window's spans and logs as summaries, in arrival order. */
export function unpack(w: Window): { spans: SpanSummary[]; logs: LogSummary[] } {
  const d = w.detail;
  if (d === undefined) return { spans: [], logs: [] };
  if (!Array.isArray(d)) return { spans: [d], logs: [] };
  const times = w.times as number[];
  const first = { service: firstService(d), spanId: firstSpanId(d, times) };
  const spans: SpanSummary[] = [];
  const logs: LogSummary[] = [];
  for (let i = 0; i < d.length; ) {
    const head = d[i];
    if (typeof head !== 'number') {
      logs.push(head as LogSummary);
      i += 1;
    } else if (head >= 0) {
      spans.push(spanAt(w, d, times, i));
      i += spanSlots(head);
    } else {
      logs.push(ownLogAt(d, times, i, first));
      i += logSlots(-1 - head);
    }
  }
  return { spans, logs };
}
