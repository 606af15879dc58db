// Builds the engine's Delivery from configuration: NoopDelivery when no exporter is configured,
// else the durable queue plus one reader per configured exporter.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ExportersConfig } from '../delivery-config.js';
import type { Metrics } from '../metrics.js';
import { DatadogExporter, datadogLogsUrl } from './datadog/datadog-exporter.js';
import { type Delivery, NoopDelivery } from './delivery.js';
import type { DeliveryLogger } from './delivery-logger.js';
import { DurableDelivery } from './durable-delivery.js';
import { deadLetterDropMetrics, type ExporterMetrics } from './exporter-metrics.js';
import { LokiExporter } from './loki/loki-exporter.js';
import { DurableQueue } from './queue/durable-queue.js';
import type { QueueExporter, QueueExporterOptions } from './queue-exporter.js';
import { TempoExporter } from './tempo/tempo-exporter.js';

/** Datadog logs intake limits (per request: 1000 entries, 5 MB uncompressed; per entry: 1 MB). */
export const DATADOG_LIMITS = { maxEntriesPerRequest: 1000, maxRequestBytes: 5_000_000, maxEntryBytes: 1_000_000 } as const;

export interface DeliveryConfig {
  exporters: ExportersConfig;
  /** `env` for events and for records that carry none. */
  defaultEnv: string;
}

export interface DeliveryDeps {
  /** The app's registry (exporter metrics are a contract with the dashboard). */
  metrics: Metrics;
  logger: DeliveryLogger;
  /** Engine version on the synthetic spans' resource. */
  version?: string;
}

/** Whether any exporter is configured (else nothing is queued at all). */
export function anyExporterConfigured(config: ExportersConfig): boolean {
  return Boolean(config.loki.url || config.tempo.url || config.datadog.apiKey);
}

export function createDelivery(config: DeliveryConfig, deps: DeliveryDeps): Delivery {
  const ex = config.exporters;
  if (!anyExporterConfigured(ex)) return new NoopDelivery();
  const metrics = exporterMetricsFrom(deps.metrics);
  const names = [ex.loki.url && 'loki', ex.tempo.url && 'tempo', ex.datadog.apiKey && 'datadog'].filter((n): n is string => Boolean(n));
  const queue = new DurableQueue({
    dir: join(ex.dataDir, 'queue'),
    consumers: names,
    sync: ex.queue.sync,
    onWarning: (message) => deps.logger.error({}, message),
  });
  const common: Omit<QueueExporterOptions, 'name' | 'url'> = {
    queue,
    metrics,
    logger: deps.logger,
    deadLetterDir: join(ex.dataDir, 'dead-letter'),
    // Each exporter gets an equal share, so the directory as a whole stays within the variable.
    deadLetterMaxBytes: Math.floor(ex.deadLetter.maxBytes / names.length),
    batchMaxRecords: ex.delivery.batchMaxRecords,
    batchMaxBytes: ex.delivery.batchMaxBytes,
    lingerMs: ex.delivery.lingerMs,
    retry: { initialMs: ex.delivery.retryInitialMs, maxMs: ex.delivery.retryMaxMs, maxAttempts: ex.delivery.maxAttempts },
    requestTimeoutMs: ex.delivery.requestTimeoutMs,
  };
  const exporters: QueueExporter[] = [];
  if (ex.loki.url) {
    exporters.push(
      new LokiExporter({
        ...common,
        baseUrl: ex.loki.url,
        format: ex.loki.format,
        exportOtlpLogs: ex.loki.exportOtlpLogs,
        otlpLogsForm: ex.loki.otlpLogsForm,
        traceIdLabel: ex.loki.traceIdLabel,
        maxLineBytes: ex.loki.maxLineBytes,
        batchMaxBytes: ex.loki.batchMaxBytes,
        defaultEnv: config.defaultEnv,
        ...(ex.loki.tenantId ? { tenantId: ex.loki.tenantId } : {}),
      }),
    );
  }
  if (ex.tempo.url) {
    exporters.push(
      new TempoExporter({
        ...common,
        baseUrl: ex.tempo.url,
        batchMaxSpans: ex.tempo.batchMaxSpans,
        env: config.defaultEnv,
        version: deps.version ?? '0.0.0',
      }),
    );
  }
  if (ex.datadog.apiKey) {
    exporters.push(
      new DatadogExporter({
        ...common,
        url: ex.datadog.logsUrl ?? datadogLogsUrl(ex.datadog.site),
        site: ex.datadog.site,
        apiKey: ex.datadog.apiKey,
        ...DATADOG_LIMITS,
        defaultEnv: config.defaultEnv,
        hostname: hostname(),
      }),
    );
  }
  return new DurableDelivery({
    queue,
    exporters,
    maxBytes: ex.queue.maxBytes,
    eventLogMessages: ex.loki.eventLogMessages,
    shutdownDeadlineMs: ex.delivery.shutdownDeadlineMs,
    metrics,
    logger: deps.logger,
  });
}

/** The exporter-facing view of the app's metrics registry. */
export function exporterMetricsFrom(metrics: Metrics): ExporterMetrics {
  return {
    sent: metrics.exporterSent,
    failed: metrics.exporterFailed,
    retries: metrics.exporterRetries,
    deadLetter: metrics.exporterDeadLetter,
    queueDepth: metrics.exporterQueueDepth,
    oldestUnsentAge: metrics.exporterOldestUnsentAge,
    backlogBytes: metrics.deliveryBacklogBytes,
    ...deadLetterDropMetrics(metrics.registry),
  };
}
