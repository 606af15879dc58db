// The waiting-log buffer: trace-less logs kept for a while so a window that takes one of their
// linking values later can still list them. Every waiting log has the same lifetime and the
// buffer drops its oldest when full, so logs leave in arrival order: the buffer is a FIFO, and
// each key entry's list of waiting logs is left from its head too.
import { BUSINESS_KEYS, type BusinessKey, type BusinessKeys, LINKING_KEYS, type LogSummary, type NormalizedLog } from '../model/types.js';
import { keySlot, slotHas } from './key-slots.js';
import { append, itemAt, itemsOf, type OneOrMany, remove } from './one-or-many.js';
import type { GraceEntry, KeyEntry, Window } from './state.js';
import { LIST_BYTES, LOG_SUMMARY_BYTES, stringBytes, WAITING_LOG_BYTES } from './state-bytes.js';

/** Position in BUSINESS_KEYS of each linking key. */
const BUSINESS_SLOT: readonly number[] = LINKING_KEYS.map((k) => BUSINESS_KEYS.indexOf(k));

/** Waiting logs, oldest first, consumed from `head` (entries before it are already gone). */
export interface WaitingLogs {
  entries: (GraceEntry | undefined)[];
  head: number;
}

/** Logs currently waiting. */
export function waitingCount(q: WaitingLogs): number {
  return q.entries.length - q.head;
}

/** The log that has waited longest, still in the buffer. */
export function oldestWaiting(q: WaitingLogs): GraceEntry | undefined {
  return q.entries[q.head];
}

/** Adds a log at the tail and to the waiting list of every key entry it waits in. */
export function enqueueWaiting(q: WaitingLogs, waiting: GraceEntry): void {
  q.entries.push(waiting);
  for (const entry of itemsOf(waiting.waitsIn)) entry.waiting = append(entry.waiting, waiting);
}

/** Takes the oldest log off the buffer (the caller takes it out of its key entries). */
export function takeOldestWaiting(q: WaitingLogs): GraceEntry | undefined {
  const waiting = q.entries[q.head];
  if (!waiting) return undefined;
  q.entries[q.head] = undefined;
  q.head += 1;
  // Compact once the consumed head dominates, keeping the array O(live entries).
  if (q.head > 1024 && q.head * 2 > q.entries.length) {
    q.entries = q.entries.slice(q.head);
    q.head = 0;
  }
  return waiting;
}

/** Empties the buffer (shutdown: the key entries are cleared by the caller). */
export function clearWaiting(q: WaitingLogs): void {
  q.entries = [];
  q.head = 0;
}

/** True when the log carries a value of some linking key (else it can join no window). */
export function hasLinkingValue(log: NormalizedLog): boolean {
  for (const key of LINKING_KEYS) if (log.keys[key]) return true;
  return false;
}

/**
 * Estimated bytes of a waiting log: its entry, and the summaries made for it so far. A summary
 * made later (makeSummary) adds to it, so the figure taken out is the one last added.
 */
export function waitingBytes(g: GraceEntry): number {
  let bytes = WAITING_LOG_BYTES + stringBytes(g.message) + stringBytes(g.spanId);
  // Waiting under two values: the list of its entries.
  if (Array.isArray(g.waitsIn)) bytes += LIST_BYTES;
  const made = g.summaries;
  if (made === undefined) return bytes;
  if (!Array.isArray(made)) return bytes + LOG_SUMMARY_BYTES;
  bytes += LIST_BYTES;
  for (const s of made) if (s !== undefined) bytes += LOG_SUMMARY_BYTES;
  return bytes;
}

/** A trace-less log as it waits: the fields windows list of it, and the entries it waits in. */
export function waitingLog(log: NormalizedLog, expiresAt: number, waitsIn: OneOrMany<KeyEntry>): GraceEntry {
  return {
    timeUnixMs: log.timeUnixMs,
    severity: log.severity,
    service: log.service,
    message: log.message,
    spanId: log.spanId,
    summaries: undefined,
    expiresAt,
    waitsIn,
  };
}

/** The summary a window lists for the log joining through its i-th value (one literal per shape). */
function summaryOf(g: GraceEntry, linkedBy: LogSummary['linkedBy']): LogSummary {
  const { timeUnixMs, severity, service, message, spanId } = g;
  return spanId ? { timeUnixMs, severity, service, message, spanId, linkedBy } : { timeUnixMs, severity, service, message, linkedBy };
}

/** The summary made for a waiting log's i-th value (waitsIn order), if a window joined through it yet. */
export function madeSummary(g: GraceEntry, i: number): LogSummary | undefined {
  const made = g.summaries;
  return made === undefined ? undefined : Array.isArray(made) ? made[i] : made;
}

/**
 * Makes the summary for a waiting log's i-th value (madeSummary said there is none), shared by
 * every window that joins through that value after. The caller accounts the bytes it adds
 * (waitingBytes before and after).
 */
export function makeSummary(g: GraceEntry, i: number): LogSummary {
  const s = summaryOf(g, linkedByOf(itemAt(g.waitsIn, i) as KeyEntry));
  if (!Array.isArray(g.waitsIn)) g.summaries = s;
  else {
    const list = (g.summaries ?? new Array<LogSummary | undefined>(g.waitsIn.length).fill(undefined)) as (LogSummary | undefined)[];
    list[i] = s;
    g.summaries = list;
  }
  return s;
}

/** How windows joined through this entry say so; made on first use (most values never link a log). */
function linkedByOf(entry: KeyEntry): NonNullable<LogSummary['linkedBy']> {
  entry.linkedBy ??= { key: LINKING_KEYS[entry.slot] as BusinessKey, value: entry.value };
  return entry.linkedBy;
}

/**
 * Takes a waiting log out of an entry's list (from its head: logs leave in arrival order); the
 * caller then releases the entry if nothing else refers to it.
 */
export function leaveEntry(entry: KeyEntry, waiting: GraceEntry): void {
  entry.waiting = remove(entry.waiting, waiting);
}

/**
 * True when a log waiting under several values already met this window through another one:
 * the window carried that value before this record, or this record carried it at a key handled
 * earlier in the correlator's addKeys loop (key position < k). Either way the log joined then (or
 * was left out by a fan-out cap, counted then), so it must not join twice.
 */
export function joinedThroughOther(
  w: Window,
  waitsIn: readonly KeyEntry[],
  entry: KeyEntry,
  keys: BusinessKeys,
  k: number,
  lent: boolean,
): boolean {
  for (const other of waitsIn) {
    if (other === entry) continue;
    const bk = BUSINESS_SLOT[other.slot] as number;
    if (lent ? bk < k && keys[BUSINESS_KEYS[bk] as BusinessKey] === other.value : slotHas(keySlot(w.keys, bk), other.value)) return true;
  }
  return false;
}
