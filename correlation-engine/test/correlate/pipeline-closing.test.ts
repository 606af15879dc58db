// The interval closes due windows in bounded slices with I/O between them: 30,000 windows falling
// due at once reach delivery in many small batches, and requests are answered while they close
// (before, one task closed, encoded and queued all of them, stalling every request meanwhile).

import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { CorrelationEvent } from '../../src/model/types.js';
import { ManualClock, testApp } from '../helpers/app.js';
import { RecordingDelivery } from '../helpers/delivery.js';
import { listen } from '../helpers/listen.js';

/** Records the size of every batch handed to delivery, and when it came relative to other work. */
class BatchRecordingDelivery extends RecordingDelivery {
  batches: number[] = [];
  override async acceptEvents(events: readonly CorrelationEvent[]): Promise<void> {
    this.batches.push(events.length);
    await super.acceptEvents(events);
  }
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('closing due windows', () => {
  it('30,000 windows due at once close in bounded batches while /health keeps answering', async () => {
    const clock = new ManualClock();
    const delivery = new BatchRecordingDelivery();
    app = await testApp({ clock, tickIntervalMs: 5, delivery, env: { CORR_WINDOW_SECONDS: '60' } });
    const url = await listen(app);
    const TRACES = 30_000;
    for (let i = 0; i < TRACES; i += 500) {
      const records = Array.from({ length: 500 }, (_, j) => ({
        message: 'provisioning step done',
        trace_id: (i + j + 1).toString(16).padStart(32, '0'),
      }));
      const res = await app.inject({ method: 'POST', url: '/api/logs', payload: { resource: { service: 'beorn' }, records } });
      expect(res.statusCode).toBe(202);
    }
    expect(delivery.events).toHaveLength(0);

    clock.advance(60_001);
    // Probe /health over a real socket, one request at a time, until every event reached delivery.
    let answeredWhileClosing = 0;
    const deadline = Date.now() + 60_000;
    while (delivery.events.length < TRACES) {
      expect(Date.now()).toBeLessThan(deadline);
      const res = await fetch(`${url}/health`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      if (delivery.events.length > 0 && delivery.events.length < TRACES) answeredWhileClosing += 1;
    }
    expect(new Set(delivery.events.map((e) => e.traceId)).size).toBe(TRACES);
    // One-log windows: a slice of 2,048 records' worth of closing hands on at most 1,024 events.
    expect(Math.max(...delivery.batches)).toBeLessThanOrEqual(1024);
    expect(delivery.batches.length).toBeGreaterThanOrEqual(TRACES / 1024);
    expect(answeredWhileClosing).toBeGreaterThan(5);
  }, 90_000);
});
