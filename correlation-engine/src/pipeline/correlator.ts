// Groups spans and logs into per-trace windows and emits one CorrelationEvent per closed window.
// Pure: no I/O, no timers; the clock is injected and the owner calls tick() periodically.
//
// Why no timer wheel: every window has the same length and the clock only moves forward, so
// windows become due in the order they were opened. An insertion-ordered Map of open windows is
// therefore already an expiry queue: tick() pops from its head while the head is due. Opening,
// joining and closing are O(1) per record however many windows are open.
import {
  BUSINESS_KEYS,
  type BusinessKey,
  type BusinessKeys,
  type CorrelationEvent,
  LINKING_KEYS,
  type LogSummary,
  type NormalizedLog,
  type NormalizedSpan,
  type RelatedTrace,
  SEVERITIES,
  type Severity,
  type SpanSummary,
} from './types.js';

export type DropReason =
  | 'span_detail_cap'
  | 'log_detail_cap'
  | 'key_values_cap'
  | 'related_traces_cap'
  | 'link_fanout_cap'
  | 'grace_buffer_full';

export interface CorrelatorOptions {
  instance: string;
  windowMs: number;
  maxOpenWindows: number;
  maxSpansPerWindow: number;
  maxLogsPerWindow: number;
  now: () => number;
  /** How long a trace-less log waits for a window with its key (default: one window length). */
  graceMs?: number;
  /** Trace-less logs kept waiting at most (default 10 000). */
  maxGraceLogs?: number;
  /** Distinct values kept per business key per window (default 16). */
  maxKeyValuesPerWindow?: number;
  /** Related traces listed per window (default 50). */
  maxRelatedPerWindow?: number;
  /** Open windows one trace-less log may join (default 100). */
  maxLinkFanout?: number;
  /** Trace ids remembered after close, to flag continuations (default maxOpenWindows). */
  maxClosedRemembered?: number;
  /** Told about every bounded-state decision, so none is silent. */
  onDrop?: (reason: DropReason, count: number) => void;
  /** Told when a full table forces the oldest window to close early. */
  onEvict?: () => void;
}

const SEVERITY_RANK = new Map<Severity, number>(SEVERITIES.map((s, i) => [s, i]));
const ERROR_RANK = SEVERITY_RANK.get('ERROR') ?? 4;

// Memory: up to CORR_MAX_OPEN_WINDOWS (and 1M in the benchmark) of these live at once, and most
// hold one or a few records, so a Window allocates only what it uses: one service or key value is
// kept as a plain string (a Set only from the second distinct one), detail lists and the related
// map are created on first use, and the root is the span's summary, not the whole decoded span.
// This took a one-span window from ~2.7 KiB to under 1 KiB of RSS (bench/, BENCHMARKS.md).
// Every live object is also marked by each major GC, which with a million open windows stalled
// ingest for seconds; so a one-span window also has no spans array (its one summary stands in
// for the list) and no key array (it shares the span's keys object), and the close time is
// computed, not stored as a second boxed double (bench/src/window-memory.ts --objects).
interface Window {
  traceId: string;
  startMs: number;
  continuation: boolean;
  services: string | Set<string> | undefined;
  spanCount: number;
  logCount: number;
  linkedLogCount: number;
  errorCount: number;
  highestRank: number;
  /**
   * Values per business key: while one record gave them all, that record's own keys object
   * (shared, never written); from a second record on, slots indexed like BUSINESS_KEYS.
   */
  keys: KeySlots | BusinessKeys | undefined;
  root: SpanSummary | undefined;
  /** The detail list; its only entry on its own while there is one (most windows). */
  spans: SpanSummary | SpanSummary[] | undefined;
  logs: LogSummary[] | undefined;
  spansCapped: boolean;
  logsCapped: boolean;
  related: Map<string, RelatedTrace> | undefined;
  /** Waiting logs already picked up, so one carrying two keys joins once (bounded by the grace buffer). */
  pickedUp: Set<GraceEntry> | undefined;
}

/** Distinct values per business key, indexed like BUSINESS_KEYS: one as a string, more as a Set. */
type KeySlots = (string | Set<string> | undefined)[];

/** The values a window holds under key position k, whichever form its keys take. */
function keySlot(keys: KeySlots | BusinessKeys | undefined, k: number): string | Set<string> | undefined {
  if (keys === undefined) return undefined;
  if (Array.isArray(keys)) return keys[k];
  return keys[BUSINESS_KEYS[k] as BusinessKey] || undefined;
}

/** Detail spans listed so far. */
const spanListLength = (spans: SpanSummary | SpanSummary[] | undefined): number =>
  spans === undefined ? 0 : Array.isArray(spans) ? spans.length : 1;

/** What a window keeps of a log it joins: the fields of its LogSummary. */
type JoinedLog = Pick<NormalizedLog, 'timeUnixMs' | 'severity' | 'service' | 'message' | 'spanId'>;

interface GraceEntry {
  /**
   * Only the fields a later join needs, not the NormalizedLog: the log's keys and attributes
   * objects then die young instead of being copied out of the young generation for every waiting
   * log (the GC was ~25% of workload 1; BENCHMARKS.md).
   */
  log: JoinedLog;
  expiresAt: number;
  /** The key entries it waits in (one per linking value it carries), to leave them without lookups. */
  waitsIn: KeyEntry | KeyEntry[];
}

/**
 * What an index holds under one value: the item itself while it is the only one (most values),
 * else a Set. Windows are plain objects, never Sets.
 */
type Bucket<T> = T | Set<T>;

/**
 * Everything known under one linking-key value: the open windows that carry it and the trace-less
 * logs waiting for it. One entry for both means a trace-less log costs one map lookup per key
 * (it used to cost a lookup in a window index plus a get/set and a later get/delete in a separate
 * grace index; bench/src/micro/correlator.ts and BENCHMARKS.md have the numbers).
 */
interface KeyEntry {
  /** Position of the key in LINKING_KEYS (which index holds this entry). */
  slot: number;
  value: string;
  windows: Bucket<Window> | undefined;
  /**
   * Waiting logs, oldest first. Every waiting log has the same lifetime and the buffer drops its
   * oldest when full, so logs leave in arrival order: always from the head of this list too.
   */
  waiting: GraceEntry | GraceEntry[] | undefined;
}

/** Linking-key position in LINKING_KEYS, or -1: an array lookup instead of includes() per key. */
const LINKING_SLOT: readonly number[] = BUSINESS_KEYS.map((k) => (LINKING_KEYS as readonly BusinessKey[]).indexOf(k));

function bucketAdd<T extends object>(b: Bucket<T> | undefined, item: T): Bucket<T> {
  if (b === undefined || b === item) return item;
  if (b instanceof Set) return b.add(item);
  return new Set([b, item]);
}

/** The bucket without the item; undefined when it is empty. */
function bucketDelete<T extends object>(b: Bucket<T> | undefined, item: T): Bucket<T> | undefined {
  if (b === item) return undefined;
  if (b instanceof Set) {
    b.delete(item);
    if (b.size === 0) return undefined;
  }
  return b;
}

function bucketItems<T extends object>(b: Bucket<T>): Iterable<T> {
  return b instanceof Set ? b : [b];
}

function waitingItems(w: GraceEntry | GraceEntry[]): readonly GraceEntry[] {
  return Array.isArray(w) ? w : [w];
}

function hasLinkingValue(log: NormalizedLog): boolean {
  for (const key of LINKING_KEYS) if (log.keys[key]) return true;
  return false;
}

function addWaiting(entry: KeyEntry, waiting: GraceEntry): void {
  const list = entry.waiting;
  if (list === undefined) entry.waiting = waiting;
  else if (Array.isArray(list)) list.push(waiting);
  else entry.waiting = [list, waiting];
}

/** How many distinct values a key slot holds. */
const slotSize = (slot: string | Set<string> | undefined): number => (slot === undefined ? 0 : typeof slot === 'string' ? 1 : slot.size);

function addService(w: Window, service: string): void {
  const s = w.services;
  if (s === undefined) w.services = service;
  else if (typeof s === 'string') {
    if (s !== service) w.services = new Set([s, service]);
  } else s.add(service);
}

/** Root = a span without a parent; among several (or none), the earliest. */
/** True when the object has an own key (cheaper than Object.keys(...).length for the hot path). */
function hasAny(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

function betterRoot(candidate: { parentSpanId?: string | undefined; startUnixMs: number }, current: SpanSummary | undefined): boolean {
  if (!current) return true;
  const candRoot = !candidate.parentSpanId;
  const curRoot = !current.parentSpanId;
  if (candRoot !== curRoot) return candRoot;
  return candidate.startUnixMs < current.startUnixMs;
}

export class Correlator {
  private readonly open = new Map<string, Window>();
  /** Per linking key (LINKING_KEYS order): value -> open windows and waiting logs; kept in step with closes. */
  private readonly keyIndex: Map<string, KeyEntry>[] = LINKING_KEYS.map(() => new Map());
  /** Trace-less logs waiting for a window, oldest first (same lifetime for all, so FIFO). */
  private readonly grace: GraceEntry[] = [];
  private graceHead = 0;
  private readonly closedTraces = new Map<string, true>();
  private pending: CorrelationEvent[] = [];
  private lastNow = Number.NEGATIVE_INFINITY;
  private readonly o: Required<Omit<CorrelatorOptions, 'onDrop' | 'onEvict'>> & Pick<CorrelatorOptions, 'onDrop' | 'onEvict'>;

  constructor(options: CorrelatorOptions) {
    this.o = {
      ...options,
      graceMs: options.graceMs ?? options.windowMs,
      maxGraceLogs: options.maxGraceLogs ?? 10_000,
      maxKeyValuesPerWindow: options.maxKeyValuesPerWindow ?? 16,
      maxRelatedPerWindow: options.maxRelatedPerWindow ?? 50,
      maxLinkFanout: options.maxLinkFanout ?? 100,
      maxClosedRemembered: options.maxClosedRemembered ?? options.maxOpenWindows,
    };
  }

  /** Windows currently open. */
  get openWindowCount(): number {
    return this.open.size;
  }

  /** Trace-less logs currently waiting for a window. */
  get graceLogCount(): number {
    return this.grace.length - this.graceHead;
  }

  addSpans(spans: readonly NormalizedSpan[]): void {
    const now = this.clock();
    this.expire(now);
    for (const span of spans) {
      const w = this.windowFor(span.traceId, now);
      w.spanCount += 1;
      addService(w, span.service);
      if (span.status === 'ERROR') {
        w.errorCount += 1;
        if (ERROR_RANK > w.highestRank) w.highestRank = ERROR_RANK;
      }
      const better = betterRoot(span, w.root);
      const listed = spanListLength(w.spans) < this.o.maxSpansPerWindow;
      // One summary object serves as detail entry and as root (the event reads the same fields).
      const summary: SpanSummary | undefined =
        better || listed
          ? {
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              service: span.service,
              startUnixMs: span.startUnixMs,
              durationMs: Math.max(0, span.endUnixMs - span.startUnixMs),
              status: span.status,
              // Shared with the span, not copied: the view and API clients check keys per span.
              ...(hasAny(span.keys) ? { keys: span.keys } : {}),
            }
          : undefined;
      if (better) w.root = summary;
      if (listed && summary) {
        const list = w.spans;
        if (list === undefined) w.spans = summary;
        else if (Array.isArray(list)) list.push(summary);
        else w.spans = [list, summary];
      } else {
        w.spansCapped = true;
        this.drop('span_detail_cap', 1);
      }
      this.addKeys(w, span.keys, now);
    }
  }

  addLogs(logs: readonly NormalizedLog[]): void {
    const now = this.clock();
    this.expire(now);
    for (const log of logs) {
      if (log.traceId) {
        const w = this.windowFor(log.traceId, now);
        this.joinLog(w, log, undefined);
        this.addKeys(w, log.keys, now);
      } else {
        this.linkTraceless(log, now);
      }
    }
  }

  /** Closes every due window; returns their events (and any closed early since the last call). */
  tick(): CorrelationEvent[] {
    this.expire(this.clock());
    return this.drain();
  }

  /** Closes every open window now (shutdown) and returns all pending events. */
  flush(): CorrelationEvent[] {
    const now = this.clock();
    for (const w of this.open.values()) this.close(w, now);
    this.grace.length = 0;
    this.graceHead = 0;
    // Every window is closed and every waiting log dropped: nothing is left under any value.
    for (const index of this.keyIndex) index.clear();
    return this.drain();
  }

  /** The injected clock, never moving backwards (a step back would break the FIFO expiry order). */
  private clock(): number {
    const now = this.o.now();
    if (now > this.lastNow) this.lastNow = now;
    return this.lastNow;
  }

  private drain(): CorrelationEvent[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }

  private drop(reason: DropReason, count: number): void {
    this.o.onDrop?.(reason, count);
  }

  private windowFor(traceId: string, now: number): Window {
    const existing = this.open.get(traceId);
    if (existing) return existing;
    if (this.open.size >= this.o.maxOpenWindows) {
      // Evicting the oldest loses nothing already seen (its event is emitted now, just early);
      // refusing the new trace would lose the freshest data instead.
      const oldest = this.open.values().next().value;
      if (oldest) {
        this.close(oldest, now);
        this.o.onEvict?.();
      }
    }
    const w: Window = {
      traceId,
      startMs: now,
      continuation: this.closedTraces.delete(traceId),
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
      related: undefined,
      pickedUp: undefined,
    };
    this.open.set(traceId, w);
    return w;
  }

  private joinLog(w: Window, log: JoinedLog, linkedBy: LogSummary['linkedBy']): void {
    w.logCount += 1;
    if (linkedBy) w.linkedLogCount += 1;
    addService(w, log.service);
    const rank = SEVERITY_RANK.get(log.severity) ?? 0;
    if (rank > w.highestRank) w.highestRank = rank;
    if (rank >= ERROR_RANK) w.errorCount += 1;
    if ((w.logs?.length ?? 0) < this.o.maxLogsPerWindow) {
      // Optional fields assigned, not spread: no temporary objects per joined log.
      const summary: LogSummary = { timeUnixMs: log.timeUnixMs, severity: log.severity, service: log.service, message: log.message };
      if (log.spanId) summary.spanId = log.spanId;
      if (linkedBy) summary.linkedBy = linkedBy;
      if (w.logs) w.logs.push(summary);
      else w.logs = [summary];
    } else {
      w.logsCapped = true;
      this.drop('log_detail_cap', 1);
    }
  }

  /** Records the business keys of a trace record; new linking values meet other windows and waiting logs. */
  private addKeys(w: Window, keys: NormalizedLog['keys'], now: number): void {
    // The first record with keys lends the window its keys object (one value per key fits any
    // cap >= 1); a later one turns it into slots.
    const first = w.keys === undefined && this.o.maxKeyValuesPerWindow >= 1;
    let slots: KeySlots | undefined;
    let recorded = false;
    for (let k = 0; k < BUSINESS_KEYS.length; k++) {
      const key = BUSINESS_KEYS[k] as BusinessKey;
      const value = keys[key];
      if (!value) continue;
      if (!first) {
        slots ??= this.keySlots(w);
        const slot = slots[k];
        if (slot === value || (typeof slot === 'object' && slot.has(value))) continue;
        if (slotSize(slot) >= this.o.maxKeyValuesPerWindow) {
          this.drop('key_values_cap', 1);
          continue;
        }
        if (slot === undefined) slots[k] = value;
        else if (typeof slot === 'string') slots[k] = new Set([slot, value]);
        else slot.add(value);
      }
      recorded = true;
      const linking = LINKING_SLOT[k] as number;
      if (linking < 0) continue;

      const entry = this.keyEntry(linking, value);
      if (entry.windows !== undefined) for (const other of bucketItems(entry.windows)) this.relate(w, other, key, value);
      entry.windows = bucketAdd(entry.windows, w);
      if (entry.waiting === undefined) continue;
      for (const waiting of waitingItems(entry.waiting)) {
        if (waiting.expiresAt <= now) continue;
        w.pickedUp ??= new Set();
        if (w.pickedUp.has(waiting)) continue;
        w.pickedUp.add(waiting);
        this.joinLog(w, waiting.log, { key, value });
      }
    }
    if (first && recorded) w.keys = keys;
  }

  /** The window's keys as slots (copied out of a shared keys object the first time). */
  private keySlots(w: Window): KeySlots {
    const keys = w.keys;
    if (Array.isArray(keys)) return keys;
    const slots: KeySlots = new Array(BUSINESS_KEYS.length);
    if (keys !== undefined) for (let k = 0; k < BUSINESS_KEYS.length; k++) slots[k] = keySlot(keys, k);
    w.keys = slots;
    return slots;
  }

  /** The entry for a linking value, created (and indexed) when new. */
  private keyEntry(slot: number, value: string): KeyEntry {
    const index = this.keyIndex[slot] as Map<string, KeyEntry>;
    let entry = index.get(value);
    if (entry === undefined) {
      entry = { slot, value, windows: undefined, waiting: undefined };
      index.set(value, entry);
    }
    return entry;
  }

  /** Unindexes an entry nothing refers to any more, so the index stays O(open windows + waiting logs). */
  private releaseIfEmpty(entry: KeyEntry): void {
    if (entry.windows === undefined && entry.waiting === undefined) this.keyIndex[entry.slot]?.delete(entry.value);
  }

  private relate(a: Window, b: Window, key: BusinessKey, value: string): void {
    this.addRelated(a, { traceId: b.traceId, key, value });
    this.addRelated(b, { traceId: a.traceId, key, value });
  }

  private addRelated(w: Window, rel: RelatedTrace): void {
    // One entry per related trace is enough to navigate; the first shared key names the link.
    if (w.related?.has(rel.traceId)) return;
    if ((w.related?.size ?? 0) >= this.o.maxRelatedPerWindow) {
      this.drop('related_traces_cap', 1);
      return;
    }
    w.related ??= new Map();
    w.related.set(rel.traceId, rel);
  }

  /** A log without trace context joins every open window sharing a linking key, or waits for one. */
  private linkTraceless(log: NormalizedLog, now: number): void {
    // Window -> the key that links it; a log carrying both linking keys joins a window once.
    // Created only when some window matches: most trace-less logs find none and wait.
    let targets: Map<Window, { key: BusinessKey; value: string }> | undefined;
    let fanoutDropped = 0;
    if (!hasLinkingValue(log)) return;
    // Room first: dropping the oldest waiting log may unindex an entry this log is about to use.
    if (this.graceLogCount >= this.o.maxGraceLogs) {
      this.removeOldestGrace();
      this.drop('grace_buffer_full', 1);
    }
    // The entries it will wait in: one lookup per linking value serves both the join and the wait.
    let waitsIn: KeyEntry | KeyEntry[] | undefined;
    for (let slot = 0; slot < LINKING_KEYS.length; slot++) {
      const key = LINKING_KEYS[slot] as BusinessKey;
      const value = log.keys[key];
      if (!value) continue;
      const entry = this.keyEntry(slot, value);
      waitsIn = waitsIn === undefined ? entry : Array.isArray(waitsIn) ? [...waitsIn, entry] : [waitsIn, entry];
      if (entry.windows === undefined) continue;
      targets ??= new Map();
      for (const w of bucketItems(entry.windows)) {
        if (targets.has(w)) continue;
        if (targets.size >= this.o.maxLinkFanout) {
          fanoutDropped += 1;
          continue;
        }
        targets.set(w, { key, value });
      }
    }
    if (fanoutDropped > 0) this.drop('link_fanout_cap', fanoutDropped);
    if (waitsIn === undefined) return; // not reached: hasLinkingValue() said there is one
    // It waits even when it joined open windows: a trace with the same key that opens shortly
    // after (its spans are often exported later than the orchestrator logs) must see it too.
    const waiting = this.waitForWindow(log, now, waitsIn);
    if (!targets) return;
    for (const [w, linkedBy] of targets) {
      this.joinLog(w, log, linkedBy);
      // Marked as picked up, so a second linking key seen later does not join it twice.
      w.pickedUp ??= new Set();
      w.pickedUp.add(waiting);
    }
  }

  private waitForWindow(log: NormalizedLog, now: number, waitsIn: KeyEntry | KeyEntry[]): GraceEntry {
    const kept: JoinedLog = { timeUnixMs: log.timeUnixMs, severity: log.severity, service: log.service, message: log.message };
    if (log.spanId) kept.spanId = log.spanId;
    const waiting: GraceEntry = { log: kept, expiresAt: now + this.o.graceMs, waitsIn };
    this.grace.push(waiting);
    if (Array.isArray(waitsIn)) for (const entry of waitsIn) addWaiting(entry, waiting);
    else addWaiting(waitsIn, waiting);
    return waiting;
  }

  private removeOldestGrace(): void {
    const waiting = this.grace[this.graceHead];
    if (!waiting) return;
    this.grace[this.graceHead] = undefined as unknown as GraceEntry;
    this.graceHead += 1;
    const { waitsIn } = waiting;
    if (Array.isArray(waitsIn)) for (const entry of waitsIn) this.leave(entry, waiting);
    else this.leave(waitsIn, waiting);
    // Compact once the consumed head dominates, keeping the array O(live entries).
    if (this.graceHead > 1024 && this.graceHead * 2 > this.grace.length) {
      this.grace.splice(0, this.graceHead);
      this.graceHead = 0;
    }
  }

  /** Takes a waiting log out of an entry (from its head: logs leave in arrival order). */
  private leave(entry: KeyEntry, waiting: GraceEntry): void {
    const list = entry.waiting;
    if (list === waiting) entry.waiting = undefined;
    else if (Array.isArray(list)) {
      // The head in practice; indexOf only guards the order argument above.
      const at = list[0] === waiting ? 0 : list.indexOf(waiting);
      if (at === 0) list.shift();
      else if (at > 0) list.splice(at, 1);
      if (list.length === 1) entry.waiting = list[0];
      else if (list.length === 0) entry.waiting = undefined;
    }
    this.releaseIfEmpty(entry);
  }

  private expire(now: number): void {
    const windowMs = this.o.windowMs;
    for (const w of this.open.values()) {
      if (w.startMs + windowMs > now) break;
      this.close(w, now);
    }
    for (;;) {
      const entry = this.grace[this.graceHead];
      if (!entry || entry.expiresAt > now) break;
      this.removeOldestGrace();
    }
  }

  private close(w: Window, now: number): void {
    this.open.delete(w.traceId);
    for (let k = 0; k < BUSINESS_KEYS.length; k++) {
      const values = keySlot(w.keys, k);
      const linking = LINKING_SLOT[k] as number;
      if (values === undefined || linking < 0) continue;
      if (typeof values === 'string') this.unindexWindow(linking, values, w);
      else for (const value of values) this.unindexWindow(linking, value, w);
    }
    this.closedTraces.set(w.traceId, true);
    if (this.closedTraces.size > this.o.maxClosedRemembered) {
      const oldest = this.closedTraces.keys().next().value;
      if (oldest !== undefined) this.closedTraces.delete(oldest);
    }
    this.pending.push(this.toEvent(w, Math.min(now, w.startMs + this.o.windowMs)));
  }

  private unindexWindow(slot: number, value: string, w: Window): void {
    const entry = this.keyIndex[slot]?.get(value);
    if (entry === undefined) return;
    entry.windows = bucketDelete(entry.windows, w);
    this.releaseIfEmpty(entry);
  }

  private toEvent(w: Window, endMs: number): CorrelationEvent {
    const keys: CorrelationEvent['keys'] = {};
    for (let k = 0; k < BUSINESS_KEYS.length; k++) {
      const slot = keySlot(w.keys, k);
      if (slot !== undefined && slotSize(slot) > 0) keys[BUSINESS_KEYS[k] as BusinessKey] = typeof slot === 'string' ? [slot] : [...slot];
    }
    const root = w.root;
    const services = w.services;
    return {
      id: `${this.o.instance}:${w.traceId}:${w.startMs}`,
      instance: this.o.instance,
      traceId: w.traceId,
      windowStart: new Date(w.startMs).toISOString(),
      windowEnd: new Date(endMs).toISOString(),
      continuation: w.continuation,
      services: services === undefined ? [] : typeof services === 'string' ? [services] : [...services].sort(),
      spanCount: w.spanCount,
      logCount: w.logCount,
      linkedLogCount: w.linkedLogCount,
      errorCount: w.errorCount,
      highestSeverity: w.highestRank >= 0 ? (SEVERITIES[w.highestRank] ?? null) : null,
      keys,
      rootSpan: root
        ? {
            spanId: root.spanId,
            name: root.name,
            service: root.service,
            durationMs: root.durationMs,
          }
        : null,
      relatedTraces: w.related ? [...w.related.values()] : [],
      detail: {
        spans: w.spans === undefined ? [] : Array.isArray(w.spans) ? w.spans.sort((a, b) => a.startUnixMs - b.startUnixMs) : [w.spans],
        logs: w.logs ? w.logs.sort((a, b) => a.timeUnixMs - b.timeUnixMs) : [],
        spansCapped: w.spansCapped,
        logsCapped: w.logsCapped,
      },
    };
  }

  // minimal version; replaced by the O(1)-accounting correlator
  /** Estimated bytes of the open windows and of the trace-less logs waiting for one. */
  approxBytes(): { windows: number; waitingLogs: number } {
    // Rough per-item costs: a window with a few records, a waiting log with a short message.
    return { windows: this.open.size * 1024, waitingLogs: this.graceLogCount * 512 };
  }

  // minimal version; replaced by the O(1)-accounting correlator
  /** Closes up to n of the oldest open windows now (each counted through onEvict); returns the pending events. */
  closeOldest(n: number): CorrelationEvent[] {
    const now = this.clock();
    for (let i = 0; i < n; i++) {
      const oldest = this.open.values().next().value;
      if (oldest === undefined) break;
      this.close(oldest, now);
      this.o.onEvict?.();
    }
    return this.drain();
  }
}
