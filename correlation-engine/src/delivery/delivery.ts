// The seam between ingest/correlation and the outside world. Ingest routes hand accepted logs
// here before answering 2xx; the correlator hands closed-window events here. An implementation
// owns persistence (the durable queue) and the exporters that read from it.
import type { CorrelationEvent, NormalizedLog, ReceivedOtlpLogs } from '../model/types.js';

/** Thrown by accept* when the backlog is over its bound; routes answer 429/503 with Retry-After. */
export class BackpressureError extends Error {
  override name = 'BackpressureError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export interface Delivery {
  /**
   * Persists accepted logs; resolves once they are safe (durable when a queue is configured).
   * Logs that arrived in an OTLP export request come with it (`received`): an exporter that
   * forwards requests as they arrived ships them from it, not record by record.
   */
  acceptLogs(logs: readonly NormalizedLog[], received?: ReceivedOtlpLogs): Promise<void>;
  /** Persists correlation events from closed windows. */
  acceptEvents(events: readonly CorrelationEvent[]): Promise<void>;
  /** Non-null while ingest must be refused (backlog over bound); also drives GET /ready. */
  backpressure(): { retryAfterSeconds: number; reason: string } | null;
  /** Bytes of export buffers held in memory (absent when it holds none); must be O(1). */
  memoryBytes?(): number;
  /** Starts background senders; called once after the app is ready. */
  start(): void;
  /** Stops accepting, sends what it can until the deadline, releases files and timers. */
  shutdown(deadlineMs: number): Promise<void>;
}

/** Used when no exporter is configured: nothing to persist, never applies backpressure. */
export class NoopDelivery implements Delivery {
  /** Accepts and forgets: with no exporter there is nowhere to deliver to. */
  async acceptLogs(): Promise<void> {}
  /** Accepts and forgets. */
  async acceptEvents(): Promise<void> {}
  /** Never over bound. */
  backpressure(): null {
    return null;
  }
  /** Nothing to start. */
  start(): void {}
  /** Nothing to flush. */
  async shutdown(): Promise<void> {}
}
