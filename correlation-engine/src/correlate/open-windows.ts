// Reading the open windows for the query routes and the live stream, newest first, through the
// indexes the correlator already keeps, so a page costs what it shows and not the number of open
// windows:
//
// - a trace id is one map lookup;
// - a linking value (circuit_id, resource_id) walks that value's list in the key index from its
//   tail (the newest window to carry it);
// - "errors only" walks the list of windows that have an error (an entry of the same shape as a
//   key-index entry; only windows with an error have a node in it, so the others pay nothing);
// - otherwise the FIFO of open windows is walked from its newest end.
//
// A filter that no index serves (service alone) is checked on each window the walk passes; such a
// walk passes at most MAX_PASSED_OVER windows that do not match before it stops and hands back
// where to go on, so one request never scans every open window.
import { BUSINESS_KEYS, type BusinessKey, LINKING_KEYS } from '../model/types.js';
import { nodesOf, windowOf } from './key-index.js';
import { keySlot, slotHas } from './key-slots.js';
import type { KeyEntry, KeyNode, Window } from './state.js';
import { hasService } from './window-services.js';

/** Windows a walk may pass over without a match before it stops and answers a shorter page. */
export const MAX_PASSED_OVER = 2048;

/** Which open windows a walk shows. */
export interface OpenFilter {
  traceId?: string;
  /** Linking-key values, by key (circuit_id, resource_id). */
  linking?: Partial<Record<(typeof LINKING_KEYS)[number], string>>;
  service?: string;
  errorsOnly?: boolean;
}

/**
 * Where a walk starts (it includes the window there): a position in the FIFO of open windows
 * (the unfiltered walk), or the trace id of the window to start at (walks along a list; when
 * that window has closed meanwhile, so has almost every older one, and the walk ends).
 */
export type OpenPosition = { seq: number } | { traceId: string };

/** What the correlator lends a walk: its state, read only. */
export interface OpenState {
  open: ReadonlyMap<string, Window>;
  /** The FIFO: window at absolute position p is order[p - orderBase], open from orderHead on. */
  order: readonly (Window | undefined)[];
  orderHead: number;
  orderBase: number;
  keyIndex: readonly ReadonlyMap<string, KeyEntry>[];
  errorWindows: KeyEntry;
  /** Told how many windows a walk read (listed or passed over), so the cost of a page is observable. */
  countRead?: (n: number) => void;
}

/** Visits the window; false stops the walk. `resume` restarts a walk at this window. */
export type OpenVisit = (w: Window, resume: OpenPosition) => boolean;

const ANY = (_w: Window): boolean => true;

/** The window's checks other than the index the walk follows. */
function matcher(filter: OpenFilter, skipLinking: string | undefined, skipErrors: boolean): (w: Window) => boolean {
  const checks: ((w: Window) => boolean)[] = [];
  const { service, linking } = filter;
  if (service !== undefined) checks.push((w) => hasService(w, service));
  if (filter.errorsOnly && !skipErrors) checks.push((w) => w.errorCount > 0);
  for (const key of LINKING_KEYS) {
    const value = linking?.[key];
    if (value === undefined || key === skipLinking) continue;
    const k = BUSINESS_KEYS.indexOf(key as BusinessKey);
    checks.push((w) => slotHas(keySlot(w.keys, k), value));
  }
  if (checks.length === 0) return ANY;
  return (w) => {
    for (const check of checks) if (!check(w)) return false;
    return true;
  };
}

/**
 * Visits the open windows matching `filter`, newest first, from `from` (or the newest) until
 * `visit` returns false. Returns where to go on when it stopped after passing over
 * MAX_PASSED_OVER windows that did not match, else undefined.
 */
export function walkOpen(state: OpenState, filter: OpenFilter, from: OpenPosition | undefined, visit: OpenVisit): OpenPosition | undefined {
  if (filter.traceId !== undefined) {
    // One window at most. A walk resumed at it (the page paused just before it) visits it again;
    // any other position is past it.
    if (from !== undefined && !('traceId' in from && from.traceId === filter.traceId)) return undefined;
    const w = state.open.get(filter.traceId);
    if (w !== undefined) state.countRead?.(1);
    if (w !== undefined && matcher(filter, undefined, false)(w)) visit(w, { traceId: w.traceId });
    return undefined;
  }
  for (let slot = 0; slot < LINKING_KEYS.length; slot++) {
    const key = LINKING_KEYS[slot] as (typeof LINKING_KEYS)[number];
    const value = filter.linking?.[key];
    if (value === undefined) continue;
    return walkList(state, state.keyIndex[slot]?.get(value), from, matcher(filter, key, false), visit);
  }
  if (filter.errorsOnly) return walkList(state, state.errorWindows, from, matcher(filter, undefined, true), visit);
  return walkOrder(state, from, matcher(filter, undefined, false), visit);
}

function walkList(
  state: OpenState,
  entry: KeyEntry | undefined,
  from: OpenPosition | undefined,
  keep: (w: Window) => boolean,
  visit: OpenVisit,
): OpenPosition | undefined {
  if (entry === undefined) return undefined;
  let node: KeyNode | undefined = entry.tail;
  if (from !== undefined) {
    if (!('traceId' in from)) return undefined;
    const w = state.open.get(from.traceId);
    node = w === undefined ? undefined : nodesOf(w).find((n) => n.entry === entry);
  }
  let passed = 0;
  let read = 0;
  try {
    for (; node !== undefined; node = node.prev) {
      const w = windowOf(node);
      read += 1;
      if (!keep(w)) {
        passed += 1;
        if (passed > MAX_PASSED_OVER) return { traceId: w.traceId };
        continue;
      }
      if (!visit(w, { traceId: w.traceId })) return undefined;
    }
    return undefined;
  } finally {
    state.countRead?.(read);
  }
}

function walkOrder(
  state: OpenState,
  from: OpenPosition | undefined,
  keep: (w: Window) => boolean,
  visit: OpenVisit,
): OpenPosition | undefined {
  const { order, orderHead, orderBase } = state;
  const newest = orderBase + order.length - 1;
  let seq = newest;
  if (from !== undefined) {
    if (!('seq' in from)) return undefined;
    seq = Math.min(from.seq, newest);
  }
  let passed = 0;
  let read = 0;
  try {
    for (; seq >= orderBase + orderHead; seq -= 1) {
      const w = order[seq - orderBase];
      if (w === undefined) break;
      read += 1;
      // A window closed out of FIFO order (Correlator.windowFor) leaves its slot until the head
      // passes it: passed over like a window the filter does not keep.
      if (!keep(w) || state.open.get(w.traceId) !== w) {
        passed += 1;
        if (passed > MAX_PASSED_OVER) return { seq };
        continue;
      }
      if (!visit(w, { seq })) return undefined;
    }
    return undefined;
  } finally {
    state.countRead?.(read);
  }
}
