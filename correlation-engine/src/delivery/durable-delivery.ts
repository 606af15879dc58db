// The Delivery used when at least one exporter is configured: accepted records are committed to
// the durable queue before accept* resolves (so before the route answers 2xx), and each exporter
// drains the queue on its own. The queue's byte bound is the only place ingest is pushed back.
import { FAILURE_LOG_INTERVAL_MS, LogThrottle } from '../log-throttle.js';
import type { CorrelationEvent, NormalizedLog, ReceivedOtlpLogs } from '../model/types.js';
import { BackpressureError, type Delivery } from './delivery.js';
import type { DeliveryLogger } from './delivery-logger.js';
import type { ExporterMetrics } from './exporter-metrics.js';
import type { DurableQueue, NewEntry } from './queue/durable-queue.js';
import { type EventLogMessages, eventRow, logRow, otlpLogsRow } from './queue/queue-rows.js';
import type { QueueExporter } from './queue-exporter.js';

export interface DurableDeliveryOptions {
  queue: DurableQueue;
  exporters: readonly QueueExporter[];
  /** Backlog bound in bytes of queued records (QUEUE_MAX_BYTES). */
  maxBytes: number;
  /** Longest flush on shutdown (EXPORT_SHUTDOWN_DEADLINE_MS), whatever deadline the caller passes. */
  shutdownDeadlineMs?: number;
  metrics: ExporterMetrics;
  logger: DeliveryLogger;
  /** Whether queued events quote the text of the logs they list (LOKI_EVENT_LOG_MESSAGES); `quote` when unset. */
  eventLogMessages?: EventLogMessages;
}

/** Refusal ends once the backlog drains below this share of the bound, so /ready does not flap. */
const RESUME_RATIO = 0.9;
/** Correlation events may use this much room above the bound: refusing them would lose them. */
const EVENT_HEADROOM_RATIO = 0.1;
/**
 * Records per queue row. An exporter parses, encodes and sends a row whole, so one row for the
 * thousands of events a window sweep can close at once stalled the event loop; a 50-record
 * request still fits one row.
 */
const ROW_MAX_RECORDS = 100;
const SHUTDOWN_RETRY_AFTER_S = 5;
const STORAGE_RETRY_AFTER_S = 5;

export class DurableDelivery implements Delivery {
  readonly queue: DurableQueue;
  readonly exporters: readonly QueueExporter[];
  private readonly options: DurableDeliveryOptions;
  /** Some exporter forwards OTLP logs requests as received (fixed by configuration). */
  private readonly forwardsOtlpLogs: boolean;
  /** Queue rows for events, in the form LOKI_EVENT_LOG_MESSAGES chose (fixed by configuration). */
  private readonly eventRowOf: (events: readonly CorrelationEvent[]) => NewEntry;
  private refusing = false;
  private closed = false;
  private gaugeTimer: NodeJS.Timeout | null = null;

  /** While appends to the queue fail every request is refused (429) alike: one line per interval. */
  private readonly persistFailureLines = new LogThrottle(Date.now, 1, FAILURE_LOG_INTERVAL_MS);

  constructor(options: DurableDeliveryOptions) {
    this.options = options;
    this.queue = options.queue;
    this.exporters = options.exporters;
    this.forwardsOtlpLogs = options.exporters.some((e) => e.takesOtlpLogs());
    const logMessages = options.eventLogMessages ?? 'quote';
    this.eventRowOf = (events) => eventRow(events, logMessages);
  }

  /** Appends not yet committed are the only export records held in memory (batches are read from disk). */
  memoryBytes(): number {
    return this.queue.pendingBytesInMemory();
  }

  /**
   * Commits the logs some exporter ships to the durable queue; throws BackpressureError when the
   * backlog is over its bound. A log no exporter ships (an OTLP log with Loki alone and
   * LOKI_EXPORT_OTLP_LOGS=false: the gateway sends those to Loki) is not written: the queue makes
   * delivery durable, and nothing would read it but to skip it. The OTLP request the logs came
   * in is written as one row when an exporter forwards requests (Loki's OTLP form), in the same
   * transaction as the rows of the logs other exporters ship one by one.
   */
  async acceptLogs(logs: readonly NormalizedLog[], received?: ReceivedOtlpLogs): Promise<void> {
    if (logs.length === 0) return;
    const refusal = this.backpressure();
    if (refusal) throw new BackpressureError(refusal.reason, refusal.retryAfterSeconds);
    const shipped = this.shippedLogs(logs);
    const rows = shipped.length === 0 ? [] : toRows(shipped, logRow);
    if (received && this.forwardsOtlpLogs) rows.push(otlpLogsRow(received, logs.length));
    if (rows.length === 0) return;
    await this.persist(rows);
  }

  /** The logs at least one exporter ships: all of them in the common case, without a copy. */
  private shippedLogs(logs: readonly NormalizedLog[]): readonly NormalizedLog[] {
    const exporters = this.exporters;
    let shipped: NormalizedLog[] | undefined;
    for (let i = 0; i < logs.length; i++) {
      const log = logs[i] as NormalizedLog;
      let wanted = false;
      for (let e = 0; e < exporters.length && !wanted; e++) wanted = (exporters[e] as QueueExporter).wantsLog(log);
      if (wanted) shipped?.push(log);
      else shipped ??= logs.slice(0, i) as NormalizedLog[];
    }
    return shipped ?? logs;
  }

  /** Commits events; they pass the soft bound (up to a headroom) because the correlator cannot resend them. */
  async acceptEvents(events: readonly CorrelationEvent[]): Promise<void> {
    if (events.length === 0) return;
    const hardLimit = this.options.maxBytes * (1 + EVENT_HEADROOM_RATIO);
    if (this.queue.backlogBytes() >= hardLimit) {
      throw new BackpressureError(
        `export backlog over ${Math.round(hardLimit)} bytes; correlation events refused`,
        this.retryAfterSeconds(),
      );
    }
    await this.persist(toRows(events, this.eventRowOf));
  }

  /**
   * A failed disk write (disk full, I/O error) is reported as backpressure: the client keeps the
   * records and retries later, which beats a 500 that some clients would not retry.
   */
  private async persist(entries: NewEntry[]): Promise<void> {
    try {
      await this.queue.append(entries);
    } catch (err) {
      // Every request fails alike while the disk does: one line per interval, with what it left out.
      const requestsNotLogged = this.persistFailureLines.record('persist');
      if (requestsNotLogged !== undefined) {
        this.options.logger.error(
          { err: (err as Error).message, requestsNotLogged },
          'could not persist accepted records; refusing them (requestsNotLogged: refused since the previous such line without one of their own)',
        );
      }
      throw new BackpressureError(`records could not be persisted: ${(err as Error).message}`, STORAGE_RETRY_AFTER_S);
    }
    this.options.metrics.backlogBytes.set(this.queue.backlogBytes());
  }

  /** Non-null while the backlog is over its bound (with hysteresis) or delivery is shutting down. */
  backpressure(): { retryAfterSeconds: number; reason: string } | null {
    if (this.closed) return { retryAfterSeconds: SHUTDOWN_RETRY_AFTER_S, reason: 'shutting down' };
    const bytes = this.queue.backlogBytes();
    const { maxBytes, logger } = this.options;
    if (!this.refusing && bytes >= maxBytes) {
      this.refusing = true;
      logger.warn({ backlogBytes: bytes, maxBytes, lagging: this.lagging() }, 'export backlog over its bound: refusing ingest');
    } else if (this.refusing && bytes < maxBytes * RESUME_RATIO) {
      this.refusing = false;
      logger.info({ backlogBytes: bytes, maxBytes }, 'export backlog back under its bound: accepting ingest');
    }
    if (!this.refusing) return null;
    return {
      retryAfterSeconds: this.retryAfterSeconds(),
      reason: `export backlog ${bytes} bytes is over QUEUE_MAX_BYTES=${maxBytes} (waiting on: ${this.lagging().join(', ') || 'none'})`,
    };
  }

  /** Starts every exporter's reader and the backlog gauge. */
  start(): void {
    for (const exporter of this.exporters) exporter.start();
    this.gaugeTimer = setInterval(() => this.options.metrics.backlogBytes.set(this.queue.backlogBytes()), 1000);
    this.gaugeTimer.unref();
  }

  /**
   * Refuses new records, lets exporters drain until the deadline, then closes the queue.
   * `deadlineMs` is a duration in ms, or an absolute Unix-ms time when larger than 1e12.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const requested = deadlineMs > 1e12 ? deadlineMs : Date.now() + deadlineMs;
    const ownLimit = this.options.shutdownDeadlineMs;
    const deadlineAt = ownLimit === undefined ? requested : Math.min(requested, Date.now() + ownLimit);
    if (this.gaugeTimer) clearInterval(this.gaugeTimer);
    await Promise.all(this.exporters.map((e) => e.shutdown(deadlineAt)));
    const left = this.exporters.filter((e) => this.queue.depth(e.name) > 0).map((e) => `${e.name}=${this.queue.depth(e.name)}`);
    if (left.length > 0)
      this.options.logger.warn(
        { undelivered: left.join(' ') },
        'shutdown deadline reached; the rest stays queued on disk for the next start',
      );
    this.options.metrics.backlogBytes.set(this.queue.backlogBytes());
    await this.queue.close();
  }

  /** Exporters with queued records (what an operator should look at). */
  private lagging(): string[] {
    return this.exporters.filter((e) => this.queue.depth(e.name) > 0).map((e) => e.name);
  }

  /**
   * When a retry has a point: the slowest exporter's backoff level, or how long its request has
   * hung (QueueExporter.retryInMs), 1 s..60 s. Clients then back off with the exporter instead of
   * returning every second while the backend is down.
   */
  private retryAfterSeconds(): number {
    const waitMs = Math.max(0, ...this.exporters.map((e) => e.retryInMs()));
    return Math.min(60, Math.max(1, Math.ceil(waitMs / 1000)));
  }
}

/**
 * Queue rows for accepted records: up to ROW_MAX_RECORDS per row (queue-rows.ts lays them out),
 * not one row per record, so SQLite's per-row cost and a stringify are paid per row, not per record.
 */
function toRows<T>(items: readonly T[], row: (chunk: readonly T[]) => NewEntry): NewEntry[] {
  if (items.length <= ROW_MAX_RECORDS) return [row(items)];
  const rows: NewEntry[] = [];
  for (let i = 0; i < items.length; i += ROW_MAX_RECORDS) rows.push(row(items.slice(i, i + ROW_MAX_RECORDS)));
  return rows;
}
