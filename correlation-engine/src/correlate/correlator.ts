// Data flow: addSpans/addLogs -> the trace's window (window-record.ts, its detail window-detail.ts) -> its linking values into the key index (key-index.ts);
// a trace-less log joins the open windows sharing a value and waits for later ones (waiting-logs.ts);
// tick/closeOldest/flush -> close -> related traces (related-traces.ts) -> CorrelationEvent (window-event.ts) -> caller.
//
// This file is the window lifecycle: open, join, close, tick, flush, closeOldest, and the byte totals.
// Pure: no I/O, no timers; the clock is injected and the owner calls tick() periodically.
//
// Why no timer wheel: every window has the same length and the clock only moves forward, so
// windows become due in the order they were opened. A FIFO of open windows is therefore already
// an expiry queue: tick() pops from its head while the head is due, and eviction (a full table,
// closeOldest) takes from the same head.
//
// O(1) per record whatever the key distribution: opening, joining and closing a window and
// joining a trace-less log touch a bounded number of objects, however many open windows share
// a business-key value. Links between windows sharing a value live in the key index
// (correlate/key-index.ts), read only when a window closes; see docs/correlation.md.

import {
  BUSINESS_KEYS,
  type BusinessKey,
  type BusinessKeys,
  type CorrelationEvent,
  LINKING_KEYS,
  type LogSummary,
  type NormalizedLog,
  type NormalizedSpan,
  type OpenCorrelationEvent,
  type RelatedTrace,
} from '../model/types.js';
import type { DropReason } from './drop-reason.js';
import { isoTime } from './iso-time.js';
import { KeyFilter } from './key-filter.js';
import { linkWindow, nodesOf, rememberClosed, unlinkNode, windowOf } from './key-index.js';
import { keySlot, slotHas, slotSize, windowSlots } from './key-slots.js';
import { LoneValues } from './lone-values.js';
import { appendTo } from './one-or-many.js';
import { type OpenFilter, type OpenPosition, type OpenVisit, walkOpen } from './open-windows.js';
import { relatedTraces, withRemote } from './related-traces.js';
import { type KeyEntry, newKeyEntry, type Window } from './state.js';
import {
  KEY_ENTRY_BYTES,
  KEY_SLOTS_BYTES,
  LIST_BYTES,
  LIST_SLOT_BYTES,
  LOG_SUMMARY_BYTES,
  LONE_VALUE_BYTES,
  stringBytes,
} from './state-bytes.js';
import { hasLinkingValue, WaitingLogs } from './waiting-logs.js';
import { isBetterRoot, keepRootOnly, listLinkedLog, listOwnLog, listSpan } from './window-detail.js';
import { buildEvent } from './window-event.js';
import { countLinkedLog, markLogsCapped, markSpansCapped, raiseRank } from './window-flags.js';
import { countLog, ERROR_RANK, hasAny, newWindow, sameKeys } from './window-record.js';
import { noteService } from './window-services.js';

export type { DropReason } from './drop-reason.js';

export interface CorrelatorOptions {
  instance: string;
  windowMs: number;
  maxOpenWindows: number;
  maxSpansPerWindow: number;
  maxLogsPerWindow: number;
  now: () => number;
  /** How long a trace-less log waits for a window with its key (default: one window length). */
  graceMs?: number;
  /** Trace-less logs kept waiting at most (CORR_MAX_WAITING_LOGS; default 10 000). */
  maxWaitingLogs?: number;
  /** Distinct values kept per business key per window (default 16). */
  maxKeyValuesPerWindow?: number;
  /**
   * Related traces listed per window (default 10). Kept small because under key skew every
   * event carries this many, and events are persisted and exported whole.
   */
  maxRelatedPerWindow?: number;
  /**
   * Open windows one trace-less log may join, and waiting logs one window may pick up per value
   * (default 10). Under key skew each join lists the log in one more event.
   */
  maxLinkFanout?: number;
  /** Trace ids remembered after close, to flag continuations (default maxOpenWindows). */
  maxClosedRemembered?: number;
  /** Told about every bounded-state decision, so none is silent. */
  onDrop?: (reason: DropReason, count: number) => void;
  /** Told when a window is closed early (full table or closeOldest). */
  onEvict?: () => void;
  /** Told how many open windows a walk read (a query's cost, as a metric). */
  onOpenRead?: (n: number) => void;
  /** Told about every window a record joins or opens (the live stream's dirty set); O(1) per call. */
  onTouch?: (traceId: string) => void;
  /**
   * False behind the scale overlay (cluster-linking/): a trace-less log is joined by its key's owner
   * replica, which sends each link back, not by the windows of this replica alone (default true).
   */
  linkTracelessLogs?: boolean;
  /** Told when a window first carries a linking value (cluster-linking/: its key sighting); O(1) per call. */
  onKeyTaken?: (w: Window, key: BusinessKey, value: string) => void;
  /** Told about every trace-less log joining a window (cluster-linking/: the key owner's link back). */
  onLinked?: (traceId: string, summary: LogSummary) => void;
  /** Related traces learnt from key owners (cluster-linking/), merged after the local ones at close. */
  remoteRelated?: (w: Window) => Iterable<RelatedTrace> | undefined;
}

/** Estimated bytes of the correlator's state, per kind (see correlate/state-bytes.ts). */
export interface CorrelatorBytes {
  /** Open windows, their detail, and the key index entries and closed-window rings they use. */
  windows: number;
  /** Trace-less logs waiting for a window, and the key index entries only they use. */
  waitingLogs: number;
}

/** Related traces listed per window unless configured (CorrelatorOptions.maxRelatedPerWindow). */
export const DEFAULT_MAX_RELATED = 10;
/**
 * Closing work an ingest batch may do, in records of the windows it closes, beyond twice the
 * records it carries. A window's close costs about its records (the event lists them), and each
 * record opens at most one window, so ingest keeps up with what falls due while a batch's cost
 * stays O(its records) however many windows fell due while the loop was busy (the interval closes
 * the rest in slices, Pipeline.closeDueSlice).
 */
const EXPIRE_WORK_PER_BATCH = 64;

/** The work of closing a window or handing on its event, in records (see EXPIRE_WORK_PER_BATCH). */
const closeWork = (records: { spanCount: number; logCount: number }): number => 1 + records.spanCount + records.logCount;

type Hook = 'onDrop' | 'onEvict' | 'onTouch' | 'onOpenRead' | 'onKeyTaken' | 'onLinked' | 'remoteRelated';

/**
 * `now - epochMs`, as a small integer when it is one: the difference of two timestamps (doubles)
 * is itself a double even when whole, and the first double stored in a field makes V8 box that
 * field in every window (16 bytes each). `| 0` gives the integer form.
 */
function sinceEpoch(now: number, epochMs: number): number {
  const ms = now - epochMs;
  return (ms | 0) === ms ? ms | 0 : ms;
}

/** Linking-key position in LINKING_KEYS, or -1: an array lookup instead of includes() per key. */
const LINKING_SLOT: readonly number[] = BUSINESS_KEYS.map((k) => (LINKING_KEYS as readonly BusinessKey[]).indexOf(k));

export class Correlator {
  private readonly open = new Map<string, Window>();
  /** Open windows in opening order (= closing order); consumed from `orderHead`. */
  private order: (Window | undefined)[] = [];
  private orderHead = 0;
  /** Absolute position of order[0]: positions stay valid across compactions (open-window cursors). */
  private orderBase = 0;
  /**
   * Open windows that have an error, in the order they got their first (open-windows.ts walks it
   * for "errors only"). Shaped like a key-index entry (slot -1) so a window leaves it at close
   * with its other nodes; only windows with an error have a node in it.
   */
  private readonly errorWindows: KeyEntry = newKeyEntry(-1, '', true, 0);
  /** Per linking key (LINKING_KEYS order): value -> open windows and waiting logs; kept in step with closes. */
  private readonly keyIndex: Map<string, KeyEntry>[] = LINKING_KEYS.map(() => new Map());
  /** Trace-less logs waiting for a window (waiting-logs.ts). */
  private readonly waiting: WaitingLogs;
  /**
   * Per linking key, the values one waiting log alone carries (lone-values.ts), each becoming an
   * entry of the index when a second log or a window takes it.
   */
  private readonly lone: LoneValues[] = LINKING_KEYS.map((_, k) => new LoneValues((seq) => this.waiting.loneValueAt(seq, k)));
  /** Per linking key, which hashes the index's Map may hold a value of (key-filter.ts): most lookups miss. */
  private readonly keyFilters: KeyFilter[] = LINKING_KEYS.map(
    (_, k) => new KeyFilter(() => hashesOf(this.keyIndex[k] as Map<string, KeyEntry>)),
  );
  /** The entries a trace-less log waits in, per linking key (linkTraceless; reused, not made per log). */
  private readonly waitsIn: (KeyEntry | string | undefined)[] = LINKING_KEYS.map(() => undefined);
  /** The hash of each value the log waits alone under, per linking key (reused like waitsIn). */
  private readonly loneHashes: number[] = LINKING_KEYS.map(() => 0);
  private readonly closedTraces = new Map<string, true>();
  private pending: CorrelationEvent[] = [];
  /** The estimated bytes of each event in `pending` (its window's), in step with it. */
  private pendingSizes: number[] = [];
  /** Events before this index in `pending` were taken by a bounded tick (drain). */
  private pendingHead = 0;
  /** Sum of pendingSizes from pendingHead on: closed windows' events not taken yet. */
  private closedBytes = 0;
  private lastNow = Number.NEGATIVE_INFINITY;
  /** What window start times are counted from (Window.opened): the clock when the correlator was made. */
  private readonly epochMs: number;
  private windowBytes = 0;
  private waitingLogBytes = 0;
  private readonly o: Required<Omit<CorrelatorOptions, Hook>> & Pick<CorrelatorOptions, Hook>;

  constructor(options: CorrelatorOptions) {
    this.o = {
      ...options,
      graceMs: options.graceMs ?? options.windowMs,
      maxWaitingLogs: options.maxWaitingLogs ?? 10_000,
      maxKeyValuesPerWindow: options.maxKeyValuesPerWindow ?? 16,
      maxRelatedPerWindow: options.maxRelatedPerWindow ?? DEFAULT_MAX_RELATED,
      maxLinkFanout: options.maxLinkFanout ?? 10,
      maxClosedRemembered: options.maxClosedRemembered ?? options.maxOpenWindows,
      linkTracelessLogs: options.linkTracelessLogs ?? true,
    };
    this.waiting = new WaitingLogs(this.o.maxWaitingLogs);
    // An integer, so a start time and its offset convert both ways exactly.
    this.epochMs = Math.floor(options.now());
  }

  /** Windows currently open. */
  get openWindowCount(): number {
    return this.open.size;
  }

  /** Trace-less logs currently waiting for a window. */
  get graceLogCount(): number {
    return this.waiting.count;
  }

  /**
   * Estimated bytes of window state (open windows, and closed ones' events not taken yet) and of
   * waiting trace-less logs; kept up to date, O(1) to read.
   */
  approxBytes(): CorrelatorBytes {
    return { windows: this.windowBytes + this.closedBytes, waitingLogs: this.waitingLogBytes + this.waiting.spareBytes() };
  }

  /** The open window of this trace, if any (one map lookup). */
  openWindow(traceId: string): Window | undefined {
    return this.open.get(traceId);
  }

  /** The event the open window would emit if it closed now, marked open (see OpenCorrelationEvent). */
  openEvent(w: Window): OpenCorrelationEvent {
    const startMs = this.startOf(w);
    const event = buildEvent(this.o.instance, w, startMs, this.clock(), []);
    return { ...event, state: 'open', closesAt: isoTime(startMs + this.o.windowMs) };
  }

  /** Open windows matching the filter, newest first, through the indexes (open-windows.ts). */
  walkOpen(filter: OpenFilter, from: OpenPosition | undefined, visit: OpenVisit): OpenPosition | undefined {
    return walkOpen(
      {
        open: this.open,
        order: this.order,
        orderHead: this.orderHead,
        orderBase: this.orderBase,
        keyIndex: this.keyIndex,
        errorWindows: this.errorWindows,
        ...(this.o.onOpenRead ? { countRead: this.o.onOpenRead } : {}),
      },
      filter,
      from,
      visit,
    );
  }

  addSpans(spans: readonly NormalizedSpan[]): void {
    const now = this.clock();
    this.expire(now, 2 * spans.length + EXPIRE_WORK_PER_BATCH);
    for (const span of spans) {
      const w = this.windowFor(span.traceId, now);
      w.spanCount += 1;
      // Every span counts before this check, and each is listed while fewer are: listed = min(count, cap).
      const listed = w.spanCount <= this.o.maxSpansPerWindow;
      let bytes = noteService(w, span.service, listed);
      if (span.status === 'ERROR') {
        if (w.errorCount === 0) bytes += this.indexError(w);
        w.errorCount += 1;
        raiseRank(w, ERROR_RANK);
      }
      const better = isBetterRoot(w, span.parentSpanId, span.startUnixMs);
      if (better || listed) {
        // The span's keys are shared, not copied (the view and API clients check keys per span);
        // when they repeat the window's own keys object, that one is shared instead, so the
        // span's keys object and strings are not kept alive a second time.
        const keys = hasAny(span.keys) ? this.sharedKeys(w, span.keys) : undefined;
        // A child of the root usually: the detail keeps its parent id as a reference to the root.
        bytes += stringBytes(span.name);
        bytes += listed ? listSpan(w, better, span, keys) : keepRootOnly(w, span, keys);
      }
      if (!listed) {
        markSpansCapped(w);
        this.drop('span_detail_cap', 1);
      }
      w.bytes += bytes;
      this.windowBytes += bytes;
      this.addKeys(w, span.keys, now);
    }
  }

  /** The window's keys object when it is a record's keys with the same values, else `keys`. */
  private sharedKeys(w: Window, keys: BusinessKeys): BusinessKeys {
    const own = w.keys;
    return own !== undefined && !Array.isArray(own) && own !== keys && sameKeys(own, keys) ? own : keys;
  }

  addLogs(logs: readonly NormalizedLog[]): void {
    const now = this.clock();
    this.expire(now, 2 * logs.length + EXPIRE_WORK_PER_BATCH);
    for (const log of logs) {
      if (log.traceId) {
        const w = this.windowFor(log.traceId, now);
        this.joinLog(w, log);
        this.addKeys(w, log.keys, now);
      } else {
        this.linkTraceless(log, now);
      }
    }
  }

  /**
   * A key owner's record of a window held by another replica (cluster-linking/key-owner.ts): the trace's
   * window here carries `keys` as if a record with them had arrived, so trace-less logs meet it
   * through the key index exactly as they meet a local window.
   */
  addSighting(traceId: string, keys: BusinessKeys): void {
    const now = this.clock();
    this.expire(now, 2 + EXPIRE_WORK_PER_BATCH);
    this.addKeys(this.windowFor(traceId, now), keys, now);
  }

  /** A trace-less log a key owner joined to this open window (cluster-linking/): listed as a local join lists it. */
  joinRemoteLink(w: Window, summary: LogSummary): void {
    this.joinLinked(w, summary);
  }

  /**
   * The open windows carrying a linking value, newest first, up to `cap` (the key owner's answer
   * to a sighting: which traces the new one is related to); O(cap).
   */
  openTracesWith(key: BusinessKey, value: string, cap: number, visit: (traceId: string) => void): void {
    const slot = (LINKING_KEYS as readonly BusinessKey[]).indexOf(key);
    const entry = slot < 0 ? undefined : this.keyIndex[slot]?.get(value);
    let n = 0;
    for (let node = entry?.tail; node !== undefined && n < cap; node = node.prev, n++) visit(windowOf(node).traceId);
  }

  /**
   * Closes due windows and expires waiting trace-less logs, and returns the events closed so far
   * (early closes and ingest's included), oldest first. `work` bounds the call, in records (see
   * closeWork): it stops closing, and hands on events, once that much is done (at least one
   * each). What is left stays due for the next call (hasDue()), so the owner bounds a task's work.
   */
  tick(work = Number.POSITIVE_INFINITY): CorrelationEvent[] {
    this.expire(this.clock(), work);
    return this.drain(work);
  }

  /** Events of closed windows not taken yet (by tick() or takeClosed()). */
  get closedWaiting(): number {
    return this.pending.length - this.pendingHead;
  }

  /** Their estimated bytes (their windows'). */
  get closedWaitingBytes(): number {
    return this.closedBytes;
  }

  /** Every event of a closed window not taken yet, oldest first (see Pipeline's hand-on of them). */
  takeClosed(): CorrelationEvent[] {
    return this.drain();
  }

  /**
   * Whether a window or a waiting log is due at the clock's time, or events of windows closed
   * since the last tick wait to be taken: O(1), the oldest of each is at its head.
   */
  hasDue(): boolean {
    if (this.pendingHead < this.pending.length) return true;
    const now = this.clock();
    const w = this.peekOldest();
    if (w !== undefined && this.startOf(w) + this.o.windowMs <= now) return true;
    return this.waiting.oldestExpiry() <= now;
  }

  /**
   * Closes up to n of the oldest open windows now, before they are due (the memory budget's first
   * relief), and no more than `work` records' worth of them (at least one; see tick), each counted
   * through onEvict like a full-table eviction; returns their events.
   */
  closeOldest(n: number, work = Number.POSITIVE_INFINITY): CorrelationEvent[] {
    const mark = this.pending.length;
    const closed = this.closeFromHead(this.clock(), work, n, false);
    for (let i = 0; i < closed; i++) this.o.onEvict?.();
    for (const size of this.pendingSizes.splice(mark)) this.closedBytes -= size;
    return this.pending.splice(mark);
  }

  /**
   * Closes open windows now, due or not, oldest first (shutdown), and returns pending events, up
   * to `work` records' worth of each (see tick); once none is open, drops the waiting logs. Called
   * until it returns nothing, it has closed every window and handed on every event.
   */
  flush(work = Number.POSITIVE_INFINITY): CorrelationEvent[] {
    this.closeFromHead(this.clock(), work, Number.POSITIVE_INFINITY, false);
    if (this.open.size > 0) return this.drain(work);
    this.waiting.clear();
    // Every window is closed and every waiting log dropped: nothing is left under any value.
    for (const index of this.keyIndex) index.clear();
    for (const filter of this.keyFilters) filter.clear();
    for (const lone of this.lone) lone.clear();
    this.errorWindows.head = undefined;
    this.errorWindows.tail = undefined;
    this.errorWindows.windowCount = 0;
    this.windowBytes = 0;
    this.waitingLogBytes = 0;
    return this.drain(work);
  }

  /** When the window opened, in ms since the epoch (the clock's time). */
  private startOf(w: Window): number {
    return this.epochMs + w.opened;
  }

  /** The injected clock, never moving backwards (a step back would break the FIFO expiry order). */
  private clock(): number {
    const now = this.o.now();
    if (now > this.lastNow) this.lastNow = now;
    return this.lastNow;
  }

  /** Takes the events closed so far, oldest first, until `work` records' worth are taken (the rest wait). */
  private drain(work = Number.POSITIVE_INFINITY): CorrelationEvent[] {
    let end = this.pendingHead;
    for (let done = 0; end < this.pending.length && done < work; end++) {
      done += closeWork(this.pending[end] as CorrelationEvent);
      this.closedBytes -= this.pendingSizes[end] as number;
    }
    if (this.pendingHead === 0 && end === this.pending.length) {
      const events = this.pending;
      this.pending = [];
      this.pendingSizes = [];
      return events;
    }
    const events = this.pending.slice(this.pendingHead, end);
    this.pendingHead = end;
    if (end === this.pending.length) {
      this.pending = [];
      this.pendingSizes = [];
      this.pendingHead = 0;
    }
    return events;
  }

  private drop(reason: DropReason, count: number): void {
    this.o.onDrop?.(reason, count);
  }

  /** Takes the oldest open window off the FIFO (the caller closes it). */
  private popOldest(): Window | undefined {
    const w = this.peekOldest();
    if (w === undefined) return undefined;
    this.order[this.orderHead] = undefined;
    this.orderHead += 1;
    // Compact once the consumed head dominates, keeping the array O(open windows).
    if (this.orderHead > 1024 && this.orderHead * 2 > this.order.length) {
      this.order = this.order.slice(this.orderHead);
      this.orderBase += this.orderHead;
      this.orderHead = 0;
    }
    return w;
  }

  /**
   * The oldest open window, passing over the FIFO's slots of windows closed out of order
   * (windowFor): each slot is passed once, so this stays O(1) amortized.
   */
  private peekOldest(): Window | undefined {
    for (;;) {
      const w = this.order[this.orderHead];
      if (w === undefined || this.open.get(w.traceId) === w) return w;
      this.order[this.orderHead] = undefined;
      this.orderHead += 1;
    }
  }

  private windowFor(traceId: string, now: number): Window {
    this.o.onTouch?.(traceId);
    const existing = this.open.get(traceId);
    if (existing) {
      if (this.startOf(existing) + this.o.windowMs > now) return existing;
      // Due, but not closed yet (a call closes a bounded number of due windows, oldest first):
      // it closes now, out of FIFO order, and the record opens the trace's next window, as it
      // would have had the sweep been on time. Its FIFO slot is passed over later (peekOldest).
      this.close(existing, now);
    }
    if (this.open.size >= this.o.maxOpenWindows) {
      // Evicting the oldest loses nothing already seen (its event is emitted now, just early);
      // refusing the new trace would lose the freshest data instead.
      const oldest = this.popOldest();
      if (oldest) {
        this.close(oldest, now);
        this.o.onEvict?.();
      }
    }
    const w = newWindow(traceId, sinceEpoch(now, this.epochMs), this.closedTraces.delete(traceId));
    this.windowBytes += w.bytes;
    this.open.set(traceId, w);
    this.order.push(w);
    return w;
  }

  /** A log of the window's own trace joins it: counted, and listed up to the cap. */
  private joinLog(w: Window, log: NormalizedLog): void {
    const hadError = w.errorCount > 0;
    // Listed while fewer are (see addSpans).
    const listed = w.logCount < this.o.maxLogsPerWindow;
    let bytes = noteService(w, log.service, listed);
    countLog(w, log.severity);
    if (!hadError && w.errorCount > 0) bytes += this.indexError(w);
    if (listed) {
      // A span id equal to the root's or the first record's is kept as a reference to it.
      bytes += stringBytes(log.message);
      bytes += listOwnLog(w, log.timeUnixMs, log.severity, log.service, log.message, log.spanId);
    } else this.logCapped(w);
    w.bytes += bytes;
    this.windowBytes += bytes;
  }

  /** A trace-less log joins the window through a business key: its shared summary is listed. */
  private joinLinked(w: Window, summary: LogSummary): void {
    this.o.onTouch?.(w.traceId);
    this.o.onLinked?.(w.traceId, summary);
    countLinkedLog(w);
    const hadError = w.errorCount > 0;
    const listed = w.logCount < this.o.maxLogsPerWindow;
    let bytes = noteService(w, summary.service, listed);
    countLog(w, summary.severity);
    if (!hadError && w.errorCount > 0) bytes += this.indexError(w);
    if (listed) bytes += listLinkedLog(w, summary);
    else this.logCapped(w);
    w.bytes += bytes;
    this.windowBytes += bytes;
  }

  /** Lists the window among those with an error (its first one); returns the bytes that adds. */
  private indexError(w: Window): number {
    return linkWindow(this.errorWindows, w);
  }

  private logCapped(w: Window): void {
    markLogsCapped(w);
    this.drop('log_detail_cap', 1);
  }

  /** Records the business keys of a trace record; a new linking value indexes the window and meets waiting logs. */
  private addKeys(w: Window, keys: BusinessKeys, now: number): void {
    // The first record with keys lends the window its keys object (one value per key fits any
    // cap >= 1); slots are made only when a later record brings a value the window lacks.
    const lent = w.keys === undefined && this.o.maxKeyValuesPerWindow >= 1;
    let recorded = false;
    let bytes = 0;
    for (let k = 0; k < BUSINESS_KEYS.length; k++) {
      const key = BUSINESS_KEYS[k] as BusinessKey;
      const received = keys[key];
      if (!received) continue;
      const current = lent ? undefined : keySlot(w.keys, k);
      if (!lent) {
        if (slotHas(current, received)) continue;
        if (slotSize(current) >= this.o.maxKeyValuesPerWindow) {
          this.drop('key_values_cap', 1);
          continue;
        }
      }
      const linking = LINKING_SLOT[k] as number;
      // A linking value is kept as its key entry's string: the record's own copy (a fresh string
      // per decoded record) would otherwise be kept by every window sharing the value. The lent
      // keys object takes the entry's string too (the same value, so no reader can tell).
      const entry = linking < 0 ? undefined : this.keyEntry(linking, received, true);
      const value = entry === undefined ? received : entry.value;
      if (lent) {
        if (entry !== undefined) keys[key] = value;
      } else {
        if (!Array.isArray(w.keys)) bytes += KEY_SLOTS_BYTES;
        const slots = windowSlots(w);
        if (current === undefined) slots[k] = value;
        else if (typeof current === 'string') {
          slots[k] = [current, value];
          bytes += LIST_BYTES;
        } else {
          slots[k] = appendTo(current, value);
          bytes += LIST_SLOT_BYTES;
        }
      }
      // A linking value's string is the entry's, counted with it (keyEntry).
      if (entry === undefined) bytes += stringBytes(value);
      recorded = true;
      if (entry === undefined) continue;
      bytes += linkWindow(entry, w);
      this.o.onKeyTaken?.(w, key, value);
      if (entry.waitingCount > 0) this.pickUpWaiting(w, entry, keys, k, lent, now);
    }
    if (lent && recorded) w.keys = keys;
    w.bytes += bytes;
    this.windowBytes += bytes;
  }

  /**
   * A window that just took a linking value joins the logs waiting under it: the newest
   * `maxLinkFanout` of them, so the cost does not grow with the waiting list (the rest counted).
   */
  private pickUpWaiting(w: Window, entry: KeyEntry, keys: BusinessKeys, k: number, lent: boolean, now: number): void {
    const n = entry.waitingCount;
    const take = Math.min(n, this.o.maxLinkFanout);
    const ring = this.waiting;
    const slot = entry.slot;
    // Newest first along the entry's chain; the `take` newest are all still waiting (logs leave oldest first).
    let seq = entry.waitingNewest;
    for (let i = 0; i < take; i++, seq = ring.prevOf(seq, slot)) {
      if (ring.expiresAt(seq) <= now) continue;
      if (ring.joinedThroughOther(seq, slot, w, keys, k, lent)) continue;
      this.joinLinked(w, this.sharedSummary(seq, slot));
    }
    if (n > take) this.drop('link_fanout_cap', n - take);
  }

  /** A waiting log's summary for joins through linking key `slot`, its bytes counted when it is made. */
  private sharedSummary(seq: number, slot: number): LogSummary {
    const made = this.waiting.summaryAt(seq, slot);
    if (made !== undefined) return made;
    this.waitingLogBytes += LOG_SUMMARY_BYTES;
    return this.waiting.makeSummary(seq, slot);
  }

  /** The entry for a linking value, created (and indexed) when new; its bytes go to whoever made it. */
  private keyEntry(slot: number, value: string, forWindow: boolean): KeyEntry {
    const lone = this.lone[slot] as LoneValues;
    const h = lone.hash(value);
    const entry = this.indexed(slot, value, h);
    if (entry !== undefined) return entry;
    const seq = lone.size === 0 ? -1 : lone.take(value, h);
    return this.newEntry(slot, value, forWindow, seq < 0 ? undefined : seq, h);
  }

  /** The index's entry for a value (hash `h`), asking the Map only when the key filter says it may hold it. */
  private indexed(slot: number, value: string, h: number): KeyEntry | undefined {
    if (!(this.keyFilters[slot] as KeyFilter).mayHold(h)) return undefined;
    return (this.keyIndex[slot] as Map<string, KeyEntry>).get(value);
  }

  /** Makes and indexes the entry for a value the index holds nothing under, and that a lone waiting log had (`lone`, its seq) or none. */
  private newEntry(slot: number, value: string, forWindow: boolean, lone: number | undefined, h: number): KeyEntry {
    const entry = newKeyEntry(slot, value, forWindow, h);
    (this.keyIndex[slot] as Map<string, KeyEntry>).set(value, entry);
    (this.keyFilters[slot] as KeyFilter).add(h);
    const bytes = KEY_ENTRY_BYTES + stringBytes(value);
    if (forWindow) this.windowBytes += bytes;
    else this.waitingLogBytes += bytes;
    if (lone !== undefined) {
      // A lone waiting log's value: the log now waits in the entry.
      this.waiting.adopt(lone, slot, entry);
      this.waitingLogBytes -= LONE_VALUE_BYTES + stringBytes(value);
    }
    return entry;
  }

  /** A lone waiting log left: its value leaves the lone values with it. */
  private readonly releaseLone = (slot: number, value: string, hash: number, seq: number): void => {
    this.lone[slot]?.remove(value, hash, seq);
    this.waitingLogBytes -= LONE_VALUE_BYTES + stringBytes(value);
  };

  /** Unindexes an entry nothing refers to any more, so the index stays O(open windows + waiting logs). */
  private releaseIfEmpty(entry: KeyEntry): void {
    if (entry.windowCount !== 0 || entry.waitingCount !== 0) return;
    if (this.keyIndex[entry.slot]?.delete(entry.value)) this.keyFilters[entry.slot]?.remove(entry.hash);
    const bytes = KEY_ENTRY_BYTES + stringBytes(entry.value);
    if (entry.chargedToWindows) this.windowBytes -= bytes;
    else this.waitingLogBytes -= bytes;
  }

  /** A log without trace context joins the newest open windows sharing a linking key, and waits for more. */
  private linkTraceless(log: NormalizedLog, now: number): void {
    if (!this.o.linkTracelessLogs || !hasLinkingValue(log)) return;
    // Room first: dropping the oldest waiting log may unindex an entry this log is about to use.
    if (this.graceLogCount >= this.o.maxWaitingLogs) {
      this.removeOldestGrace();
      this.drop('grace_buffer_full', 1);
    }
    const fanout = this.o.maxLinkFanout;
    // The windows it joins (at most `fanout`) and the position of the value that links each; a log
    // carrying both linking keys joins a window once. Arrays, not a Map: there are a handful at
    // most, made only when some window matches (most trace-less logs find none and wait).
    let targets: Window[] | undefined;
    let positions: number[] | undefined;
    let fanoutDropped = 0;
    // The entries it will wait in: one lookup per linking value serves both the join and the wait.
    const waitsIn = this.waitsIn;
    let found = 0;
    for (let slot = 0; slot < LINKING_KEYS.length; slot++) {
      const value = log.keys[LINKING_KEYS[slot] as BusinessKey];
      if (!value) {
        waitsIn[slot] = undefined;
        continue;
      }
      found += 1;
      const lone = this.lone[slot] as LoneValues;
      const h = lone.hash(value);
      let entry = this.indexed(slot, value, h);
      if (entry === undefined) {
        const alone = lone.take(value, h);
        if (alone < 0) {
          // A value nothing is under yet: the log waits alone under it (added to the lone values below).
          waitsIn[slot] = value;
          this.loneHashes[slot] = h;
          continue;
        }
        // A second log with a value: it gets its entry.
        entry = this.newEntry(slot, value, false, alone, h);
      }
      waitsIn[slot] = entry;
      if (entry.windowCount === 0) continue;
      targets ??= [];
      positions ??= [];
      // Newest first; a window already reached through the other value is passed over, and
      // there are at most `fanout` of those, so the walk is bounded by 2 * fanout.
      let visited = 0;
      for (let node = entry.tail; node !== undefined && targets.length < fanout; node = node.prev) {
        visited += 1;
        const w = windowOf(node);
        if (found > 1 && targets.includes(w)) continue;
        targets.push(w);
        positions.push(slot);
      }
      fanoutDropped += entry.windowCount - visited;
    }
    if (fanoutDropped > 0) this.drop('link_fanout_cap', fanoutDropped);
    // It waits even when it joined open windows: a trace with the same key that opens shortly
    // after (its spans are often exported later than the orchestrator logs) must see it too.
    const seq = this.waiting.enqueue(log, now + this.o.graceMs, waitsIn, this.loneHashes);
    this.waitingLogBytes += this.waiting.bytesOf(seq);
    for (let slot = 0; slot < waitsIn.length; slot++) {
      const lone = waitsIn[slot];
      if (typeof lone !== 'string') continue;
      (this.lone[slot] as LoneValues).add(lone, this.loneHashes[slot] as number, seq);
      this.waitingLogBytes += LONE_VALUE_BYTES + stringBytes(lone);
    }
    if (targets === undefined || positions === undefined) return;
    for (let i = 0; i < targets.length; i++) this.joinLinked(targets[i] as Window, this.sharedSummary(seq, positions[i] as number));
  }

  private removeOldestGrace(): void {
    // Taken first: releasing its entries changes waitingLogBytes too.
    const bytes = this.waiting.takeOldest(this.release, this.releaseLone);
    this.waitingLogBytes -= bytes;
  }

  /** releaseIfEmpty, bound once (the waiting ring calls it for each entry a leaving log waited in). */
  private readonly release = (entry: KeyEntry): void => this.releaseIfEmpty(entry);

  /**
   * Closes the oldest open windows (only due ones when `dueOnly`) until `work` records' worth or
   * `max` windows are closed (at least one, if any qualifies); returns how many it closed.
   */
  private closeFromHead(now: number, work: number, max: number, dueOnly: boolean): number {
    let closed = 0;
    for (let done = 0; done < work && closed < max; closed++) {
      const w = this.peekOldest();
      if (w === undefined || (dueOnly && this.startOf(w) + this.o.windowMs > now)) break;
      done += closeWork(w);
      this.popOldest();
      this.close(w, now);
    }
    return closed;
  }

  /** Closes due windows until `work` records' worth are closed, then expires as many waiting logs. */
  private expire(now: number, work: number): void {
    this.closeFromHead(now, work, Number.POSITIVE_INFINITY, true);
    for (let n = 0; n < work && this.waiting.oldestExpiry() <= now; n++) this.removeOldestGrace();
    this.waiting.shrink();
  }

  private close(w: Window, now: number): void {
    this.open.delete(w.traceId);
    const startMs = this.startOf(w);
    const endMs = Math.min(now, startMs + this.o.windowMs);
    // Related traces are read from the key index while the window is still in it.
    const related = withRemote(
      relatedTraces(w, startMs, this.o.maxRelatedPerWindow, this.o.onDrop),
      this.o.remoteRelated?.(w),
      this.o.maxRelatedPerWindow,
    );
    for (const node of nodesOf(w)) {
      const entry = node.entry as KeyEntry;
      unlinkNode(node);
      if (entry === this.errorWindows) continue; // not a key value: nothing to remember or release
      // Remembered for the windows of the value still open; forgotten when none is.
      this.windowBytes += rememberClosed(entry, w.traceId, endMs, this.o.maxRelatedPerWindow);
      this.releaseIfEmpty(entry);
    }
    this.windowBytes -= w.bytes;
    this.closedBytes += w.bytes;
    this.closedTraces.set(w.traceId, true);
    if (this.closedTraces.size > this.o.maxClosedRemembered) {
      const oldest = this.closedTraces.keys().next().value;
      if (oldest !== undefined) this.closedTraces.delete(oldest);
    }
    this.pending.push(buildEvent(this.o.instance, w, startMs, endMs, related));
    this.pendingSizes.push(w.bytes);
  }
}

/** The hash of every value an index holds (its key filter's rebuild). */
function* hashesOf(index: Map<string, KeyEntry>): Iterable<number> {
  for (const entry of index.values()) yield entry.hash;
}
