// The metric handles exporters update: a structural slice of the app's metrics (metrics.ts owns
// the instruments; create-delivery.ts maps them), so exporters do not depend on the whole registry.
import { Counter, type Gauge, type Registry } from 'prom-client';

export interface ExporterMetrics {
  /** Records delivered (2xx), per exporter. */
  sent: Pick<Counter<'exporter'>, 'inc'>;
  /** Failed send attempts and rejected records, per exporter and reason. */
  failed: Pick<Counter<'exporter' | 'reason'>, 'inc'>;
  /** Send attempts that were retried. */
  retries: Pick<Counter<'exporter'>, 'inc'>;
  /** Records written to the dead-letter file. */
  deadLetter: Pick<Counter<'exporter'>, 'inc'>;
  /** Dead-letter segments deleted to keep the files within DEAD_LETTER_MAX_BYTES. */
  deadLetterSegmentsDropped: Pick<Counter<'exporter'>, 'inc'>;
  /** Records in those deleted segments. */
  deadLetterRecordsDropped: Pick<Counter<'exporter'>, 'inc'>;
  /** Queued records the exporter has not committed. */
  queueDepth: Pick<Gauge<'exporter'>, 'set'>;
  /** Age of the oldest record the exporter has not committed. */
  oldestUnsentAge: Pick<Gauge<'exporter'>, 'set'>;
  /** Bytes held by the durable queue. */
  backlogBytes: Pick<Gauge, 'set'>;
}

/** A counter of `registry`, created on first use (several deliveries may share one registry in tests). */
function exporterCounter(registry: Registry, name: string, help: string): Counter<'exporter'> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'exporter'>;
  return new Counter({ name, help, labelNames: ['exporter'] as const, registers: [registry] });
}

/** The dead-letter bound's counters (they live here, not in metrics.ts, with the code that moves them). */
export function deadLetterDropMetrics(registry: Registry): Pick<ExporterMetrics, 'deadLetterSegmentsDropped' | 'deadLetterRecordsDropped'> {
  return {
    deadLetterSegmentsDropped: exporterCounter(
      registry,
      'exporter_dead_letter_segments_dropped_total',
      'Dead-letter segments deleted (oldest first) to keep the files within DEAD_LETTER_MAX_BYTES.',
    ),
    deadLetterRecordsDropped: exporterCounter(
      registry,
      'exporter_dead_letter_records_dropped_total',
      'Records in dead-letter segments deleted to keep the files within DEAD_LETTER_MAX_BYTES.',
    ),
  };
}
