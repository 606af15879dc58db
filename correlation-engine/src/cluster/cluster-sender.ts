// Sends cluster records to the gateway's cluster receiver (OTLP/HTTP JSON, `<url>/v1/logs`), which
// load-balances each to the replica its `obs.route` names. One request in flight at a time,
// batches of what accumulated meanwhile, retries with backoff (Retry-After honoured) until the
// gateway takes them: a link that cannot be sent now is sent later, not dropped.
//
// Bounded in bytes: past `maxBytes` backpressure() is set and the pipeline refuses ingest (429 with
// Retry-After, like the export queue), since new records would add more; records made by batches
// already accepted are still kept up to twice the bound, past which they are counted and dropped.
// The buffer is memory only: a replica that stops loses what it had not sent (docs/scaling.md).
import type { DeliveryLogger } from '../delivery/delivery-logger.js';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from '../delivery/retry.js';
import type { Metrics } from '../metrics.js';
import { type ClusterRecord, encodeClusterRecord } from './cluster-record.js';

export interface ClusterSenderOptions {
  /** The gateway's cluster receiver base URL (ENGINE_CLUSTER_GATEWAY_URL). */
  url: string;
  /** The replica sending, on the batch's resource (for the gateway's debugging, not for routing). */
  instance: string;
  maxBytes: number;
  /** How long records gather before a send (fewer, larger requests). */
  lingerMs: number;
  maxBatchRecords?: number;
  requestTimeoutMs?: number;
  retry?: { initialMs: number; maxMs: number };
  /** Extra request headers (the gateway's ingress auth). */
  headers?: Record<string, string>;
  metrics: Pick<Metrics, 'clusterRecords' | 'clusterDropped' | 'clusterBufferBytes'>;
  logger: DeliveryLogger;
  now?: () => number;
}

/** Least wait between two attempts: a gateway answering `Retry-After: 0` must not make a busy loop. */
const MIN_RETRY_MS = 50;
/** Retry-After given to refused clients while the buffer is over its bound. */
const BACKPRESSURE_RETRY_AFTER_SECONDS = 2;

export class ClusterSender {
  private pending: { json: string; kind: ClusterRecord['kind'] }[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private attempt = 0;
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly resource: string;

  constructor(private readonly o: ClusterSenderOptions) {
    this.resource = JSON.stringify({
      attributes: [
        { key: 'service.name', value: { stringValue: 'correlation-engine' } },
        { key: 'service.instance.id', value: { stringValue: o.instance } },
      ],
    });
  }

  /** Queues a record for the gateway (never throws, never blocks). */
  send(record: ClusterRecord): void {
    if (this.bytes >= 2 * this.o.maxBytes) {
      this.o.metrics.clusterDropped.inc({ reason: 'buffer_full' });
      return;
    }
    const json = JSON.stringify(encodeClusterRecord(record, (this.o.now ?? Date.now)()));
    this.pending.push({ json, kind: record.kind });
    this.bytes += json.length;
    this.o.metrics.clusterBufferBytes.set(this.bytes);
    this.schedule(this.o.lingerMs);
  }

  /** Set while the unsent records are over the bound: ingest is refused until they drain. */
  backpressure(): { retryAfterSeconds: number; reason: string } | null {
    return this.bytes > this.o.maxBytes
      ? {
          retryAfterSeconds: BACKPRESSURE_RETRY_AFTER_SECONDS,
          reason: 'cluster records to the gateway over ENGINE_CLUSTER_BUFFER_MAX_BYTES',
        }
      : null;
  }

  /** Bytes of records not yet taken by the gateway; O(1). */
  get bufferedBytes(): number {
    return this.bytes;
  }

  /** Sends what is pending, retrying, until it is all taken or `deadlineMs` passes; then stops. */
  async shutdown(deadlineMs: number): Promise<void> {
    clearTimeout(this.timer);
    const until = Date.now() + deadlineMs;
    while (this.pending.length > 0 && Date.now() < until) {
      await (this.sending ?? this.sendOnce());
      if (this.pending.length > 0 && this.attempt > 0)
        await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, until - Date.now()))));
    }
    this.stopped = true;
    this.abort.abort();
    if (this.pending.length > 0) {
      this.o.logger.warn({ records: this.pending.length }, 'cluster records not sent before shutdown');
      this.o.metrics.clusterDropped.inc({ reason: 'shutdown' }, this.pending.length);
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined || this.sending !== undefined || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sendOnce().catch(() => {});
    }, delayMs);
    this.timer.unref();
  }

  private sendOnce(): Promise<void> {
    if (this.sending) return this.sending;
    this.sending = this.post().finally(() => {
      this.sending = undefined;
      if (this.pending.length > 0 && !this.stopped) this.schedule(this.attempt === 0 ? 0 : this.retryDelay);
    });
    return this.sending;
  }

  private retryDelay = 0;

  private async post(): Promise<void> {
    const batch = this.pending.slice(0, this.o.maxBatchRecords ?? 1000);
    if (batch.length === 0) return;
    const body = `{"resourceLogs":[{"resource":${this.resource},"scopeLogs":[{"scope":{"name":"obs.cluster"},"logRecords":[${batch.map((b) => b.json).join(',')}]}]}]}`;
    let retryAfterMs: number | undefined;
    let failure: string | undefined;
    try {
      const res = await fetch(`${this.o.url}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.o.headers },
        body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.requestTimeoutMs ?? 10_000)]),
      });
      await res.text().catch(() => '');
      if (res.ok) return this.taken(batch.length, 'sent');
      if (!isRetryableStatus(res.status)) {
        this.o.logger.error({ status: res.status, records: batch.length }, 'gateway rejected cluster records');
        return this.taken(batch.length, 'rejected');
      }
      failure = `HTTP ${res.status}`;
      retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'));
    } catch (err) {
      failure = err instanceof Error ? err.name : 'error';
    }
    const retry = this.o.retry ?? { initialMs: 200, maxMs: 5000 };
    this.retryDelay = Math.max(MIN_RETRY_MS, retryAfterMs ?? backoffDelayMs(this.attempt, retry));
    this.attempt += 1;
    if (this.attempt === 1 || this.attempt % 10 === 0) {
      this.o.logger.warn(
        { reason: failure, attempt: this.attempt, records: this.pending.length },
        'cluster records to the gateway failed, will retry',
      );
    }
  }

  private taken(n: number, outcome: 'sent' | 'rejected'): void {
    const batch = this.pending.splice(0, n);
    for (const b of batch) {
      this.bytes -= b.json.length;
      if (outcome === 'sent') this.o.metrics.clusterRecords.inc({ kind: b.kind, direction: 'out' });
    }
    if (outcome === 'rejected') this.o.metrics.clusterDropped.inc({ reason: 'rejected' }, n);
    this.o.metrics.clusterBufferBytes.set(this.bytes);
    this.attempt = 0;
  }
}
