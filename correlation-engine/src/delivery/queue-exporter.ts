// What every exporter shares: it reads the durable queue at its own pace from its own committed
// position, turns a batch into one or more HTTP requests within its backend's limits, retries
// them (exponential backoff, full jitter, Retry-After), sets permanent rejections aside in a
// dead-letter file, and commits its position only after the batch is delivered or set aside.
// A crash between delivery and commit re-sends that batch after restart: at-least-once.
import { setTimeout as sleep } from 'node:timers/promises';
import { FAILURE_LOG_INTERVAL_MS, LogThrottle } from '../log-throttle.js';
import { type DeadLetterEntry, DeadLetterFile } from './dead-letter.js';
import type { DeliveryLogger } from './delivery-logger.js';
import { ExporterHealthLog, safeTarget } from './exporter-health-log.js';
import type { ExporterMetrics } from './exporter-metrics.js';
import type { DurableQueue, EntryKind, QueueEntry } from './queue/durable-queue.js';
import { decodeRow, type LogHead, type QueuedRecord, recordCount } from './queue/queue-rows.js';
import { backoffCeilingMs, backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from './retry.js';

export interface WireRequest {
  body: Uint8Array | string;
  headers: Record<string, string>;
  /** Where to send it, when not the exporter's URL (a backend with more than one endpoint). */
  url?: string;
  /** The records this request carries (counted on success, written out on rejection). */
  records: readonly QueuedRecord[];
}

export interface EncodedBatch {
  requests: WireRequest[];
  /** Records that can never be encoded (e.g. an invalid trace id): dead-lettered right away. */
  rejected?: { records: QueuedRecord[]; reason: string };
}

export interface RetryOptions {
  initialMs: number;
  maxMs: number;
  /** Attempts per request before it is dead-lettered; 0 retries transient failures forever. */
  maxAttempts: number;
}

export interface QueueExporterOptions {
  /** Consumer name in the queue and `exporter` label in metrics. */
  name: string;
  url: string;
  queue: DurableQueue;
  metrics: ExporterMetrics;
  logger: DeliveryLogger;
  deadLetterDir: string;
  /** Bytes this exporter's dead-letter files may take together (its share of DEAD_LETTER_MAX_BYTES). */
  deadLetterMaxBytes: number;
  /** Records read from the queue per batch. */
  batchMaxRecords: number;
  /** Bytes of queued records read per batch (at least one record is always read). */
  batchMaxBytes: number;
  /** How long a part-filled batch may wait for more records. */
  lingerMs: number;
  retry: RetryOptions;
  requestTimeoutMs: number;
  /** Shown in the start-up line next to the target (Datadog's site). */
  site?: string;
}

type SendOutcome = 'sent' | 'rejected' | 'aborted';

/** A batch read from the queue, its records being encoded. */
interface PreparedBatch {
  entries: QueueEntry[];
  encoded: Promise<EncodedBatch>;
}

/** Retry-After beyond this is treated as this: a backend asking for an hour must not park us for an hour. */
const MAX_RETRY_AFTER_MS = 300_000;
const IDLE_POLL_MS = 1_000;
const GAUGE_INTERVAL_MS = 1_000;

export abstract class QueueExporter {
  readonly name: string;
  protected readonly options: QueueExporterOptions;
  private readonly deadLetters: DeadLetterFile;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private unsubscribe: (() => void) | null = null;
  private gaugeTimer: NodeJS.Timeout | null = null;
  private flushWaiters: { target: number; resolve: () => void }[] = [];
  private committed = 0;
  private nextAttemptAtMs = 0;
  /** Backoff level of the current outage (the un-jittered delay ceiling, or the backend's Retry-After); 0 when delivering. */
  private backoffLevelMs = 0;
  /** When the request now in flight was sent; 0 when none is. */
  private sendingSinceMs = 0;
  private readonly health: ExporterHealthLog;
  /**
   * A backend refusing every batch refuses dozens a second under load: each batch is written to
   * the dead-letter files and counted, but logged at most once per FAILURE_LOG_INTERVAL_MS per
   * status (and the rotations it causes likewise), each line saying how many records had none.
   */
  private readonly setAsideLines = new LogThrottle(Date.now, 64, FAILURE_LOG_INTERVAL_MS);

  constructor(options: QueueExporterOptions) {
    this.name = options.name;
    this.options = options;
    this.deadLetters = new DeadLetterFile({
      dir: options.deadLetterDir,
      exporter: options.name,
      maxBytes: options.deadLetterMaxBytes,
      onDrop: (drop) => {
        options.metrics.deadLetterSegmentsDropped.inc({ exporter: drop.exporter }, drop.segments);
        options.metrics.deadLetterRecordsDropped.inc({ exporter: drop.exporter }, drop.records);
        const recordsNotLogged = this.setAsideLines.record('rotation', drop.records);
        if (recordsNotLogged === undefined) return;
        options.logger.warn(
          { ...drop, maxBytes: options.deadLetterMaxBytes, recordsNotLogged },
          'dead-letter files over their bound: oldest segments deleted (recordsNotLogged: deleted since the previous such line without one of their own)',
        );
      },
    });
    this.health = new ExporterHealthLog(options.logger, {
      exporter: options.name,
      target: safeTarget(options.url),
      ...(options.site ? { site: options.site } : {}),
    });
  }

  /**
   * Whether this exporter ships an accepted log at all. Asked before the log is queued: a log no
   * exporter ships is not written to the queue (nothing would ever read it but to skip it).
   */
  abstract wantsLog(log: LogHead): boolean;

  /**
   * Whether this exporter takes OTLP logs requests as received (queued once per request) rather
   * than their records one by one. Delivery queues such a request when some exporter does.
   */
  takesOtlpLogs(): boolean {
    return false;
  }

  /** Whether this exporter ships the record: every event, the logs wantsLog() takes, OTLP requests when it takes them. */
  protected wants(record: QueuedRecord): boolean {
    if (record.kind === 'log') return this.wantsLog(record.head ?? record.log);
    return record.kind === 'event' || this.takesOtlpLogs();
  }

  /** Cheap pre-filter on the entry kind, checked before a body is parsed. */
  protected wantsKind(_kind: EntryKind): boolean {
    return true;
  }

  /**
   * Reads of a decoded record what encode() will read, throwing when that does not read, so that
   * a row that does not is set aside here, whole and alone. By default the record itself (parsed
   * from its queued text, queue-rows.ts); an exporter that ships the queued text, or parts cut
   * from it, reads only those.
   */
  protected check(record: QueuedRecord): void {
    if (record.kind === 'event') void record.event;
    else if (record.kind === 'log') void record.log;
  }

  /** Turns records into wire requests within the backend's limits. */
  protected abstract encode(records: QueuedRecord[]): Promise<EncodedBatch>;

  /** Path of this exporter's dead-letter file. */
  get deadLetterPath(): string {
    return this.deadLetters.path;
  }

  /** Starts the background reader (idempotent). */
  start(): void {
    if (this.running) return;
    this.health.started();
    this.unsubscribe = this.options.queue.onAppend(() => this.wake?.());
    this.gaugeTimer = setInterval(() => this.updateGauges(), GAUGE_INTERVAL_MS);
    this.gaugeTimer.unref();
    this.running = this.run().catch((err: unknown) => {
      this.options.logger.error({ exporter: this.name, err: errorText(err) }, 'exporter reader stopped on an unexpected error');
    });
  }

  /** The batch's requests; records that cannot be encoded are set aside here, once. */
  private async encodeOrReject(records: QueuedRecord[]): Promise<EncodedBatch> {
    if (records.length === 0) return { requests: [] };
    let encoded: EncodedBatch;
    try {
      encoded = await this.encode(records);
    } catch (err) {
      this.reject(records, 0, `encode failed: ${errorText(err)}`);
      return { requests: [] };
    }
    if (encoded.rejected && encoded.rejected.records.length > 0) this.reject(encoded.rejected.records, 0, encoded.rejected.reason);
    return encoded;
  }

  /** Sends the requests in order: resolves once each was delivered or dead-lettered, or false when stopped first. */
  private async sendAll(encoded: EncodedBatch): Promise<boolean> {
    for (const request of encoded.requests) {
      if ((await this.send(request)) === 'aborted') return false;
    }
    return true;
  }

  /** Resolves once everything queued before the call is delivered (or the exporter stopped). */
  forceFlush(): Promise<void> {
    const target = this.options.queue.head();
    if (this.committed >= target || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushWaiters.push({ target, resolve });
      this.wake?.();
    });
  }

  /** Drains the queue until `deadlineAtMs` (Unix ms), then aborts in-flight work; the rest stays queued on disk. */
  async shutdown(deadlineAtMs: number): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.wake?.();
    const timer = setTimeout(() => this.abort.abort(), Math.max(0, deadlineAtMs - Date.now()));
    try {
      await this.running;
    } finally {
      clearTimeout(timer);
      this.abort.abort();
      this.unsubscribe?.();
      if (this.gaugeTimer) clearInterval(this.gaugeTimer);
      this.updateGauges();
      this.releaseFlushWaiters(true);
    }
  }

  /**
   * How long a refused client should wait, as this exporter sees it: while backing off, the
   * backoff's current level (not the jittered time left, which may be ~0 and would bring clients
   * back at once); while a request hangs, how long it has hung. 0 when delivering normally.
   */
  retryInMs(nowMs = Date.now()): number {
    const waiting = Math.max(0, this.nextAttemptAtMs - nowMs);
    const hanging = this.sendingSinceMs > 0 ? nowMs - this.sendingSinceMs : 0;
    return Math.max(waiting, this.backoffLevelMs, hanging);
  }

  private async run(): Promise<void> {
    const { queue, batchMaxRecords, batchMaxBytes, lingerMs } = this.options;
    // The next batch, read and encoding while the one before is being sent: with a backlog the
    // engine encodes while the backend handles the previous request, instead of idling until it
    // answers. Nothing is committed out of order: a batch is committed after it was sent, and a
    // prepared batch dropped on stop is read again after restart (records it had set aside as
    // unencodable are then set aside again: dead letters are at-least-once too).
    let ahead: PreparedBatch | undefined;
    while (!this.abort.signal.aborted) {
      let batch = ahead;
      ahead = undefined;
      if (batch === undefined) {
        let entries = queue.read(this.name, batchMaxRecords, batchMaxBytes);
        if (entries.length === 0) {
          this.releaseFlushWaiters(false);
          if (this.stopping) return;
          await this.sleep(IDLE_POLL_MS, () => true); // an append, a stop or a flush ends the idle wait
          continue;
        }
        const first = entries[0] as QueueEntry;
        const age = Date.now() - first.enqueuedAtMs;
        if (entries.length < batchMaxRecords && age < lingerMs && !this.stopping && this.flushWaiters.length === 0) {
          // Part-filled batch: give it a moment to fill so the backend sees fewer, larger requests.
          // Appends do not cut the linger short (that is its point); stop and flush requests do.
          await this.sleep(lingerMs - age, () => this.stopping || this.flushWaiters.length > 0);
          entries = queue.read(this.name, batchMaxRecords, batchMaxBytes);
        }
        batch = this.prepare(entries);
      }
      const last = batch.entries[batch.entries.length - 1] as QueueEntry;
      const encoded = await batch.encoded;
      const sending = this.sendAll(encoded);
      // Only while a full batch more is waiting (seqs count records): a shorter backlog is read
      // after the commit, lingering as usual, so light load still makes few, large requests.
      if (queue.head() - last.seq >= batchMaxRecords) {
        await new Promise((resolve) => setImmediate(resolve)); // the request goes out before the CPU work
        const next = queue.read(this.name, batchMaxRecords, batchMaxBytes, last.seq);
        if (next.length > 0) ahead = this.prepare(next);
      }
      if (!(await sending)) return;
      queue.commit(this.name, last.seq);
      this.committed = last.seq;
      this.releaseFlushWaiters(false);
    }
  }

  /** Decodes and starts encoding a batch read from the queue. */
  private prepare(entries: QueueEntry[]): PreparedBatch {
    const records = this.decode(entries.filter((e) => this.wantsKind(e.kind))).filter((r) => this.wants(r));
    const encoded = this.encodeOrReject(records);
    return { entries, encoded };
  }

  private decode(entries: QueueEntry[]): QueuedRecord[] {
    const out: QueuedRecord[] = [];
    for (const entry of entries) {
      try {
        // Decoded whole before any record is kept: a row is either sent or set aside, never half of each.
        const records = decodeRow(entry);
        for (const record of records) this.check(record);
        for (const record of records) out.push(record);
      } catch (err) {
        // Cannot happen for rows we wrote ourselves, short of a damaged disk; if it does, keep the
        // raw text for the operator, and say why when the body itself could not be read.
        const reason = entry.unreadable === undefined ? 'undecodable queue entry' : `unreadable queue entry: ${errorText(err)}`;
        this.setAside({ exporter: this.name, status: 0, reason, records: [bodyText(entry.body)] }, Math.max(1, entry.records));
      }
    }
    return out;
  }

  private async send(request: WireRequest): Promise<SendOutcome> {
    const { metrics, retry, requestTimeoutMs, logger } = this.options;
    const exporter = this.name;
    let attempt = 0;
    for (;;) {
      if (this.abort.signal.aborted) return 'aborted';
      let reason: string;
      let retryAfterMs: number | undefined;
      this.sendingSinceMs = Date.now();
      try {
        const res = await fetch(request.url ?? this.options.url, {
          method: 'POST',
          headers: request.headers,
          body: request.body,
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(requestTimeoutMs)]),
        });
        const text = await res.text().catch(() => '');
        this.sendingSinceMs = 0;
        if (res.ok) {
          metrics.sent.inc({ exporter }, recordCount(request.records));
          this.nextAttemptAtMs = 0;
          this.backoffLevelMs = 0;
          this.health.succeeded();
          return 'sent';
        }
        if (!isRetryableStatus(res.status)) {
          // The backend answers: no outage, whatever it thinks of this batch.
          this.backoffLevelMs = 0;
          this.health.failed(`rejected_${res.status}`);
          this.reject(request.records, res.status, `rejected with HTTP ${res.status}`, text);
          return 'rejected';
        }
        reason = `http_${res.status}`;
        retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'));
      } catch (err) {
        this.sendingSinceMs = 0;
        if (this.abort.signal.aborted) return 'aborted';
        reason = (err as Error).name === 'TimeoutError' ? 'timeout' : 'network';
      }
      metrics.failed.inc({ exporter, reason });
      attempt += 1;
      if (retry.maxAttempts > 0 && attempt >= retry.maxAttempts) {
        this.reject(request.records, 0, `gave up after ${attempt} attempts (last: ${reason})`);
        return 'rejected';
      }
      const delay = Math.min(retryAfterMs ?? backoffDelayMs(attempt - 1, retry), MAX_RETRY_AFTER_MS);
      this.backoffLevelMs = Math.min(retryAfterMs ?? backoffCeilingMs(attempt - 1, retry), MAX_RETRY_AFTER_MS);
      metrics.retries.inc({ exporter });
      this.health.failed(reason);
      // One line when an outage starts and then every 20th attempt: a long outage must not flood the log.
      if (attempt === 1 || attempt % 20 === 0) {
        logger.warn({ exporter, reason, attempt, retryInMs: delay }, 'export failed, will retry');
      }
      this.nextAttemptAtMs = Date.now() + delay;
      try {
        await sleep(delay, undefined, { signal: this.abort.signal });
      } catch {
        return 'aborted';
      }
    }
  }

  private reject(records: readonly QueuedRecord[], status: number, reason: string, response?: string): void {
    const { metrics, logger } = this.options;
    this.setAside(
      {
        exporter: this.name,
        status,
        reason,
        ...(response ? { response: response.slice(0, 1024) } : {}),
        records: records.map(deadLetterForm),
      },
      recordCount(records),
    );
    const count = recordCount(records);
    metrics.failed.inc({ exporter: this.name, reason: status > 0 ? `rejected_${status}` : 'rejected' }, count);
    const recordsNotLogged = this.setAsideLines.record(`status ${status}`, count);
    if (recordsNotLogged === undefined) return;
    logger.error(
      { exporter: this.name, status, reason, records: count, recordsNotLogged, file: this.deadLetters.path },
      'batch set aside in dead-letter file (recordsNotLogged: set aside since the previous line for this status without one of their own)',
    );
  }

  /**
   * Writes a refused batch to the dead-letter files. A write that fails (disk full) is logged and
   * the batch dropped: stopping the reader instead would halt delivery of everything after it.
   */
  private setAside(entry: DeadLetterEntry, records: number): void {
    try {
      this.deadLetters.write(entry);
      this.options.metrics.deadLetter.inc({ exporter: this.name }, records);
    } catch (err) {
      const recordsNotLogged = this.setAsideLines.record('write failed', records);
      if (recordsNotLogged === undefined) return;
      this.options.logger.error(
        { exporter: this.name, records, recordsNotLogged, file: this.deadLetters.path, err: errorText(err) },
        'could not write the dead-letter file; the refused batch is dropped (recordsNotLogged: dropped since the previous such line without one of their own)',
      );
    }
  }

  private updateGauges(): void {
    const { queue, metrics } = this.options;
    try {
      metrics.queueDepth.set({ exporter: this.name }, queue.depth(this.name));
      metrics.oldestUnsentAge.set({ exporter: this.name }, queue.oldestUnsentAgeMs(this.name) / 1000);
    } catch {
      // The queue is closed during shutdown; the last values stay.
    }
  }

  private releaseFlushWaiters(all: boolean): void {
    if (this.flushWaiters.length === 0) return;
    const caughtUp = all || this.options.queue.depth(this.name) === 0;
    this.flushWaiters = this.flushWaiters.filter((w) => {
      if (caughtUp || this.committed >= w.target) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  /** Waits `ms`; a wake-up call (append, stop, flush) ends it early when `cutShort()` says so. */
  private sleep(ms: number, cutShort: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = () => {
        if (cutShort()) done();
      };
    });
  }
}

/** A queued body as a dead-letter file keeps it: text as it is, bytes (protobuf) in base64. */
function bodyText(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A record as the dead-letter file keeps it: its fields, or, for an event whose queued text does
 * not parse (an exporter that ships the text as is never parsed it), its head and that text as
 * they were. Parsing it here must not throw: the reader would stop for good.
 */
function deadLetterForm(r: QueuedRecord): Record<string, unknown> {
  if (r.kind === 'log') {
    try {
      return { kind: 'log', ...r.log };
    } catch {
      return { kind: 'log', head: r.head, line: r.line };
    }
  }
  if (r.kind === 'otlp-logs') return { kind: 'otlp-logs', format: r.format, records: r.records, body: bodyText(r.body) };
  try {
    return { kind: 'event', ...r.event };
  } catch {
    return { kind: 'event', head: r.head, text: r.json };
  }
}
