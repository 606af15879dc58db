// The export records DurableDelivery holds in memory (appends waiting for their group commit) are
// what the memory budget accounts as `export_buffers`: there while a commit is pending, gone after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { exporterMetricsFrom } from '../../src/delivery/create-delivery.js';
import { DurableDelivery } from '../../src/delivery/durable-delivery.js';
import { DurableQueue } from '../../src/delivery/queue/durable-queue.js';
import { buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/metrics.js';
import { testConfig } from '../helpers/app.js';
import { idleLokiExporter } from '../helpers/idle-loki-exporter.js';
import { makeLog } from '../sinks/records.js';

describe('export buffers in the memory budget', () => {
  it('counts appends until their commit, through the pipeline accounting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-buffers-'));
    const queue = new DurableQueue({ dir, consumers: ['loki'], sync: 'normal' });
    const metrics = createMetrics({ instanceId: 'test', defaultMetrics: false });
    const delivery = new DurableDelivery({
      queue,
      exporters: [idleLokiExporter(queue, dir)],
      maxBytes: 1 << 30,
      metrics: exporterMetricsFrom(metrics),
      logger: { info() {}, warn() {}, error() {} },
    });
    const app = await buildApp({ config: testConfig(), metrics, delivery, tickIntervalMs: 0, memory: { heapUsedBytes: () => 0 } });
    onTestFinished(async () => {
      await app.close();
      await queue.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const accounted = () => app.engine.pipeline.accountedBytes().export_buffers;
    expect(accounted()).toBe(0);

    const logs = Array.from({ length: 20 }, (_, i) => makeLog(i, { message: `log-${i}-${'p'.repeat(1000)}` }));
    const committed = delivery.acceptLogs(logs);
    // The group commit runs on the next turn of the event loop: until then the rows are in memory.
    expect(accounted()).toBeGreaterThan(20 * 1000);
    await committed;
    expect(accounted()).toBe(0);
    expect(queue.depth('loki')).toBe(20);
  });
});
