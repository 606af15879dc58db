// Sends cluster records to the gateway's cluster receiver (OTLP/HTTP JSON, `<url>/v1/logs`), which
// load-balances each to the replica its `obs.route` names.
//
// Durable, like the exporters: every record is appended to a durable queue of its own
// (`<ENGINE_DATA_DIR>/cluster`, the export queue's machinery, one consumer) and leaves it only
// once the gateway took it; one request in flight at a time, batches of what accumulated, retries
// with backoff (Retry-After honoured). What a stopped replica had not sent is sent by the next
// start on the same data directory (at-least-once; the receiving window ignores a link it has).
//
// Bounded in bytes: past `maxBytes` of unsent records backpressure() is set and the pipeline
// refuses user data (429 with Retry-After, like the export queue); records made by batches already
// accepted are still kept up to twice the bound, past which they are counted and dropped.
import type { DeliveryLogger } from '../delivery/delivery-logger.js';
import { DurableQueue, type QueueEntry, type QueueSync } from '../delivery/queue/durable-queue.js';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from '../delivery/retry.js';
import { FAILURE_LOG_INTERVAL_MS, LogThrottle } from '../log-throttle.js';
import type { Metrics } from '../metrics.js';
import { CLUSTER_KINDS, type ClusterKind, type ClusterRecord, encodeClusterRecord } from './cluster-record.js';

export interface ClusterSenderOptions {
  /** The gateway's cluster receiver base URL (ENGINE_CLUSTER_GATEWAY_URL). */
  url: string;
  /** The replica sending, on the batch's resource (for the gateway's debugging, not for routing). */
  instance: string;
  /** Folder of the durable queue (created when missing). */
  queueDir: string;
  queueSync: QueueSync;
  maxBytes: number;
  /** How long records gather before a send (fewer, larger requests). */
  lingerMs: number;
  maxBatchRecords?: number;
  maxBatchBytes?: number;
  requestTimeoutMs?: number;
  retry?: { initialMs: number; maxMs: number };
  metrics: Pick<Metrics, 'clusterRecords' | 'clusterDropped' | 'clusterBufferBytes'>;
  logger: DeliveryLogger;
  now?: () => number;
}

const CONSUMER = 'cluster';
/** Queue rows this sender writes: the record's kind code, a newline, its OTLP/JSON log record. */
const ROW_KIND_THEN_RECORD = 1;
/** Least wait between two attempts: a gateway answering `Retry-After: 0` must not make a busy loop. */
const MIN_RETRY_MS = 50;
/** Retry-After given to refused clients while the buffer is over its bound. */
const BACKPRESSURE_RETRY_AFTER_SECONDS = 2;

const KIND_CODE = new Map(CLUSTER_KINDS.map((k, i) => [k, String(i)]));

export class ClusterSender {
  private readonly queue: DurableQueue;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private attempt = 0;
  private retryDelay = 0;
  private stopped = false;
  /** The newest append: resolved once every record sent before it is on disk. */
  private lastAppend: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private readonly resource: string;

  /** At most one 'gateway rejected cluster records' line per status per FAILURE_LOG_INTERVAL_MS. */
  private readonly rejectionLines = new LogThrottle(Date.now, 16, FAILURE_LOG_INTERVAL_MS);

  constructor(private readonly o: ClusterSenderOptions) {
    this.queue = new DurableQueue({
      dir: o.queueDir,
      consumers: [CONSUMER],
      sync: o.queueSync,
      onWarning: (message) => o.logger.error({}, message),
    });
    this.resource = JSON.stringify({
      attributes: [
        { key: 'service.name', value: { stringValue: 'correlation-engine' } },
        { key: 'service.instance.id', value: { stringValue: o.instance } },
      ],
    });
    this.queue.onAppend(() => {
      this.updateGauge();
      this.schedule(this.o.lingerMs);
    });
    // Left by an earlier run on this data directory: owed to the gateway.
    if (this.queue.depth(CONSUMER) > 0) this.schedule(0);
    this.updateGauge();
  }

  /** Queues a record for the gateway (never throws, never blocks; persisted within this turn). */
  send(record: ClusterRecord): void {
    if (this.stopped) return;
    if (this.queue.backlogBytes() >= 2 * this.o.maxBytes) {
      this.o.metrics.clusterDropped.inc({ reason: 'buffer_full' });
      return;
    }
    const json = JSON.stringify(encodeClusterRecord(record, (this.o.now ?? Date.now)()));
    const appended = this.queue.append([{ kind: 'log', body: `${KIND_CODE.get(record.kind)}\n${json}`, encoding: ROW_KIND_THEN_RECORD }]);
    this.lastAppend = appended.catch((err) => {
      this.o.metrics.clusterDropped.inc({ reason: 'persist_failed' });
      this.o.logger.error({ err }, 'cluster record could not be persisted');
      throw err;
    });
    this.lastAppend.catch(() => {});
  }

  /** Resolves once every record sent so far is on disk; rejects when one could not be written. */
  persisted(): Promise<void> {
    return this.lastAppend;
  }

  /** Set while the unsent records are over the bound: ingest is refused until they drain. */
  backpressure(): { retryAfterSeconds: number; reason: string } | null {
    return this.queue.backlogBytes() > this.o.maxBytes
      ? {
          retryAfterSeconds: BACKPRESSURE_RETRY_AFTER_SECONDS,
          reason: 'cluster records to the gateway over ENGINE_CLUSTER_BUFFER_MAX_BYTES',
        }
      : null;
  }

  /** Bytes of records waiting in memory for the queue's next write; O(1). */
  get bufferedBytes(): number {
    return this.queue.pendingBytesInMemory();
  }

  /**
   * Sends what is queued, retrying, until it is all taken or `deadlineMs` (from now) passes; what
   * is left stays on disk for the next start.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.lastAppend.catch(() => {});
    const until = Date.now() + deadlineMs;
    while (this.queue.depth(CONSUMER) > 0 && Date.now() < until) {
      await (this.sending ?? this.sendOnce());
      if (this.attempt > 0) await new Promise((r) => setTimeout(r, Math.min(this.retryDelay, Math.max(0, until - Date.now()))));
    }
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.sending?.catch(() => {});
    const left = this.queue.depth(CONSUMER);
    if (left > 0) this.o.logger.warn({ records: left }, 'cluster records kept for the next start');
    await this.queue.close();
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined || this.sending !== undefined || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sendOnce().catch((err) => this.o.logger.error({ err }, 'cluster sender failed'));
    }, delayMs);
    this.timer.unref();
  }

  private sendOnce(): Promise<void> {
    if (this.sending) return this.sending;
    this.sending = this.post().finally(() => {
      this.sending = undefined;
      this.updateGauge();
      if (this.queue.depth(CONSUMER) > 0 && !this.stopped) this.schedule(this.attempt === 0 ? 0 : this.retryDelay);
    });
    return this.sending;
  }

  private async post(): Promise<void> {
    const rows = this.queue.read(CONSUMER, this.o.maxBatchRecords ?? 1000, this.o.maxBatchBytes ?? 1024 * 1024);
    const last = rows.at(-1);
    if (last === undefined) return;
    // Rows this sender wrote itself: text, never bytes. One whose body is gone (a damaged disk) is
    // left out and said so; the others still go.
    const readable = rows.filter((r) => r.unreadable === undefined);
    if (readable.length < rows.length) {
      const lost = rows.length - readable.length;
      this.o.metrics.clusterDropped.inc({ reason: 'undecodable' }, lost);
      this.o.logger.error({ records: lost }, 'cluster records lost: their queued bodies could not be read');
    }
    if (readable.length === 0) return this.queue.commit(CONSUMER, last.seq);
    const records = readable.map((r) => {
      const text = r.body as string;
      return text.slice(text.indexOf('\n') + 1);
    });
    const body = `{"resourceLogs":[{"resource":${this.resource},"scopeLogs":[{"scope":{"name":"obs.cluster"},"logRecords":[${records.join(',')}]}]}]}`;
    let retryAfterMs: number | undefined;
    let failure: string;
    try {
      const res = await fetch(`${this.o.url}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.requestTimeoutMs ?? 10_000)]),
      });
      await res.text().catch(() => '');
      if (res.ok) return this.taken(readable, last.seq, 'sent');
      if (!isRetryableStatus(res.status)) {
        // A gateway refusing everything (credentials rotated on one side only) refuses every send:
        // one line per status per interval, the records of the sends without one counted in it.
        const recordsNotLogged = this.rejectionLines.record(String(res.status), readable.length);
        if (recordsNotLogged !== undefined) {
          this.o.logger.error(
            { status: res.status, records: readable.length, recordsNotLogged },
            'gateway rejected cluster records (recordsNotLogged: rejected since the previous line for this status without one of their own)',
          );
        }
        return this.taken(readable, last.seq, 'rejected');
      }
      failure = `HTTP ${res.status}`;
      retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'));
    } catch (err) {
      if (this.stopped) return;
      failure = err instanceof Error ? err.name : 'error';
    }
    const retry = this.o.retry ?? { initialMs: 200, maxMs: 5000 };
    this.retryDelay = Math.max(MIN_RETRY_MS, retryAfterMs ?? backoffDelayMs(this.attempt, retry));
    this.attempt += 1;
    if (this.attempt === 1 || this.attempt % 10 === 0) {
      this.o.logger.warn(
        { reason: failure, attempt: this.attempt, records: this.queue.depth(CONSUMER) },
        'cluster records to the gateway failed, will retry',
      );
    }
  }

  private taken(rows: readonly QueueEntry[], seq: number, outcome: 'sent' | 'rejected'): void {
    this.queue.commit(CONSUMER, seq);
    this.attempt = 0;
    if (outcome === 'rejected') {
      this.o.metrics.clusterDropped.inc({ reason: 'rejected' }, rows.length);
      return;
    }
    const perKind = new Map<ClusterKind, number>();
    for (const r of rows) {
      const kind = CLUSTER_KINDS[Number(r.body[0])];
      if (kind) perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
    }
    for (const [kind, n] of perKind) this.o.metrics.clusterRecords.inc({ kind, direction: 'out' }, n);
  }

  private updateGauge(): void {
    this.o.metrics.clusterBufferBytes.set(this.queue.backlogBytes());
  }
}
