// A Loki exporter for tests that build the delivery by hand. Never started, it only tells
// acceptLogs which logs are shipped (a log no exporter ships is not queued); with `overrides`
// (a backend URL, batch bounds, retry timing) it is a real one to start.
import { join } from 'node:path';
import { exporterMetricsFrom } from '../../src/delivery/create-delivery.js';
import { LokiExporter, type LokiExporterOptions } from '../../src/delivery/loki/loki-exporter.js';
import type { DurableQueue } from '../../src/delivery/queue/durable-queue.js';
import { createMetrics } from '../../src/metrics.js';

export function idleLokiExporter(queue: DurableQueue, dir: string, overrides: Partial<LokiExporterOptions> = {}): LokiExporter {
  return new LokiExporter({
    queue,
    metrics: exporterMetricsFrom(createMetrics({ instanceId: 'test', defaultMetrics: false })),
    logger: { info() {}, warn() {}, error() {} },
    deadLetterDir: join(dir, 'dead'),
    deadLetterMaxBytes: 1 << 20,
    batchMaxRecords: 500,
    batchMaxBytes: 1 << 20,
    lingerMs: 0,
    retry: { initialMs: 100, maxMs: 100, maxAttempts: 0 },
    requestTimeoutMs: 1000,
    baseUrl: 'http://127.0.0.1:9',
    format: 'json',
    exportOtlpLogs: false,
    otlpLogsForm: 'otlp',
    traceIdLabel: false,
    maxLineBytes: 1 << 18,
    defaultEnv: 'test',
    ...overrides,
  });
}
