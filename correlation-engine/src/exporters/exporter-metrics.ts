// The metric handles exporters update: a structural slice of the app's metrics (metrics.ts owns
// the instruments; create-delivery.ts maps them), so exporters do not depend on the whole registry.
import type { Counter, Gauge } from 'prom-client';

export interface ExporterMetrics {
  /** Records delivered (2xx), per exporter. */
  sent: Pick<Counter<'exporter'>, 'inc'>;
  /** Failed send attempts and rejected records, per exporter and reason. */
  failed: Pick<Counter<'exporter' | 'reason'>, 'inc'>;
  /** Send attempts that were retried. */
  retries: Pick<Counter<'exporter'>, 'inc'>;
  /** Records written to the dead-letter file. */
  deadLetter: Pick<Counter<'exporter'>, 'inc'>;
  /** Queued records the exporter has not committed. */
  queueDepth: Pick<Gauge<'exporter'>, 'set'>;
  /** Age of the oldest record the exporter has not committed. */
  oldestUnsentAge: Pick<Gauge<'exporter'>, 'set'>;
  /** Bytes held by the durable queue. */
  backlogBytes: Pick<Gauge, 'set'>;
}
