// One window's record and counts: what a span or a joined log adds to it (counts, services; the
// detail lists are window-detail.ts) and the estimated bytes that adds, so the window's `bytes`
// stays the sum of what it holds. Key values and key-index membership are the correlator's (they
// touch other windows).
import { BUSINESS_KEYS, type BusinessKeys, SEVERITIES, type Severity } from '../model/types.js';
import { appendTo, EXACT_UP_TO } from './one-or-many.js';
import type { Window } from './state.js';
import { LIST_BYTES, LIST_SLOT_BYTES, SET_BYTES, SET_ENTRY_BYTES, stringBytes, WINDOW_BYTES } from './state-bytes.js';
import { initialFlags, raiseRank } from './window-flags.js';

const SEVERITY_RANK = new Map<Severity, number>(SEVERITIES.map((s, i) => [s, i]));
export const ERROR_RANK = SEVERITY_RANK.get('ERROR') ?? 4;

/** The severity's position in SEVERITIES (undefined only for a value outside the type). */
export const severityRank = (severity: Severity): number | undefined => SEVERITY_RANK.get(severity);

/** A window opened at `opened` (see Window.opened), holding nothing yet (continuation: its trace closed a window before). */
export function newWindow(traceId: string, opened: number, continuation: boolean): Window {
  return {
    traceId,
    opened,
    flags: initialFlags(continuation),
    services: undefined,
    spanCount: 0,
    logCount: 0,
    errorCount: 0,
    keys: undefined,
    root: undefined,
    detail: undefined,
    times: undefined,
    entry: undefined,
    prev: undefined,
    next: undefined,
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

/** True when the object has an own key (cheaper than Object.keys(...).length for the hot path). */
export function hasAny(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** The counts every joined log updates (its service is noted by window-services.ts). */
export function countLog(w: Window, severity: Severity): void {
  w.logCount += 1;
  const rank = SEVERITY_RANK.get(severity) ?? 0;
  raiseRank(w, rank);
  if (rank >= ERROR_RANK) w.errorCount += 1;
}
