// How DurableDelivery lays accepted records out in the durable queue: one row per request, at most
// 100 records per row (a window sweep's thousands of events must not become one row an exporter
// parses and encodes in one go), and every record comes back in order.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { exporterMetricsFrom } from '../../src/delivery/create-delivery.js';
import { BackpressureError } from '../../src/delivery/delivery.js';
import type { DeliveryLogger } from '../../src/delivery/delivery-logger.js';
import { DurableDelivery } from '../../src/delivery/durable-delivery.js';
import { DurableQueue } from '../../src/delivery/queue/durable-queue.js';
import { decodeRow } from '../../src/delivery/queue/queue-rows.js';
import { createMetrics } from '../../src/metrics.js';
import { idleLokiExporter } from '../helpers/idle-loki-exporter.js';
import { makeEvent, makeLog } from '../sinks/records.js';

/** A delivery over a fresh queue with one Loki exporter that never runs; `logger` quiet unless given. */
function delivery(logger: DeliveryLogger = { info() {}, warn() {}, error() {} }): { delivery: DurableDelivery; queue: DurableQueue } {
  const dir = mkdtempSync(join(tmpdir(), 'durable-delivery-test-'));
  const queue = new DurableQueue({ dir, consumers: ['loki'], sync: 'normal' });
  const d = new DurableDelivery({
    queue,
    exporters: [idleLokiExporter(queue, dir)],
    maxBytes: 1 << 30,
    metrics: exporterMetricsFrom(createMetrics({ instanceId: 'test', defaultMetrics: false })),
    logger,
  });
  onTestFinished(async () => {
    await queue.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { delivery: d, queue };
}

describe('DurableDelivery queue rows', () => {
  it('stores a 50-record request as one row and 250 events as rows of 100, 100 and 50', async () => {
    const { delivery: d, queue } = delivery();
    const logs = Array.from({ length: 50 }, (_, i) => makeLog(i, { message: `log-${i}` }));
    const events = Array.from({ length: 250 }, (_, i) => makeEvent(i));
    await d.acceptLogs(logs);
    await d.acceptEvents(events);
    expect(queue.depth('loki')).toBe(300);
    const rows = queue.read('loki', 10_000);
    expect(rows.map((r) => [r.kind, r.records, r.seq])).toEqual([
      ['log', 50, 50],
      ['event', 100, 150],
      ['event', 100, 250],
      ['event', 50, 300],
    ]);
    const ids = rows.flatMap((r) =>
      decodeRow(r).map((x) => (x.kind === 'log' ? x.log.message : x.kind === 'event' ? x.event.traceId : '')),
    );
    expect(ids).toEqual([...logs.map((l) => l.message), ...events.map((e) => e.traceId)]);
    expect(queue.backlogBytes()).toBe(rows.reduce((n, r) => n + Buffer.byteLength(r.body), 0));
  });

  it('queues only the logs an exporter ships: OTLP logs are left out while Loki does not ship them', async () => {
    const { delivery: d, queue } = delivery();
    const log = (i: number, source: 'api' | 'otlp') => makeLog(i, { message: `log-${i}`, source });
    await d.acceptLogs([log(0, 'otlp'), log(1, 'api'), log(2, 'otlp'), log(3, 'api')]);
    await d.acceptLogs([log(4, 'otlp'), log(5, 'otlp')]);
    const rows = queue.read('loki', 10_000);
    expect(rows.map((r) => [r.kind, r.records])).toEqual([['log', 2]]);
    expect(rows.flatMap((r) => decodeRow(r).map((x) => (x.kind === 'log' ? x.log.message : '')))).toEqual(['log-1', 'log-3']);
  });
});

describe('DurableDelivery when the queue cannot be written', () => {
  it('refuses every request with backpressure and logs it once per 10 s, not once per request', async () => {
    const errors: Record<string, unknown>[] = [];
    const { delivery: d, queue } = delivery({ info() {}, warn() {}, error: (o: object) => errors.push(o as Record<string, unknown>) });
    // A queue whose writes fail (closed here; a full disk or an I/O error in production).
    await queue.close();
    const log = makeLog(0);
    for (let i = 0; i < 25; i += 1) await expect(d.acceptLogs([log])).rejects.toBeInstanceOf(BackpressureError);
    expect(errors).toEqual([expect.objectContaining({ err: 'queue is closed', requestsNotLogged: 0 })]);
  });
});
