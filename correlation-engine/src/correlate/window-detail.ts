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
// - a span: [tag, spanId, parentSpanId?, name, service, keys?], tag = timesAt * 32 + form * 4 +
//   status: times[timesAt] is its start, times[timesAt + 1] its duration, status its position in
//   SPAN_STATUSES; `form` says which slots are there: the parent id only when it has one (a root
//   has none), the keys only when they are not the window's own keys object (key-slots.ts
//   lentKeys), which the spans of a trace usually repeat: a slot each saved on most spans;
// - a log of the window's trace: [tag, service?, message, spanId?], tag = -1 - (timesAt * 64 +
//   form * 8 + severity): times[timesAt] is its time, severity its position in SEVERITIES; `form`
//   says whether the service and the span id have slots or are those of the detail's first
//   record (firstIds), as a trace's logs usually are (its root's), or (span id) absent;
// - a trace-less log joined through a key: its summary itself (one slot), shared with the other
//   windows it joined.
import { type BusinessKeys, type LogSummary, type NormalizedSpan, SEVERITIES, type SpanStatus, type SpanSummary } from '../model/types.js';
import { lentKeys } from './key-slots.js';
import { EXACT_UP_TO } from './one-or-many.js';
import type { Window } from './state.js';
import {
  LIST_SLOT_BYTES,
  LOG_SUMMARY_BYTES,
  PACKED_ARRAY_BYTES,
  packedLogBytes,
  packedSpanBytes,
  SPAN_SUMMARY_BYTES,
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

/**
 * The service and span id of the detail's first record, which a log's record refers to instead
 * of keeping its own slots when they are the same (the first record never changes once written).
 */
function firstIds(d: PackedRecords | undefined): { service: string | undefined; spanId: string | undefined } {
  const head = d?.[0];
  if (d === undefined || typeof head !== 'number') return { service: undefined, spanId: undefined };
  // The first record cannot refer to a record before it: its service and id have slots.
  if (head >= 0) return { service: d[3 + (head & HAS_PARENT ? 1 : 0)] as string, spanId: d[1] as string };
  const code = -1 - head;
  return { service: d[1] as string, spanId: code & LOG_ID_SLOT ? (d[3] as string) : undefined };
}

/** Span tag bits: a parent id slot follows the id; a keys slot ends the record; the keys are the window's. */
const HAS_PARENT = 4;
const HAS_KEYS = 8;
const WINDOW_KEYS = 16;
const TIMES_SHIFT = 5;

/** Slots of a span record with this tag. */
const spanSlots = (tag: number): number => 4 + (tag & HAS_PARENT ? 1 : 0) + (tag & HAS_KEYS ? 1 : 0);

/** The tag of a span record (the part after its times position). */
function spanForm(w: Window, parentSpanId: string | undefined, keys: BusinessKeys | undefined, status: SpanStatus): number {
  const form = (parentSpanId ? HAS_PARENT : 0) + (keys === undefined ? 0 : keys === lentKeys(w) ? WINDOW_KEYS : HAS_KEYS);
  return form + statusCode(status);
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
 * estimated bytes of its summary, its strings excepted.
 */
export function keepRootOnly(w: Window, span: NormalizedSpan, parentSpanId: string | undefined, keys: BusinessKeys | undefined): number {
  w.root = summaryOfSpan(span, parentSpanId, keys);
  return SPAN_SUMMARY_BYTES;
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
 * Appends a time pair or a single time; returns where it starts. Not through grown(): V8 makes
 * the arrays of one allocation site with the element kind that site's arrays came to hold, and
 * made where the records are (any value), the times would be boxed again.
 */
function addTimes(w: Window, a: number, b: number | undefined): number {
  const before = w.times;
  if (before === undefined) {
    w.times = b === undefined ? [a] : [a, b];
    return 0;
  }
  const n = before.length;
  const k = b === undefined ? 1 : 2;
  let times = before;
  if (!exact(w)) times.length = n + k;
  else {
    times = new Array<number>(n + k);
    for (let i = 0; i < n; i++) times[i] = before[i] as number;
  }
  times[n] = a;
  if (b !== undefined) times[n + 1] = b;
  w.times = times;
  return n;
}

/**
 * The window's records as a packed array, the lone summary packed into it first; returns the
 * change in estimated bytes (the summary object and its boxed times become slots).
 */
function packed(w: Window): number {
  const d = w.detail;
  if (d === undefined || Array.isArray(d)) return 0;
  w.detail = undefined;
  const at = addTimes(w, d.startUnixMs, d.durationMs);
  const form = spanForm(w, d.parentSpanId, d.keys, d.status);
  const records = grown(w, undefined, spanSlots(form));
  writeSpan(records, 0, at, form, d, d.parentSpanId, d.keys);
  w.detail = records;
  if (w.root === d) w.root = 0;
  return 2 * PACKED_ARRAY_BYTES + packedSpanBytes(spanSlots(form)) - SPAN_SUMMARY_BYTES;
}

/** Writes a span's record at i (form from spanForm): the id, name and service of `src` (a span or its summary). */
function writeSpan(
  records: unknown[],
  i: number,
  timesAt: number,
  form: number,
  src: { spanId: string; name: string; service: string },
  parentSpanId: string | undefined,
  keys: BusinessKeys | undefined,
): void {
  records[i++] = (timesAt << TIMES_SHIFT) + form;
  records[i++] = src.spanId;
  if (form & HAS_PARENT) records[i++] = parentSpanId;
  records[i++] = src.name;
  records[i++] = src.service;
  if (form & HAS_KEYS) records[i] = keys;
}

/**
 * Lists a span (the first alone, as a summary) with the parent id and keys the window keeps for
 * it; `asRoot` makes it the window's root. Returns the change in estimated bytes, its strings
 * excepted.
 */
export function listSpan(
  w: Window,
  asRoot: boolean,
  span: NormalizedSpan,
  parentSpanId: string | undefined,
  keys: BusinessKeys | undefined,
): number {
  if (w.detail === undefined) {
    const summary = summaryOfSpan(span, parentSpanId, keys);
    w.detail = summary;
    if (asRoot) w.root = summary;
    return SPAN_SUMMARY_BYTES;
  }
  let bytes = packed(w);
  if (w.times === undefined) bytes += PACKED_ARRAY_BYTES;
  const timesAt = addTimes(w, span.startUnixMs, durationOf(span));
  const before = w.detail as PackedRecords;
  const at = before.length;
  const form = spanForm(w, parentSpanId, keys, span.status);
  const records = grown(w, before, spanSlots(form));
  writeSpan(records, at, timesAt, form, span, parentSpanId, keys);
  w.detail = records;
  if (asRoot) w.root = at;
  return bytes + packedSpanBytes(spanSlots(form));
}

/** Lists a log of the window's own trace; returns the change in estimated bytes, its strings excepted. */
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
  const timesAt = addTimes(w, timeUnixMs, undefined);
  const before = w.detail as PackedRecords | undefined;
  const first = firstIds(before);
  const form =
    (service === first.service ? 0 : LOG_SERVICE) + (spanId === undefined ? 0 : spanId === first.spanId ? LOG_ID_FIRST : LOG_ID_SLOT);
  const code = (timesAt << LOG_TIMES_SHIFT) + form + rank;
  const slots = logSlots(code);
  let i = before === undefined ? 0 : before.length;
  const records = grown(w, before, slots);
  records[i++] = -1 - code;
  if (form & LOG_SERVICE) records[i++] = service;
  records[i++] = message;
  if (form & LOG_ID_SLOT) records[i] = spanId;
  w.detail = records;
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

/** The root span's id, or undefined. */
export function rootSpanId(w: Window): string | undefined {
  const r = w.root;
  return typeof r === 'number' ? ((w.detail as PackedRecords)[r + 1] as string) : r?.spanId;
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
  const parent = tag & HAS_PARENT ? 1 : 0;
  const keys = tag & HAS_KEYS ? (records[i + 4 + parent] as BusinessKeys) : tag & WINDOW_KEYS ? lentKeys(w) : undefined;
  return spanSummaryOf(
    records[i + 1] as string,
    parent ? (records[i + 2] as string) : undefined,
    records[i + 2 + parent] as string,
    records[i + 3 + parent] as string,
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

function ownLogAt(records: PackedRecords, times: number[], i: number, first: ReturnType<typeof firstIds>): LogSummary {
  const code = -1 - (records[i] as number);
  const severity = SEVERITIES[code & 7] as LogSummary['severity'];
  let at = i + 1;
  const service = code & LOG_SERVICE ? (records[at++] as string) : (first.service as string);
  const message = records[at++] as string;
  const spanId = code & LOG_ID_SLOT ? (records[at] as string) : code & LOG_ID_FIRST ? first.spanId : undefined;
  return logSummaryOf(times[code >> LOG_TIMES_SHIFT] as number, severity, service, message, spanId);
}

/** The window's spans and logs as summaries, in arrival order. */
export function unpack(w: Window): { spans: SpanSummary[]; logs: LogSummary[] } {
  const d = w.detail;
  if (d === undefined) return { spans: [], logs: [] };
  if (!Array.isArray(d)) return { spans: [d], logs: [] };
  const times = w.times as number[];
  const first = firstIds(d);
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
