// The metric handles exporters update. Structural, so the app's metrics module can hand over its
// prom-client instruments; `createExporterMetrics` builds a standalone set (tests, tools).
import { Counter, Gauge, type Registry } from 'prom-client';

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

/** Registers the exporter metrics on `registry` (for use without the app's metrics module). */
export function createExporterMetrics(registry: Registry): ExporterMetrics {
  const registers = [registry];
  return {
    sent: new Counter({ name: 'exporter_sent_total', help: 'Records delivered by an exporter', labelNames: ['exporter'], registers }),
    failed: new Counter({
      name: 'exporter_failed_total',
      help: 'Failed export attempts (retryable) and rejected records, by reason',
      labelNames: ['exporter', 'reason'],
      registers,
    }),
    retries: new Counter({ name: 'exporter_retries_total', help: 'Export requests retried', labelNames: ['exporter'], registers }),
    deadLetter: new Counter({
      name: 'exporter_dead_letter_total',
      help: 'Records set aside in the dead-letter file after a permanent rejection',
      labelNames: ['exporter'],
      registers,
    }),
    queueDepth: new Gauge({ name: 'exporter_queue_depth', help: 'Queued records not yet delivered', labelNames: ['exporter'], registers }),
    oldestUnsentAge: new Gauge({
      name: 'exporter_oldest_unsent_age_seconds',
      help: 'Age of the oldest queued record not yet delivered',
      labelNames: ['exporter'],
      registers,
    }),
    backlogBytes: new Gauge({ name: 'delivery_backlog_bytes', help: 'Bytes of records held in the durable delivery queue', registers }),
  };
}
