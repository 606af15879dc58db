// Glue between the ingest routes and the rest: counts what arrives, hands logs to the delivery
// seam, feeds the correlator, keeps the recent lists the query routes read, and publishes the
// events of closed windows (recent list, delivery, metrics).
import type { Config } from '../config.js';
import { BackpressureError, type Delivery } from '../exporters/delivery.js';
import { HttpError } from '../http-error.js';
import type { Metrics } from '../metrics.js';
import { Correlator } from './correlator.js';
import { RecentBuffer } from './recent-buffer.js';
import type { CorrelationEvent, NormalizedLog, NormalizedSpan, Signal } from './types.js';

/** Retry-After when delivery failed for a reason other than backpressure. */
const PERSIST_RETRY_AFTER_SECONDS = 5;

export interface PipelineLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface PipelineOptions {
  config: Config;
  metrics: Metrics;
  delivery: Delivery;
  now: () => number;
  log: PipelineLogger;
}

export interface LogFilter {
  service?: string;
  traceId?: string;
}

export interface EventFilter {
  traceId?: string;
  circuitId?: string;
  service?: string;
  /** Unix ms: only events whose window ended at or after it. */
  sinceMs?: number;
}

function logMatcher(q: LogFilter): (log: NormalizedLog) => boolean {
  return (l) => (q.service === undefined || l.service === q.service) && (q.traceId === undefined || l.traceId === q.traceId);
}

function eventMatcher(q: EventFilter): (event: CorrelationEvent) => boolean {
  return (e) =>
    (q.traceId === undefined || e.traceId === q.traceId) &&
    (q.service === undefined || e.services.includes(q.service)) &&
    (q.circuitId === undefined || (e.keys.circuit_id?.includes(q.circuitId) ?? false)) &&
    (q.sinceMs === undefined || Date.parse(e.windowEnd) >= q.sinceMs);
}

export class Pipeline {
  readonly correlator: Correlator;
  private readonly recentLogs: RecentBuffer<NormalizedLog>;
  private readonly recentEvents: RecentBuffer<CorrelationEvent>;
  private readonly metrics: Metrics;
  private readonly delivery: Delivery;
  private readonly log: PipelineLogger;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: PipelineOptions) {
    const { config, metrics } = options;
    this.metrics = metrics;
    this.delivery = options.delivery;
    this.log = options.log;
    this.recentLogs = new RecentBuffer(config.recentLogs);
    this.recentEvents = new RecentBuffer(config.recentEvents);
    this.correlator = new Correlator({
      instance: config.instanceId,
      windowMs: config.windowMs,
      maxOpenWindows: config.maxOpenWindows,
      maxSpansPerWindow: config.maxSpansPerWindow,
      maxLogsPerWindow: config.maxLogsPerWindow,
      now: options.now,
      onDrop: (reason, count) => metrics.recordsDropped.inc({ reason }, count),
      onEvict: () => metrics.windowsEvicted.inc(),
    });
  }

  /** Throws BackpressureError while the delivery backlog is over its bound. */
  assertAccepting(): void {
    const bp = this.delivery.backpressure();
    if (bp) throw new BackpressureError(`export backlog over its bound: ${bp.reason}`, bp.retryAfterSeconds);
  }

  /** Logs are made safe by the delivery seam first: a refused batch (429) must not be correlated twice. */
  async ingestLogs(logs: readonly NormalizedLog[]): Promise<void> {
    if (logs.length === 0) return;
    try {
      await this.delivery.acceptLogs(logs);
    } catch (err) {
      if (err instanceof BackpressureError) throw err;
      // The records are not safe (e.g. the queue's disk failed): tell the client to retry rather
      // than answer 2xx, and keep the cause in our log, not in the answer.
      this.log.error({ err }, 'delivery could not persist logs');
      throw new HttpError(503, 'records could not be persisted; retry later', PERSIST_RETRY_AFTER_SECONDS);
    }
    this.count('logs', logs);
    for (const log of logs) this.recentLogs.push(log);
    this.correlator.addLogs(logs);
    this.afterChange();
  }

  /** Spans only feed the correlator (traces reach Tempo through the gateway, not through us). */
  ingestSpans(spans: readonly NormalizedSpan[]): void {
    this.assertAccepting();
    if (spans.length === 0) return;
    this.count('traces', spans);
    this.correlator.addSpans(spans);
    this.afterChange();
  }

  /** Metrics are counted, not stored: the gateway sends them to Prometheus. */
  countMetrics(dataPoints: number, services: readonly string[]): void {
    if (dataPoints <= 0) return;
    const service = services.length === 1 ? (services[0] ?? 'unknown') : services.length === 0 ? 'unknown' : 'multiple';
    this.metrics.recordsReceived.inc({ signal: 'metrics', service: this.metrics.serviceLabel(service) }, dataPoints);
  }

  /** Closes due windows and publishes their events. */
  tick(): CorrelationEvent[] {
    const events = this.correlator.tick();
    this.publish(events).catch(() => {});
    this.afterChange();
    return events;
  }

  /** Starts the one interval that closes windows (no timer per trace). */
  start(intervalMs: number): void {
    if (this.timer || intervalMs <= 0) return;
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Stops the interval and closes every open window, handing the events to delivery. */
  async flush(): Promise<CorrelationEvent[]> {
    clearInterval(this.timer);
    this.timer = undefined;
    const events = this.correlator.flush();
    await this.publish(events);
    this.afterChange();
    return events;
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
      this.recentEvents.push(event);
      this.metrics.windowRecords.observe(event.spanCount + event.logCount);
      linked += event.linkedLogCount;
    }
    this.metrics.eventsTotal.inc(events.length);
    if (linked > 0) this.metrics.linkedLogs.inc(linked);
    try {
      await this.delivery.acceptEvents(events);
    } catch (err) {
      // Events stay queryable here; only their export is lost, and that is counted.
      this.metrics.recordsDropped.inc({ reason: 'event_delivery_refused' }, events.length);
      this.log.warn({ err, events: events.length }, 'delivery refused correlation events');
    }
  }

  private count(signal: Signal, records: readonly { service: string }[]): void {
    const perService = new Map<string, number>();
    for (const r of records) perService.set(r.service, (perService.get(r.service) ?? 0) + 1);
    for (const [service, n] of perService) {
      this.metrics.recordsReceived.inc({ signal, service: this.metrics.serviceLabel(service) }, n);
    }
  }

  private afterChange(): void {
    this.metrics.openWindows.set(this.correlator.openWindowCount);
  }
}
