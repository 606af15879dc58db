// The memory budget through the app: state accounted per kind as traffic arrives and leaves, the
// shed order under a small budget (windows closed early, then detail dropped, then 503 +
// Retry-After on every ingest route, then recovery), the heap guard, /ready and the metrics.
import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { metricValue } from '../helpers/app.js';
import { eventually, listen } from '../helpers/listen.js';
import { apiLogs, MiB, memoryTestApp, otlpSpans, ready } from '../helpers/memory-app.js';

const STATE_BUDGET = 8 * MiB; // half of the 16 MiB limit memoryTestApp sets
const apps: FastifyInstance[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const app of apps.splice(0)) await app.close();
});

async function start(env: Record<string, string> = {}, collect?: (heap: { used: number }) => void) {
  const t = await memoryTestApp(env, undefined, collect);
  apps.push(t.app);
  return t;
}

const postSpans = (app: FastifyInstance, body: string) =>
  app.inject({ method: 'POST', url: '/api/otlp/v1/traces', headers: { 'content-type': 'application/json' }, payload: body });
const postLogs = (app: FastifyInstance, body: string) =>
  app.inject({ method: 'POST', url: '/api/logs', headers: { 'content-type': 'application/json' }, payload: body });

const accounted = async (app: FastifyInstance) => (await ready(app)).body.memory.accountedBytes;
const shed = (app: FastifyInstance, reason: string) => metricValue(app, 'engine_memory_shed_total', { reason });

/** Opens a POST /api/logs on a real socket that declares `bytes` of body and sends none of it. */
async function holdBody(base: string, bytes: number): Promise<Socket> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  sockets.push(socket);
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(`POST /api/logs HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${bytes}\r\n\r\n`);
  return socket;
}

describe('accounting per kind', () => {
  it('moves with traffic and back down once windows close and waiting logs expire', async () => {
    const { app, clock } = await start({ CORR_WINDOW_SECONDS: '10' });
    const idle = await accounted(app);
    expect(idle).toEqual({ windows: 0, waiting_logs: 0, recent_logs: 0, recent_events: 0, inflight_bodies: 0, export_buffers: 0 });

    expect((await postSpans(app, otlpSpans(200))).statusCode).toBe(200);
    const withWindows = await accounted(app);
    expect(withWindows.windows).toBeGreaterThan(0);

    // Trace-less logs with a circuit no window carries: they wait, and are listed as recent logs.
    const records = Array.from({ length: 50 }, (_, i) => ({ message: `port ${i} down`, circuit_id: `CKT-WAIT-${i}` }));
    expect((await postLogs(app, apiLogs(records))).statusCode).toBe(202);
    const withLogs = await accounted(app);
    expect(withLogs.waiting_logs).toBeGreaterThan(0);
    expect(withLogs.recent_logs).toBeGreaterThan(50 * 2 * 'port 0 down'.length);
    expect(withLogs.windows).toBe(withWindows.windows);

    // More logs cost more: the estimate follows the message size.
    const big = [{ message: 'x'.repeat(30_000), circuit_id: 'CKT-BIG' }];
    expect((await postLogs(app, apiLogs(big))).statusCode).toBe(202);
    expect((await accounted(app)).recent_logs - withLogs.recent_logs).toBeGreaterThanOrEqual(60_000);

    clock.advance(11_000);
    app.engine.pipeline.tick();
    const after = await accounted(app);
    expect(after.windows).toBe(0);
    expect(after.waiting_logs).toBe(0);
    expect(after.recent_events).toBeGreaterThan(0); // the 200 closed windows' events
    expect(after.inflight_bodies).toBe(0);
  });

  it('keeps the recent logs within their byte share: the oldest leave first', async () => {
    const { app } = await start();
    // Each recent list may hold a tenth of the 8 MiB state budget; 20 logs of 30 000 chars are ~1.2 MB.
    for (let i = 0; i < 20; i++) {
      expect((await postLogs(app, apiLogs([{ message: `${i}:${'y'.repeat(30_000)}` }]))).statusCode).toBe(202);
    }
    const listed = (await app.inject({ method: 'GET', url: '/api/logs?limit=100' })).json() as Array<{ message: string }>;
    expect(listed.length).toBeGreaterThan(5);
    expect(listed.length).toBeLessThan(20);
    expect(listed[0]?.message.startsWith('19:')).toBe(true); // newest kept, oldest gone
    expect((await accounted(app)).recent_logs).toBeLessThanOrEqual(STATE_BUDGET / 10);
  });
});

describe('in-flight bodies', () => {
  it('counts a chunked body as it arrives and releases it once answered', async () => {
    const { app } = await start();
    const base = await listen(app);
    const { hostname, port } = new URL(base);
    const socket = connect(Number(port), hostname);
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const answered = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\r\n\r\n')) resolve(text);
      });
    });
    const body = Buffer.from(apiLogs([{ message: 'c'.repeat(50_000) }]));
    const half = body.length >> 1;
    const chunk = (b: Buffer) => `${b.length.toString(16)}\r\n${b.toString()}\r\n`;
    socket.write(`POST /api/logs HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
    socket.write(chunk(body.subarray(0, half)));
    await eventually(
      async () => ((await accounted(app)).inflight_bodies >= half ? true : undefined),
      5000,
      'the first chunk to be counted',
    );
    socket.write(`${chunk(body.subarray(half))}0\r\n\r\n`);
    expect(await answered).toMatch(/^HTTP\/1\.1 202/);
    await eventually(async () => ((await accounted(app)).inflight_bodies === 0 ? true : undefined), 5000, 'the body to be released');
  });
});

describe('shed order under a small budget', () => {
  it('closes the oldest windows early first, emitting their events, without dropping detail or refusing', async () => {
    const { app } = await start();
    let sent = 0;
    while ((await shed(app, 'windows_closed_early')) === 0) {
      expect((await postSpans(app, otlpSpans(500))).statusCode).toBe(200);
      sent += 500;
      if (sent > 100_000) throw new Error('no window was closed early');
    }
    // Keep going: closing windows alone holds pressure under the detail threshold.
    for (let i = 0; i < 20; i++) {
      expect((await postSpans(app, otlpSpans(500))).statusCode).toBe(200);
      const r = await ready(app);
      expect(r.statusCode).toBe(200);
      expect(r.body.memory.pressure).toBeLessThan(0.85);
      expect(['normal', 'close_windows']).toContain(r.body.memory.stage);
    }
    const closed = await shed(app, 'windows_closed_early');
    expect(await metricValue(app, 'correlation_windows_evicted_total')).toBe(closed);
    expect(await metricValue(app, 'correlation_events_total')).toBe(closed);
    expect(await shed(app, 'recent_entries_dropped')).toBe(0);
    expect(await shed(app, 'ingest_refused')).toBe(0);
  });

  it('then drops detail, then refuses every ingest route with 503 + Retry-After until back under, then recovers', async () => {
    const { app, clock } = await start({ CORR_WINDOW_SECONDS: '10' });
    const base = await listen(app);
    const total = async () => Object.values(await accounted(app)).reduce((a, b) => a + b, 0);
    /** Holds a request body that brings pressure to `ratio` of the state budget. */
    const holdUntil = async (ratio: number): Promise<Socket> => {
      const before = await total();
      const socket = await holdBody(base, Math.round(ratio * STATE_BUDGET - before));
      await eventually(async () => ((await total()) > before ? true : undefined), 5000, 'the body to be counted');
      return socket;
    };
    // Some windows (one with more detail than the pressure cap) and recent logs to shed later.
    expect((await postSpans(app, otlpSpans(1000))).statusCode).toBe(200);
    const wide = Array.from({ length: 30 }, (_, i) => ({ message: `step ${i}`, trace_id: 'ab'.repeat(16) }));
    expect((await postLogs(app, apiLogs(wide))).statusCode).toBe(202);
    for (let i = 0; i < 10; i++) expect((await postLogs(app, apiLogs([{ message: 'r'.repeat(30_000) }]))).statusCode).toBe(202);
    expect((await accounted(app)).recent_logs).toBeGreaterThan(STATE_BUDGET / 20); // over half the list's share

    // A client announces a large body: pressure is past the detail threshold (85%), under 95%.
    const first = await holdUntil(0.9);
    app.engine.pipeline.tick();
    expect(await shed(app, 'windows_closed_early')).toBe(1001); // every open window, the wide one too
    expect(await shed(app, 'recent_entries_dropped')).toBeGreaterThan(0);
    expect((await accounted(app)).recent_logs).toBeLessThanOrEqual(STATE_BUDGET / 20);
    const events = (await app.inject({ method: 'GET', url: `/api/correlations?trace_id=${'ab'.repeat(16)}` })).json() as Array<{
      logCount: number;
      detail: { logs: unknown[]; logsCapped: boolean };
    }>;
    expect(events[0]).toMatchObject({ logCount: 30, detail: { logsCapped: true } });
    expect(events[0]?.detail.logs).toHaveLength(10);
    expect(await shed(app, 'event_detail_dropped')).toBe(1);
    expect((await postLogs(app, apiLogs([{ message: 'still accepted' }]))).statusCode).toBe(202);

    // Back at 90% with nothing left to close: detail is dropped, ingest is still accepted.
    const second = await holdUntil(0.9);
    let r = await ready(app);
    expect(r).toMatchObject({ statusCode: 200, body: { status: 'ready', memory: { stage: 'drop_detail' } } });
    expect((await postLogs(app, apiLogs([{ message: 'accepted at 90%' }]))).statusCode).toBe(202);
    expect(await shed(app, 'ingest_refused')).toBe(0);

    // Past 95%: every ingest route answers 503 + Retry-After.
    const third = await holdUntil(0.97);
    r = await ready(app);
    expect(r.statusCode).toBe(503);
    expect(r.retryAfter).toBe('5');
    expect(r.body).toMatchObject({ status: 'memory_pressure', memory: { stage: 'refuse_ingest' } });
    expect(r.body.reason).toMatch(/memory pressure \d+% of the budget .* ingest refused until under 85%/);
    const refusedLogs = await fetch(`${base}/api/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: apiLogs([{ message: 'm' }]),
    });
    expect(refusedLogs.status).toBe(503);
    expect(refusedLogs.headers.get('retry-after')).toBe('5');
    for (const signal of ['traces', 'logs', 'metrics']) {
      const res = await fetch(`${base}/api/otlp/v1/${signal}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status, signal).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toMatchObject({ code: 14 }); // UNAVAILABLE: OTLP clients retry it
    }
    expect(await shed(app, 'ingest_refused')).toBe(4);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    // Hysteresis: back to 90% is not under 85%, so refusal holds.
    const level = async () => (await ready(app)).body.memory.pressure;
    const p97 = await level();
    third.destroy();
    await eventually(async () => ((await level()) < p97 - 0.03 ? true : undefined), 5000, 'the third body to be released');
    expect((await postLogs(app, apiLogs([{ message: 'm' }]))).statusCode).toBe(503);

    // Under 85%: accepted again; with every body gone, back to normal.
    // (The first body is released too: how much state the closed windows left behind depends on
    // the size of their events, which this test does not pin.)
    second.destroy();
    first.destroy();
    await eventually(async () => ((await level()) < 0.85 ? true : undefined), 5000, 'the second and first bodies to be released');
    expect((await postLogs(app, apiLogs([{ message: 'accepted again' }]))).statusCode).toBe(202);
    await eventually(async () => ((await accounted(app)).inflight_bodies === 0 ? true : undefined), 5000, 'every body to be released');
    clock.advance(1000);
    app.engine.pipeline.tick();
    r = await ready(app);
    expect(r).toMatchObject({ statusCode: 200, body: { status: 'ready', memory: { stage: 'normal' } } });
  });
});

describe('heap guard', () => {
  it('sheds on the real heap reading even when the accounted state is small', async () => {
    const { app, heap } = await start();
    // Heap ceiling: min(V8 limit 1 GiB, 16 MiB limit) x 0.8.
    heap.used = 0.97 * 0.8 * 16 * MiB;
    app.engine.pipeline.tick();
    expect((await postLogs(app, apiLogs([{ message: 'm' }]))).statusCode).toBe(503);
    expect((await ready(app)).body.memory.heapUsedBytes).toBe(heap.used);
    heap.used = 0.5 * 0.8 * 16 * MiB;
    app.engine.pipeline.tick();
    expect((await postLogs(app, apiLogs([{ message: 'm' }]))).statusCode).toBe(202);
  });
});

describe('heap confirmed by a full collection', () => {
  it('does not refuse on garbage: the reading after the collection counts, and the collection is counted', async () => {
    let collections = 0;
    const ceiling = 0.8 * 16 * MiB;
    const { app, heap } = await start({}, (h) => {
      collections += 1;
      h.used = 0.3 * ceiling;
    });
    heap.used = 0.97 * ceiling;
    app.engine.pipeline.tick();
    expect(collections).toBe(1);
    expect((await postLogs(app, apiLogs([{ message: 'm' }]))).statusCode).toBe(202);
    expect(await ready(app)).toMatchObject({ statusCode: 200, body: { memory: { heapUsedBytes: 0.3 * ceiling } } });
    expect(await metricValue(app, 'engine_memory_collections_total')).toBe(1);
  });

  it('refuses when the collection leaves the heap over the threshold', async () => {
    let collections = 0;
    const { app, heap } = await start({}, () => {
      collections += 1;
    });
    heap.used = 0.97 * 0.8 * 16 * MiB;
    app.engine.pipeline.tick();
    expect(collections).toBe(1);
    expect((await postLogs(app, apiLogs([{ message: 'm' }]))).statusCode).toBe(503);
  });
});

describe('metrics', () => {
  it('expose the budget, the bytes per kind, the pressure and the stage', async () => {
    const { app } = await start();
    expect((await postSpans(app, otlpSpans(10))).statusCode).toBe(200);
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain(`engine_memory_budget_bytes{source="env",engine_instance="test-engine"} ${16 * MiB}`);
    for (const kind of ['windows', 'waiting_logs', 'recent_logs', 'recent_events', 'inflight_bodies', 'export_buffers']) {
      expect(text).toMatch(new RegExp(`engine_memory_accounted_bytes\\{kind="${kind}",engine_instance="test-engine"\\} \\d+`));
    }
    expect(await metricValue(app, 'engine_memory_accounted_bytes', { kind: 'windows' })).toBeGreaterThan(0);
    expect(await metricValue(app, 'engine_memory_pressure_ratio')).toBeGreaterThan(0);
    expect(text).toContain('engine_memory_shed_stage{engine_instance="test-engine"} 0');
    expect(text).toContain('# TYPE engine_memory_shed_total counter');
  });
});
