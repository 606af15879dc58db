// A Delivery for tests: records what it is given and applies backpressure on demand.
import type { Delivery } from '../../src/delivery/delivery.js';
import type { CorrelationEvent, NormalizedLog } from '../../src/model/types.js';

export class RecordingDelivery implements Delivery {
  logs: NormalizedLog[] = [];
  events: CorrelationEvent[] = [];
  /** What backpressure() reports (drives /ready and 429s on OTLP traces). */
  pressure: { retryAfterSeconds: number; reason: string } | null = null;
  /** When set, acceptLogs throws it (e.g. a BackpressureError). */
  refuseLogs: Error | undefined;

  async acceptLogs(logs: readonly NormalizedLog[]): Promise<void> {
    if (this.refuseLogs) throw this.refuseLogs;
    this.logs.push(...logs);
  }
  async acceptEvents(events: readonly CorrelationEvent[]): Promise<void> {
    this.events.push(...events);
  }
  backpressure(): { retryAfterSeconds: number; reason: string } | null {
    return this.pressure;
  }
  start(): void {}
  async shutdown(): Promise<void> {}
}
