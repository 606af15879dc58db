// Glue between the ingest routes and the rest: counts what arrives, hands logs to the delivery
// seam, feeds the correlator, keeps the recent lists the query routes read, and publishes the
// events of closed windows (recent list, delivery, metrics). It also owns the memory budget and
// sheds in its documented order as the budget is approached (docs/memory-budget.md): the oldest
// windows close early, then detail beyond the pressure caps is dropped, then ingest is refused.
import { join } from 'node:path';
import { ClusterNode } from '../cluster-linking/cluster-node.js';
import { ClusterSender } from '../cluster-linking/cluster-sender.js';
import type { Config } from '../config.js';
import { BackpressureError, type Delivery } from '../delivery/delivery.js';
import { FAILURE_LOG_INTERVAL_MS, LogThrottle } from '../log-throttle.js';
import { fullCollection } from '../memory/full-collection.js';
import { InflightBodies } from '../memory/inflight-bodies.js';
import { type AccountedBytes, MemoryBudget, type MemoryPressure, SHED_STAGES, type ShedStage } from '../memory/memory-budget.js';
import { defaultHeapLimitBytes, detectMemoryLimit, type MemoryLimit } from '../memory/memory-limit.js';
import { eventBytes, logBytes } from '../memory/record-bytes.js';
import type { Metrics } from '../metrics.js';
import { UnavailableError } from '../model/errors.js';
import type { CorrelationEvent, NormalizedLog, NormalizedSpan, OpenCorrelationEvent, ReceivedOtlpLogs, Signal } from '../model/types.js';
import { Correlator, DEFAULT_MAX_RELATED } from './correlator.js';
import { EventRefusalLog } from './event-refusal-log.js';
import type { OpenFilter, OpenPosition } from './open-windows.js';
import { RecentBuffer } from './recent-buffer.js';

/** Retry-After when delivery failed for a reason other than backpressure. */
const PERSIST_RETRY_AFTER_SECONDS = 5;
/** Retry-After while ingest is refused for memory: long enough for windows to close and the GC to run. */
export const MEMORY_RETRY_AFTER_SECONDS = 5;
/** Share of the state budget each recent list may hold (halved while detail is dropped). */
const RECENT_LIST_SHARE = 0.1;
/**
 * Windows closed per shedding step, and their records (Correlator.closeOldest): bound the work of
 * one step and the events it hands on at once while memory is short (the next batch or tick
 * continues). Windows of many records close fewer per step.
 */
const MAX_WINDOWS_CLOSED_PER_STEP = 5000;
const MAX_CLOSE_WORK_PER_STEP = 10_000;
/**
 * Closing work per task of the interval (closeDueSlice), in records of the closed windows
 * (Correlator.tick): small enough that closing, encoding and queueing their events stays a few ms,
 * large enough that the continuations are few.
 */
const CLOSE_SLICE_WORK = 2048;
/** Events of closed windows waiting for the interval past which an ingest batch hands them on (handOnClosedBacklog) ... */
export const HAND_ON_CLOSED_AT = 1024;
/** ... or their estimated bytes past which it does: a few large windows weigh as much as many small ones. */
export const HAND_ON_CLOSED_BYTES = 4 * 1024 * 1024;
/** Span and log summaries an event keeps in the recent list while detail is dropped. */
const PRESSURE_DETAIL_CAP = 10;

/** How long shutdown keeps sending cluster records to the gateway; the rest waits on disk for the next start. */
const CLUSTER_SHUTDOWN_MS = 2000;

/** The cluster node and its sender, from the configuration (cluster-linking/). */
function clusterOf(config: Config, options: PipelineOptions): { node: ClusterNode; sender: ClusterSender } | undefined {
  const c = config.clusterLinking;
  if (!c) return undefined;
  const sender = new ClusterSender({
    url: c.gatewayUrl,
    instance: config.instanceId,
    queueDir: join(config.exporters.dataDir, 'cluster'),
    queueSync: config.exporters.queue.sync,
    maxBytes: c.bufferMaxBytes,
    lingerMs: c.lingerMs,
    metrics: options.metrics,
    logger: { info: () => {}, warn: (o, m) => options.log.warn(o, m), error: (o, m) => options.log.error(o, m) },
  });
  const node = new ClusterNode({
    instance: config.instanceId,
    windowMs: config.windowMs,
    maxOpenWindows: config.maxOpenWindows,
    maxWaitingLogs: config.maxWaitingLogs,
    maxRelated: DEFAULT_MAX_RELATED,
    now: options.now,
    sender,
    metrics: options.metrics,
  });
  return { node, sender };
}

/** Where the memory budget reads its limit and the heap (tests inject them). */
export interface MemoryOptions {
  limit?: MemoryLimit;
  /** Root of the cgroup file system read when no limit is configured (default /sys/fs/cgroup). */
  cgroupRoot?: string;
  heapLimitBytes?: number;
  heapUsedBytes?: () => number;
  /** Least time between two heap readings (default 250 ms). */
  heapSampleMs?: number;
  /** The full collection that confirms a heap reading before a refusal (default V8's when the real heap is read). */
  collectGarbage?: () => void;
}

/** What /ready and the metrics say about memory. */
export interface MemoryStatus {
  stage: ShedStage;
  pressure: MemoryPressure;
  limitBytes: number;
  source: MemoryLimit['source'];
  accounted: AccountedBytes;
  /** Set while ingest is refused. */
  reason?: string;
}

export interface PipelineLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface PipelineOptions {
  config: Config;
  metrics: Metrics;
  delivery: Delivery;
  now: () => number;
  log: PipelineLogger;
  memory?: MemoryOptions;
}

export interface LogFilter {
  service?: string;
  traceId?: string;
}

export interface EventFilter {
  traceId?: string;
  circuitId?: string;
  resourceId?: string;
  errorsOnly?: boolean;
  service?: string;
  /** Unix ms: only events whose window ended at or after it. */
  sinceMs?: number;
}

function logMatcher(q: LogFilter): (log: NormalizedLog) => boolean {
  return (l) => (q.service === undefined || l.service === q.service) && (q.traceId === undefined || l.traceId === q.traceId);
}

/** Told about changed windows and closed events (the live streams, live/live-streams.ts). */
export interface LiveListener {
  touch(traceId: string, arrivedAt: number): void;
  closed(events: readonly CorrelationEvent[]): void;
}

export function eventMatcher(q: EventFilter): (event: CorrelationEvent) => boolean {
  return (e) =>
    (q.traceId === undefined || e.traceId === q.traceId) &&
    (q.service === undefined || e.services.includes(q.service)) &&
    (q.circuitId === undefined || (e.keys.circuit_id?.includes(q.circuitId) ?? false)) &&
    (q.resourceId === undefined || (e.keys.resource_id?.includes(q.resourceId) ?? false)) &&
    (!q.errorsOnly || e.errorCount > 0) &&
    (q.sinceMs === undefined || Date.parse(e.windowEnd) >= q.sinceMs);
}

export class Pipeline {
  readonly correlator: Correlator;
  private readonly recentLogs: RecentBuffer<NormalizedLog>;
  private readonly recentEvents: RecentBuffer<CorrelationEvent>;
  private readonly metrics: Metrics;
  private readonly delivery: Delivery;
  private readonly log: PipelineLogger;
  private readonly eventRefusals: EventRefusalLog;
  /** While delivery cannot persist, every request fails alike: one line per FAILURE_LOG_INTERVAL_MS. */
  private readonly persistFailureLines: LogThrottle;
  private timer: NodeJS.Timeout | undefined;
  /** The next slice of closing while windows are still due (closeDueSlice). */
  private continuation: NodeJS.Immediate | undefined;
  readonly memory: MemoryBudget;
  /** Request bodies being received or handled (counted by the HTTP and gRPC edges). */
  readonly inflight = new InflightBodies();
  private readonly recentByteLimit: number;
  private droppingDetail = false;
  private live: LiveListener | undefined;
  /** performance.now() ms when the batch being ingested arrived (its records' arrival, for the live streams). */
  private batchArrivedAt = 0;
  /** Linking across replicas (cluster-linking/), when ENGINE_CLUSTER_GATEWAY_URL is set. */
  private readonly cluster: { node: ClusterNode; sender: ClusterSender } | undefined;

  constructor(options: PipelineOptions) {
    const { config, metrics } = options;
    this.metrics = metrics;
    this.delivery = options.delivery;
    this.log = options.log;
    this.eventRefusals = new EventRefusalLog(options.log, options.now);
    this.persistFailureLines = new LogThrottle(options.now, 1, FAILURE_LOG_INTERVAL_MS);
    const m = options.memory ?? {};
    const heapLimitBytes = m.heapLimitBytes ?? defaultHeapLimitBytes();
    const limit =
      m.limit ??
      detectMemoryLimit({
        configuredBytes: config.memoryLimitBytes,
        heapLimitBytes,
        ...(m.cgroupRoot ? { cgroupRoot: m.cgroupRoot } : {}),
      });
    this.memory = new MemoryBudget({
      limit,
      heapLimitBytes,
      heapUsedBytes: m.heapUsedBytes ?? (() => process.memoryUsage().heapUsed),
      accounted: () => this.accountedBytes(),
      ...(m.heapSampleMs !== undefined ? { heapSampleMs: m.heapSampleMs } : {}),
      // A collection changes only the real heap: with an injected reading there is nothing to confirm.
      collectGarbage: m.collectGarbage ?? (m.heapUsedBytes ? undefined : fullCollection()),
      onCollect: (durationMs) => {
        metrics.memoryCollections.inc();
        metrics.memoryCollectionSeconds.inc(durationMs / 1000);
      },
    });
    this.recentByteLimit = this.memory.stateBudgetBytes * RECENT_LIST_SHARE;
    this.recentLogs = new RecentBuffer(config.recentLogs, this.recentByteLimit, logBytes);
    this.recentEvents = new RecentBuffer(config.recentEvents, this.recentByteLimit, eventBytes);
    this.cluster = clusterOf(config, options);
    this.correlator = new Correlator({
      ...this.cluster?.node.correlatorHooks(),
      instance: config.instanceId,
      windowMs: config.windowMs,
      maxOpenWindows: config.maxOpenWindows,
      maxSpansPerWindow: config.maxSpansPerWindow,
      maxLogsPerWindow: config.maxLogsPerWindow,
      maxWaitingLogs: config.maxWaitingLogs,
      now: options.now,
      onDrop: (reason, count) => metrics.countDropped(reason, count),
      onEvict: () => metrics.windowsEvicted.inc(),
      onOpenRead: (n) => metrics.openWindowsRead.inc(n),
      onTouch: (traceId) => this.live?.touch(traceId, this.batchArrivedAt),
    });
    this.cluster?.node.attach(this.correlator);
    metrics.setMemoryReporter(() => {
      const status = this.memoryStatus();
      return {
        budgetBytes: status.limitBytes,
        source: status.source,
        accounted: status.accounted,
        pressure: status.pressure.ratio,
        stage: SHED_STAGES.indexOf(status.stage),
      };
    });
  }

  /** Bytes held now by each kind of state that grows with traffic; O(1). */
  accountedBytes(): AccountedBytes {
    const c = this.correlator.approxBytes();
    return {
      windows: c.windows + (this.cluster?.node.owner.approxBytes() ?? 0),
      waiting_logs: c.waitingLogs,
      recent_logs: this.recentLogs.bytes,
      recent_events: this.recentEvents.bytes,
      inflight_bodies: this.inflight.bytes,
      export_buffers: (this.delivery.memoryBytes?.() ?? 0) + (this.cluster?.sender.bufferedBytes ?? 0),
    };
  }

  memoryStatus(): MemoryStatus {
    const pressure = this.memory.pressure();
    const stage = this.memory.stage(pressure.ratio);
    return {
      stage,
      pressure,
      limitBytes: this.memory.limit.bytes,
      source: this.memory.limit.source,
      accounted: this.accountedBytes(),
      ...(stage === 'refuse_ingest' ? { reason: this.memory.refusalReason(pressure) } : {}),
    };
  }

  /** The refusal (a 503 in http/) to answer an ingest request with while memory is over budget (counted), else undefined. */
  memoryRefusal(): UnavailableError | undefined {
    const reason = this.shortOfMemory();
    if (reason === undefined) return undefined;
    this.metrics.memoryShed.inc({ reason: 'ingest_refused' });
    return new UnavailableError(reason, MEMORY_RETRY_AFTER_SECONDS);
  }

  /** Why ingest is refused while memory is over budget, else undefined (not counted: a reading). */
  shortOfMemory(): string | undefined {
    const pressure = this.memory.pressure();
    return this.memory.stage(pressure.ratio) === 'refuse_ingest' ? this.memory.refusalReason(pressure) : undefined;
  }

  private assertMemory(): void {
    const refusal = this.memoryRefusal();
    if (refusal) throw refusal;
  }

  /** Set while a backlog (the export queue, or cluster records for the gateway) is over its bound; drives /ready. */
  backpressure(): { retryAfterSeconds: number; reason: string } | null {
    return this.delivery.backpressure() ?? this.cluster?.sender.backpressure() ?? null;
  }

  /** Throws BackpressureError while a backlog is over its bound. */
  assertAccepting(): void {
    const bp = this.backpressure();
    if (bp) throw new BackpressureError(`export backlog over its bound: ${bp.reason}`, bp.retryAfterSeconds);
  }

  /** Sends changed windows and closed events to `live` from now on. */
  setLiveListener(live: LiveListener): void {
    this.live = live;
  }

  /**
   * Logs are made safe by the delivery seam first: a refused batch (429) must not be correlated twice.
   * `arrivedAt` (performance.now() ms, default now) is when the request carrying the records
   * arrived: the visibility histogram measures from it. `received` is the OTLP request the batch
   * was decoded from, in the batch's order (delivery may forward it as it arrived).
   */
  async ingestLogs(batch: readonly NormalizedLog[], arrivedAt = performance.now(), received?: ReceivedOtlpLogs): Promise<void> {
    if (batch.length === 0) return;
    this.assertMemory();
    const cluster = this.cluster;
    // Cluster records are not user logs: never delivered, listed or counted as ingested. They are
    // not refused for a full cluster buffer either, since applying them is what drains the others.
    const logs = cluster ? cluster.node.userLogs(batch) : batch;
    if (cluster && logs.length > 0) {
      const bp = cluster.sender.backpressure();
      if (bp) throw new BackpressureError(bp.reason, bp.retryAfterSeconds);
    }
    if (logs !== batch) cluster?.node.applyRecords(batch);
    if (logs.length === 0) {
      this.afterChange();
      return;
    }
    try {
      await this.delivery.acceptLogs(logs, received && logs !== batch ? withoutClusterRecords(received, batch, logs) : received);
    } catch (err) {
      if (err instanceof BackpressureError) throw err;
      // The records are not safe (e.g. the queue's disk failed): tell the client to retry rather
      // than answer 2xx, and keep the cause in our log, not in the answer.
      const requestsNotLogged = this.persistFailureLines.record('persist');
      if (requestsNotLogged !== undefined) {
        this.log.error(
          { err, requestsNotLogged },
          'delivery could not persist logs (requestsNotLogged: refused since the previous such line without one of their own)',
        );
      }
      throw new UnavailableError('records could not be persisted; retry later', PERSIST_RETRY_AFTER_SECONDS);
    }
    this.count('logs', logs);
    let tooLarge = 0;
    for (const log of logs) if (!this.recentLogs.push(log)) tooLarge += 1;
    // Delivered all the same; only the recent list (a view) leaves it out.
    if (tooLarge > 0) this.metrics.countDropped('recent_list_oversized', tooLarge);
    this.batchArrivedAt = arrivedAt;
    this.correlator.addLogs(logs);
    this.handOnClosedBacklog();
    if (cluster) {
      cluster.node.probeTraceless(logs);
      // A probe is owed to the key's owner like the line to Loki: on disk before the answer.
      await cluster.sender.persisted().catch(() => {
        throw new UnavailableError('cluster records could not be persisted; retry later', PERSIST_RETRY_AFTER_SECONDS);
      });
    }
    this.visibleOnApi(arrivedAt);
    this.afterChange();
  }

  /** Spans only feed the correlator (traces reach Tempo through the gateway, not through us). */
  ingestSpans(spans: readonly NormalizedSpan[], arrivedAt = performance.now()): void {
    this.assertAccepting();
    if (spans.length === 0) return;
    this.assertMemory();
    this.count('traces', spans);
    this.batchArrivedAt = arrivedAt;
    this.correlator.addSpans(spans);
    this.handOnClosedBacklog();
    this.visibleOnApi(arrivedAt);
    this.afterChange();
  }

  /**
   * Ingest closes windows too (its share of due ones, and a full table's evictions); their events
   * wait for the interval, which hands them on in slices, many to a queue row: rows shared by many
   * events write the log summaries they share once, which matters under key skew. But evictions
   * come at the ingest rate, faster than the slices take them, and the events piled up in memory
   * without bound. Past one slice's worth waiting (in events or in bytes), the batch that finds
   * them hands them all on.
   */
  private handOnClosedBacklog(): void {
    const c = this.correlator;
    if (c.closedWaiting < HAND_ON_CLOSED_AT && c.closedWaitingBytes < HAND_ON_CLOSED_BYTES) return;
    this.publish(c.takeClosed()).catch(() => {});
  }

  /** The batch's windows answer queries from here on: once per batch, not per record. */
  private visibleOnApi(arrivedAt: number): void {
    this.metrics.visibility.observe({ surface: 'api' }, Math.max(0, performance.now() - arrivedAt) / 1000);
  }

  /** Metrics are counted, not stored: the gateway sends them to Prometheus. */
  countMetrics(dataPoints: number, services: readonly string[]): void {
    if (dataPoints <= 0) return;
    this.assertMemory();
    const service = services.length === 1 ? (services[0] ?? 'unknown') : services.length === 0 ? 'unknown' : 'multiple';
    this.metrics.recordsReceived.inc({ signal: 'metrics', service: this.metrics.serviceLabel(service) }, dataPoints);
  }

  /** Closes due windows (up to `work` records' worth, see Correlator.tick) and publishes their events. */
  tick(work?: number): CorrelationEvent[] {
    this.memory.sampleHeap(performance.now());
    const events = this.correlator.tick(work);
    this.cluster?.node.tick();
    this.publish(events).catch(() => {});
    this.afterChange();
    return events;
  }

  /** Starts the one interval that closes windows (no timer per trace). */
  start(intervalMs: number): void {
    if (this.timer || intervalMs <= 0) return;
    // While a continuation runs through the due windows, the interval leaves them to it.
    this.timer = setInterval(() => this.continuation ?? this.closeDueSlice(), intervalMs);
    this.timer.unref();
  }

  /**
   * One bounded step of closing: CLOSE_SLICE_WORK records' worth of windows, then, if more are due, the next
   * step after pending I/O. A tick that closed every due window in one task grew with the rate
   * (a late tick found more due, took longer, and was later again), stalling requests and /health
   * for up to seconds; a slice's close, event encoding and queue append are bounded instead.
   */
  private closeDueSlice(): void {
    this.continuation = undefined;
    if (!this.timer) return;
    this.tick(CLOSE_SLICE_WORK);
    if (this.correlator.hasDue()) {
      this.continuation = setImmediate(() => this.closeDueSlice());
      this.continuation.unref();
    }
  }

  /**
   * Stops the interval and closes every open window, handing the events to delivery; returns how
   * many. In slices, each handed on (and, with a durable queue, committed) before the next is
   * built: all events of a full table at once ran a heap-capped engine out of memory on SIGTERM.
   */
  async flush(): Promise<number> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.continuation) clearImmediate(this.continuation);
    this.continuation = undefined;
    let count = 0;
    for (let events = this.correlator.flush(CLOSE_SLICE_WORK); events.length > 0; events = this.correlator.flush(CLOSE_SLICE_WORK)) {
      count += events.length;
      await this.publish(events);
    }
    this.afterChange();
    if (this.cluster) {
      this.cluster.node.owner.clear();
      await this.cluster.sender.shutdown(CLUSTER_SHUTDOWN_MS);
    }
    return count;
  }

  /** Kept logs matching `q`, newest first, from below position `before` (see RecentBuffer.walkNewest). */
  walkLogs(q: LogFilter, before: number, visit: (log: NormalizedLog, seq: number) => boolean): void {
    const keep = logMatcher(q);
    this.recentLogs.walkNewest(before, (log, seq) => !keep(log) || visit(log, seq));
  }

  walkEvents(q: EventFilter, before: number, visit: (event: CorrelationEvent, seq: number) => boolean): void {
    const keep = eventMatcher(q);
    this.recentEvents.walkNewest(before, (event, seq) => !keep(event) || visit(event, seq));
  }

  /** Open windows matching the filter as open events, newest first (Correlator.walkOpen). */
  walkOpen(
    filter: OpenFilter,
    from: OpenPosition | undefined,
    visit: (event: OpenCorrelationEvent, resume: OpenPosition) => boolean,
  ): OpenPosition | undefined {
    const c = this.correlator;
    return c.walkOpen(filter, from, (w, resume) => visit(c.openEvent(w), resume));
  }

  /** The trace's open window as an open event, if it has one. */
  openEventOf(traceId: string): OpenCorrelationEvent | undefined {
    const w = this.correlator.openWindow(traceId);
    return w === undefined ? undefined : this.correlator.openEvent(w);
  }

  /** The newest kept event of a closed window of this trace. */
  latestEventOf(traceId: string): CorrelationEvent | undefined {
    let found: CorrelationEvent | undefined;
    this.walkEvents({ traceId }, this.recentEvents.end, (event) => {
      found = event;
      return false;
    });
    return found;
  }

  /** The kept log at position `seq`, undefined once pushed out. */
  logAt(seq: number): NormalizedLog | undefined {
    return this.recentLogs.at(seq);
  }

  /** The kept event with this id (a walk over the bounded recent list; queries only). */
  eventById(id: string): CorrelationEvent | undefined {
    let found: CorrelationEvent | undefined;
    this.recentEvents.walkNewest(this.recentEvents.end, (event) => {
      if (event.id === id) found = event;
      return found === undefined;
    });
    return found;
  }

  /** One past the newest kept log's / event's position: where a first page starts. */
  get logsEnd(): number {
    return this.recentLogs.end;
  }

  get eventsEnd(): number {
    return this.recentEvents.end;
  }

  private async publish(events: CorrelationEvent[]): Promise<void> {
    if (events.length === 0) return;
    let linked = 0;
    for (const event of events) {
      this.recentEvents.push(this.droppingDetail ? this.withPressureDetail(event) : event);
      this.metrics.windowRecords.observe(event.spanCount + event.logCount);
      linked += event.linkedLogCount;
    }
    this.metrics.eventsTotal.inc(events.length);
    if (linked > 0) this.metrics.linkedLogs.inc(linked);
    this.live?.closed(events);
    try {
      await this.delivery.acceptEvents(events);
    } catch (err) {
      // Events stay queryable here; only their export is lost, and that is counted.
      this.metrics.countDropped('event_delivery_refused', events.length);
      this.eventRefusals.refusedBatch(err, events.length);
      return;
    }
    this.eventRefusals.accepted();
  }

  private count(signal: Signal, records: readonly { service: string }[]): void {
    const perService = new Map<string, number>();
    for (const r of records) perService.set(r.service, (perService.get(r.service) ?? 0) + 1);
    for (const [service, n] of perService) {
      this.metrics.recordsReceived.inc({ signal, service: this.metrics.serviceLabel(service) }, n);
    }
  }

  private afterChange(): void {
    this.relieveMemory();
    this.metrics.openWindows.set(this.correlator.openWindowCount);
  }

  /**
   * One shedding step, in the documented order: from CLOSE_WINDOWS_AT the oldest windows close
   * early (their events are emitted, as on eviction), from DROP_DETAIL_AT the recent lists are
   * halved and new events keep little detail there; refusing ingest is memoryRefusal()'s part.
   * Runs after every ingest batch and tick: O(1) unless it sheds, and a step is bounded.
   */
  private relieveMemory(): void {
    const pressure = this.memory.pressure();
    const stage = this.memory.stage(pressure.ratio);
    const dropDetail = stage === 'drop_detail' || stage === 'refuse_ingest';
    this.setDetailDropping(dropDetail);
    if (stage === 'normal') return;
    const open = this.correlator.openWindowCount;
    const excess = this.memory.excessBytes(pressure.ratio);
    if (open === 0 || excess <= 0) return;
    const perWindow = Math.max(1, this.correlator.approxBytes().windows / open);
    const n = Math.min(open, MAX_WINDOWS_CLOSED_PER_STEP, Math.ceil(excess / perWindow));
    const before = open;
    const events = this.correlator.closeOldest(n, MAX_CLOSE_WORK_PER_STEP);
    this.metrics.memoryShed.inc({ reason: 'windows_closed_early' }, before - this.correlator.openWindowCount);
    this.publish(events).catch(() => {});
  }

  private setDetailDropping(on: boolean): void {
    if (on === this.droppingDetail) return;
    this.droppingDetail = on;
    const limit = on ? this.recentByteLimit / 2 : this.recentByteLimit;
    const dropped = this.recentLogs.setByteLimit(limit) + this.recentEvents.setByteLimit(limit);
    if (dropped > 0) this.metrics.memoryShed.inc({ reason: 'recent_entries_dropped' }, dropped);
  }

  /** The event as the recent list keeps it under pressure: detail cut to PRESSURE_DETAIL_CAP (delivery gets it whole). */
  private withPressureDetail(event: CorrelationEvent): CorrelationEvent {
    const { spans, logs } = event.detail;
    if (spans.length <= PRESSURE_DETAIL_CAP && logs.length <= PRESSURE_DETAIL_CAP) return event;
    this.metrics.memoryShed.inc({ reason: 'event_detail_dropped' });
    return {
      ...event,
      detail: {
        spans: spans.slice(0, PRESSURE_DETAIL_CAP),
        logs: logs.slice(0, PRESSURE_DETAIL_CAP),
        spansCapped: event.detail.spansCapped || spans.length > PRESSURE_DETAIL_CAP,
        logsCapped: event.detail.logsCapped || logs.length > PRESSURE_DETAIL_CAP,
      },
    };
  }
}

/**
 * The request less the cluster records of its batch: their wire ordinals join the request's
 * dropped ones. The batch holds the request's records in wire order, without those dropped.
 */
function withoutClusterRecords(
  received: ReceivedOtlpLogs,
  batch: readonly NormalizedLog[],
  userLogs: readonly NormalizedLog[],
): ReceivedOtlpLogs {
  const kept = new Set(userLogs);
  const dropped: number[] = [];
  let ordinal = 0;
  let next = 0; // the next of received.dropped
  for (const log of batch) {
    while (next < received.dropped.length && received.dropped[next] === ordinal) {
      dropped.push(ordinal++);
      next += 1;
    }
    if (!kept.has(log)) dropped.push(ordinal);
    ordinal += 1;
  }
  for (; next < received.dropped.length; next += 1) dropped.push(received.dropped[next] as number);
  return { ...received, dropped };
}
