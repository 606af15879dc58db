// A full window table closes its oldest window for every new trace. Those events wait for the
// interval (which hands them on many to a queue row) only up to one slice's worth: past it, the
// request that finds them hands them on. Left for the interval alone they piled up in memory
// faster than its bounded slices took them whenever evictions came at the ingest rate (an engine
// held at 1,000 windows under one-span traces kept hundreds of megabytes of waiting events). A
// slice is counted in events and in bytes, and the waiting events count as window state.

import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { HAND_ON_CLOSED_AT, HAND_ON_CLOSED_BYTES } from '../../src/correlate/pipeline.js';
import { MAX_MESSAGE_LENGTH } from '../../src/ingest/normalize/normalize-builder.js';
import { ManualClock, metricValue, testApp } from '../helpers/app.js';
import { RecordingDelivery } from '../helpers/delivery.js';
import { traceOf, tracesBody } from '../helpers/otlp-json.js';

const TABLE = 100;
const PER_REQUEST = 250;
const REQUESTS = 20;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app with a 100-window table and no interval at all: only ingest can hand events on. */
async function fullTableApp(env: Record<string, string> = {}): Promise<{ app: FastifyInstance; delivery: RecordingDelivery }> {
  const delivery = new RecordingDelivery();
  const built = await testApp({
    clock: new ManualClock(),
    tickIntervalMs: 0,
    delivery,
    env: { CORR_WINDOW_SECONDS: '60', CORR_MAX_OPEN_WINDOWS: String(TABLE), ...env },
  });
  return { app: built, delivery };
}

/** Each request's new traces past the table's size evict as many windows; fewer than a slice's worth of their events may wait. */
async function expectEvictionsDeliveredPerRequest(
  a: FastifyInstance,
  delivery: RecordingDelivery,
  send: (first: number) => Promise<void>,
): Promise<void> {
  for (let r = 0; r < REQUESTS; r++) {
    await send(r * PER_REQUEST);
    const evicted = (r + 1) * PER_REQUEST - TABLE;
    const waiting = evicted - delivery.events.length;
    expect(waiting).toBeGreaterThanOrEqual(0);
    expect(waiting).toBeLessThan(HAND_ON_CLOSED_AT);
    expect(await metricValue(a, 'correlation_open_windows')).toBe(TABLE);
  }
  // Without any interval, most of the 4,900 evicted windows' events are out; oldest first, each trace once.
  expect(delivery.events.length).toBeGreaterThan(REQUESTS * PER_REQUEST - TABLE - HAND_ON_CLOSED_AT);
  const ids = delivery.events.map((e) => e.traceId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.slice(0, 3)).toEqual([traceOf(0), traceOf(1), traceOf(2)]);
  expect(await metricValue(a, 'correlation_windows_evicted_total')).toBe(REQUESTS * PER_REQUEST - TABLE);
}

describe('windows evicted from a full table', () => {
  it('never wait in memory past a slice of events: requests hand them on (POST /api/logs)', async () => {
    const built = await fullTableApp();
    app = built.app;
    const a = built.app;
    await expectEvictionsDeliveredPerRequest(a, built.delivery, async (first) => {
      const records = Array.from({ length: PER_REQUEST }, (_, i) => ({ message: 'step done', trace_id: traceOf(first + i) }));
      const res = await a.inject({ method: 'POST', url: '/api/logs', payload: { resource: { service: 'beorn' }, records } });
      expect(res.statusCode).toBe(202);
    });
  });

  it('never wait in memory past a slice of events: requests hand them on (OTLP traces)', async () => {
    const built = await fullTableApp();
    app = built.app;
    const a = built.app;
    await expectEvictionsDeliveredPerRequest(a, built.delivery, async (first) => {
      const specs = Array.from({ length: PER_REQUEST }, (_, i) => ({ trace: traceOf(first + i) }));
      const res = await a.inject({ method: 'POST', url: '/api/otlp/v1/traces', payload: tracesBody(specs, Date.now()) });
      expect(res.statusCode).toBe(200);
    });
  });

  it('never wait in memory past a slice of bytes either, and count as window state while they wait', async () => {
    // Logs with messages of the largest kept size: fewer than HAND_ON_CLOSED_AT events weigh far
    // more than HAND_ON_CLOSED_BYTES, so only the bytes bound can hand them on.
    const perRequest = 100;
    const requests = 9;
    const built = await fullTableApp({ BODY_LIMIT_BYTES: String(8 * 1024 * 1024) });
    app = built.app;
    const a = built.app;
    const message = 'x'.repeat(MAX_MESSAGE_LENGTH);
    const heaviestWaiting = Math.ceil(HAND_ON_CLOSED_BYTES / MAX_MESSAGE_LENGTH) + perRequest;
    let handedOn = 0;
    for (let r = 0; r < requests; r++) {
      const records = Array.from({ length: perRequest }, (_, i) => ({ message, trace_id: traceOf(r * perRequest + i) }));
      const res = await a.inject({ method: 'POST', url: '/api/logs', payload: { resource: { service: 'beorn' }, records } });
      expect(res.statusCode).toBe(202);
      const evicted = Math.max(0, (r + 1) * perRequest - TABLE);
      const waiting = evicted - built.delivery.events.length;
      expect(waiting).toBeGreaterThanOrEqual(0);
      expect(waiting).toBeLessThan(heaviestWaiting);
      if (waiting < evicted) handedOn += 1;
      // Open windows and waiting events both hold a message each: the accounting sees them all.
      const ready = await a.inject({ method: 'GET', url: '/ready' });
      expect(ready.json().memory.accountedBytes.windows).toBeGreaterThanOrEqual((TABLE + waiting) * MAX_MESSAGE_LENGTH);
    }
    expect(requests * perRequest - TABLE).toBeLessThan(HAND_ON_CLOSED_AT);
    expect(handedOn).toBeGreaterThan(0);
    const ids = built.delivery.events.map((e) => e.traceId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 2)).toEqual([traceOf(0), traceOf(1)]);
  });
});
