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
interface Window {
  traceId: string;
  startMs: number;
  closeAt: number;
  continuation: boolean;
  services: string | Set<string> | undefined;
  spanCount: number;
  logCount: number;
  linkedLogCount: number;
  errorCount: number;
  highestRank: number;
  /** Values per business key, indexed like BUSINESS_KEYS. */
  keys: (string | Set<string> | undefined)[] | undefined;
  root: SpanSummary | undefined;
  spans: SpanSummary[] | undefined;
  logs: LogSummary[] | undefined;
  spansCapped: boolean;
  logsCapped: boolean;
  related: Map<string, RelatedTrace> | undefined;
  /** Waiting logs already picked up, so one carrying two keys joins once (bounded by the grace buffer). */
  pickedUp: Set<GraceEntry> | undefined;
}

interface GraceEntry {
  /** Indexed under its LINKING_KEYS values (log.keys is not changed after normalizing). */
  log: NormalizedLog;
  expiresAt: number;
}

/**
 * What an index holds under one value: the item itself while it is the only one (most values),
 * else a Set. Windows and grace entries are plain objects, never Sets.
 */
type Bucket<T> = T | Set<T>;

/**
 * One index per linking key, looked up by the value itself: the hot paths (every trace-less log,
 * every new linking value) no longer build a `key + value` string to use as the map key.
 * Together with lone-item buckets and no per-log Map/array, bench/src/micro/correlator.ts went
 * from ~530k to ~740k workload-1 records/s.
 */
type KeyedIndex<T> = Map<BusinessKey, Map<string, Bucket<T>>>;

function keyedIndex<T>(): KeyedIndex<T> {
  return new Map(LINKING_KEYS.map((k) => [k, new Map<string, Bucket<T>>()]));
}

function bucketAdd<T extends object>(index: Map<string, Bucket<T>> | undefined, value: string, item: T): void {
  const b = index?.get(value);
  if (b === undefined) index?.set(value, item);
  else if (b instanceof Set) b.add(item);
  else if (b !== item) index?.set(value, new Set([b, item]));
}

function bucketDelete<T extends object>(index: Map<string, Bucket<T>> | undefined, value: string, item: T): void {
  const b = index?.get(value);
  if (b === item) index?.delete(value);
  else if (b instanceof Set) {
    b.delete(item);
    if (b.size === 0) index?.delete(value);
  }
}

function bucketItems<T extends object>(b: Bucket<T>): Iterable<T> {
  return b instanceof Set ? b : [b];
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
  /** (key, value) -> open windows that have seen it; kept in step with closes. */
  private readonly keyIndex: KeyedIndex<Window> = keyedIndex();
  /** Trace-less logs waiting for a window, oldest first (same lifetime for all, so FIFO). */
  private readonly grace: GraceEntry[] = [];
  private graceHead = 0;
  private readonly graceIndex: KeyedIndex<GraceEntry> = keyedIndex();
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
      const listed = (w.spans?.length ?? 0) < this.o.maxSpansPerWindow;
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
        if (w.spans) w.spans.push(summary);
        else w.spans = [summary];
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
    for (const index of this.graceIndex.values()) index.clear();
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
      closeAt: now + this.o.windowMs,
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

  private joinLog(w: Window, log: NormalizedLog, linkedBy: LogSummary['linkedBy']): void {
    w.logCount += 1;
    if (linkedBy) w.linkedLogCount += 1;
    addService(w, log.service);
    const rank = SEVERITY_RANK.get(log.severity) ?? 0;
    if (rank > w.highestRank) w.highestRank = rank;
    if (rank >= ERROR_RANK) w.errorCount += 1;
    if ((w.logs?.length ?? 0) < this.o.maxLogsPerWindow) {
      const summary: LogSummary = {
        timeUnixMs: log.timeUnixMs,
        severity: log.severity,
        service: log.service,
        message: log.message,
        ...(log.spanId ? { spanId: log.spanId } : {}),
        ...(linkedBy ? { linkedBy } : {}),
      };
      if (w.logs) w.logs.push(summary);
      else w.logs = [summary];
    } else {
      w.logsCapped = true;
      this.drop('log_detail_cap', 1);
    }
  }

  /** Records the business keys of a trace record; new linking values meet other windows and waiting logs. */
  private addKeys(w: Window, keys: NormalizedLog['keys'], now: number): void {
    for (let k = 0; k < BUSINESS_KEYS.length; k++) {
      const key = BUSINESS_KEYS[k] as BusinessKey;
      const value = keys[key];
      if (!value) continue;
      const slot = w.keys?.[k];
      if (slot === value || (typeof slot === 'object' && slot.has(value))) continue;
      if (slotSize(slot) >= this.o.maxKeyValuesPerWindow) {
        this.drop('key_values_cap', 1);
        continue;
      }
      w.keys ??= new Array(BUSINESS_KEYS.length);
      if (slot === undefined) w.keys[k] = value;
      else if (typeof slot === 'string') w.keys[k] = new Set([slot, value]);
      else slot.add(value);
      if (!(LINKING_KEYS as readonly BusinessKey[]).includes(key)) continue;

      const windows = this.keyIndex.get(key);
      const indexed = windows?.get(value);
      if (indexed !== undefined) for (const other of bucketItems(indexed)) this.relate(w, other, key, value);
      bucketAdd(windows, value, w);

      const waiting = this.graceIndex.get(key)?.get(value);
      if (waiting) {
        for (const entry of bucketItems(waiting)) {
          if (entry.expiresAt <= now) continue;
          w.pickedUp ??= new Set();
          if (w.pickedUp.has(entry)) continue;
          w.pickedUp.add(entry);
          this.joinLog(w, entry.log, { key, value });
        }
      }
    }
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
    let keyed = false;
    for (const key of LINKING_KEYS) {
      const value = log.keys[key];
      if (!value) continue;
      keyed = true;
      const indexed = this.keyIndex.get(key)?.get(value);
      if (!indexed) continue;
      targets ??= new Map();
      for (const w of bucketItems(indexed)) {
        if (targets.has(w)) continue;
        if (targets.size >= this.o.maxLinkFanout) {
          fanoutDropped += 1;
          continue;
        }
        targets.set(w, { key, value });
      }
    }
    if (fanoutDropped > 0) this.drop('link_fanout_cap', fanoutDropped);
    if (!keyed) return;
    // It waits even when it joined open windows: a trace with the same key that opens shortly
    // after (its spans are often exported later than the orchestrator logs) must see it too.
    const entry = this.waitForWindow(log, now);
    if (!targets) return;
    for (const [w, linkedBy] of targets) {
      this.joinLog(w, log, linkedBy);
      // Marked as picked up, so a second linking key seen later does not join it twice.
      w.pickedUp ??= new Set();
      w.pickedUp.add(entry);
    }
  }

  private waitForWindow(log: NormalizedLog, now: number): GraceEntry {
    if (this.graceLogCount >= this.o.maxGraceLogs) {
      this.removeOldestGrace();
      this.drop('grace_buffer_full', 1);
    }
    const entry: GraceEntry = { log, expiresAt: now + this.o.graceMs };
    this.grace.push(entry);
    for (const key of LINKING_KEYS) {
      const value = log.keys[key];
      if (value) bucketAdd(this.graceIndex.get(key), value, entry);
    }
    return entry;
  }

  private removeOldestGrace(): void {
    const entry = this.grace[this.graceHead];
    if (!entry) return;
    this.grace[this.graceHead] = undefined as unknown as GraceEntry;
    this.graceHead += 1;
    for (const key of LINKING_KEYS) {
      const value = entry.log.keys[key];
      if (value) bucketDelete(this.graceIndex.get(key), value, entry);
    }
    // Compact once the consumed head dominates, keeping the array O(live entries).
    if (this.graceHead > 1024 && this.graceHead * 2 > this.grace.length) {
      this.grace.splice(0, this.graceHead);
      this.graceHead = 0;
    }
  }

  private expire(now: number): void {
    for (const w of this.open.values()) {
      if (w.closeAt > now) break;
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
      const key = BUSINESS_KEYS[k] as BusinessKey;
      const slot = w.keys?.[k];
      if (slot === undefined || !(LINKING_KEYS as readonly BusinessKey[]).includes(key)) continue;
      const windows = this.keyIndex.get(key);
      if (typeof slot === 'string') bucketDelete(windows, slot, w);
      else for (const value of slot) bucketDelete(windows, value, w);
    }
    this.closedTraces.set(w.traceId, true);
    if (this.closedTraces.size > this.o.maxClosedRemembered) {
      const oldest = this.closedTraces.keys().next().value;
      if (oldest !== undefined) this.closedTraces.delete(oldest);
    }
    this.pending.push(this.toEvent(w, Math.min(now, w.closeAt)));
  }

  private toEvent(w: Window, endMs: number): CorrelationEvent {
    const keys: CorrelationEvent['keys'] = {};
    for (let k = 0; k < BUSINESS_KEYS.length; k++) {
      const slot = w.keys?.[k];
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
        spans: w.spans ? w.spans.sort((a, b) => a.startUnixMs - b.startUnixMs) : [],
        logs: w.logs ? w.logs.sort((a, b) => a.timeUnixMs - b.timeUnixMs) : [],
        spansCapped: w.spansCapped,
        logsCapped: w.logsCapped,
      },
    };
  }
}
