// One window's record and counts: what a span or a joined log adds to it (counts, services, root,
// detail lists) and the estimated bytes that adds, so the window's `bytes` stays the sum of what
// it holds. Key values and key-index membership are the correlator's (they touch other windows).
import {
  BUSINESS_KEYS,
  type BusinessKeys,
  type LogSummary,
  type NormalizedSpan,
  SEVERITIES,
  type Severity,
  type SpanSummary,
} from '../model/types.js';
import { appendTo, EXACT_UP_TO } from './one-or-many.js';
import type { Window } from './state.js';
import { LIST_BYTES, LIST_SLOT_BYTES, SET_BYTES, SET_ENTRY_BYTES, stringBytes, WINDOW_BYTES } from './state-bytes.js';

const SEVERITY_RANK = new Map<Severity, number>(SEVERITIES.map((s, i) => [s, i]));
export const ERROR_RANK = SEVERITY_RANK.get('ERROR') ?? 4;

/** A window opened at startMs, holding nothing yet (continuation: its trace closed a window before). */
export function newWindow(traceId: string, startMs: number, continuation: boolean): Window {
  return {
    traceId,
    startMs,
    continuation,
    services: undefined,
    spanCount: 0,
    logCount: 0,
    linkedLogCount: 0,
    errorCount: 0,
    highestRank: -1,
    keys: undefined,
    root: undefined,
    spans: undefined,
    logs: undefined,
    spansCapped: false,
    logsCapped: false,
    nodes: undefined,
    bytes: WINDOW_BYTES + stringBytes(traceId),
  };
}

/**
 * Adds the service to the window; returns the change in estimated bytes. A few services are kept
 * in an exact-length array (a Set's hash table is ~350 bytes, more than the rest of a keyed
 * window's lists), more than EXACT_UP_TO in a Set so the lookup stays O(1).
 */
export function addService(w: Window, service: string): number {
  const s = w.services;
  if (s === undefined) w.services = service;
  else if (typeof s === 'string') {
    if (s !== service) {
      w.services = [s, service];
      return LIST_BYTES;
    }
  } else if (Array.isArray(s)) {
    if (!s.includes(service)) {
      if (s.length < EXACT_UP_TO) w.services = appendTo(s, service);
      else w.services = new Set([...s, service]);
      return s.length < EXACT_UP_TO ? LIST_SLOT_BYTES : SET_BYTES;
    }
  } else if (!s.has(service)) {
    s.add(service);
    return SET_ENTRY_BYTES;
  }
  return 0;
}

/** True when both keys objects hold the same values (a span of the trace usually repeats them). */
export function sameKeys(a: BusinessKeys, b: BusinessKeys): boolean {
  for (const key of BUSINESS_KEYS) if ((a[key] || undefined) !== (b[key] || undefined)) return false;
  return true;
}

/**
 * The detail entry of a span. One literal per shape, not spreads: an object built by spreading
 * gets room for properties it never uses, and adding a property later gives it a separate
 * property store; either costs more than the summary itself.
 */
export function spanSummary(span: NormalizedSpan, keys: BusinessKeys | undefined, rootSpanId: string | undefined): SpanSummary {
  const durationMs = Math.max(0, span.endUnixMs - span.startUnixMs);
  const { spanId, name, service, startUnixMs, status } = span;
  // A child of the root usually: its parent id reuses the root's id string, one string fewer kept.
  const parentSpanId = span.parentSpanId === rootSpanId ? rootSpanId : span.parentSpanId;
  if (parentSpanId) {
    return keys
      ? { spanId, parentSpanId, name, service, startUnixMs, durationMs, status, keys }
      : { spanId, parentSpanId, name, service, startUnixMs, durationMs, status };
  }
  return keys
    ? { spanId, name, service, startUnixMs, durationMs, status, keys }
    : { spanId, name, service, startUnixMs, durationMs, status };
}

/** True when the object has an own key (cheaper than Object.keys(...).length for the hot path). */
export function hasAny(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** Root = a span without a parent; among several (or none), the earliest. */
export function betterRoot(
  candidate: { parentSpanId?: string | undefined; startUnixMs: number },
  current: SpanSummary | undefined,
): boolean {
  if (!current) return true;
  const candRoot = !candidate.parentSpanId;
  const curRoot = !current.parentSpanId;
  if (candRoot !== curRoot) return candRoot;
  return candidate.startUnixMs < current.startUnixMs;
}

/** The counts every joined log updates; returns the change in estimated bytes. */
export function countLog(w: Window, service: string, severity: Severity): number {
  w.logCount += 1;
  const rank = SEVERITY_RANK.get(severity) ?? 0;
  if (rank > w.highestRank) w.highestRank = rank;
  if (rank >= ERROR_RANK) w.errorCount += 1;
  return addService(w, service);
}

/** Appends to the window's log detail; returns the bytes of the list slot (or the new list). */
export function listLog(w: Window, summary: LogSummary): number {
  if (w.logs) {
    w.logs = appendTo(w.logs, summary);
    return LIST_SLOT_BYTES;
  }
  w.logs = [summary];
  return LIST_BYTES;
}
