// GET /api/correlations/stream over a real socket: open windows are pushed as they change, their
// closed event at close; filters, the stream bound (429 + Retry-After) and BasicAuth hold.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { CorrelationEvent } from '../../src/model/types.js';
import { ManualClock, metricValue, testApp } from '../helpers/app.js';
import { eventually, listen } from '../helpers/listen.js';
import { type SpanSpec, traceOf, tracesBody } from '../helpers/otlp-json.js';
import { openSse, type SseClient } from '../helpers/sse-client.js';

type Pushed = CorrelationEvent & { state?: string; closesAt?: string };

let app: FastifyInstance;
const clients: SseClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await app?.close();
});

async function stream(base: string, query = '', headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await openSse(`${base}/api/correlations/stream${query}`, headers);
  clients.push(client);
  return client;
}

async function postSpans(specs: SpanSpec[], startMs: number): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/api/otlp/v1/traces', payload: tracesBody(specs, startMs) });
  expect(res.statusCode, res.body).toBe(200);
}

async function postLog(trace: string, message: string): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/logs',
    payload: { resource: { service: 'palantir' }, records: [{ message, trace_id: trace }] },
  });
  expect(res.statusCode, res.body).toBe(202);
}

/** Waits until `cond` holds (eventually() fails at a throwing probe, so the probe is a boolean). */
const until = (cond: () => boolean | Promise<boolean>) => eventually(async () => (await cond()) || undefined);

const pushed = (client: SseClient, kind: string): Pushed[] =>
  client.events.filter((e) => e.event === kind).map((e) => JSON.parse(e.data) as Pushed);

describe('live correlation stream', () => {
  it('pushes an open window as records arrive, then its closed event with the same counts', async () => {
    const clock = new ManualClock(Date.now());
    app = await testApp({ clock, env: { CORR_LIVE_FLUSH_MS: '20' } });
    const base = await listen(app);
    const client = await stream(base);
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['x-content-type-options']).toBe('nosniff');
    expect(await metricValue(app, 'correlation_live_streams')).toBe(1);

    const trace = traceOf(7);
    await postSpans([{ trace, circuit: 'CKT-7' }], clock.ms);
    await postLog(trace, 'step one');
    await postLog(trace, 'step two');
    await until(() => pushed(client, 'update').at(-1)?.logCount === 2);
    expect(pushed(client, 'update').at(-1)).toMatchObject({ traceId: trace, state: 'open', spanCount: 1, logCount: 2 });
    // Records between two flushes make one update per window, never one per record.
    expect(pushed(client, 'update').length).toBeLessThanOrEqual(3);
    const open = pushed(client, 'update').at(-1) as Pushed;
    expect(open.closesAt).toBe(new Date(clock.ms + 60_000).toISOString());

    clock.advance(60_001);
    app.engine.pipeline.tick();
    await until(() => pushed(client, 'closed').length === 1);
    const closed = pushed(client, 'closed')[0] as Pushed;
    expect(closed).toMatchObject({ id: open.id, traceId: trace, spanCount: 1, logCount: 2, services: open.services });
    expect(closed.state).toBeUndefined();
    expect(await metricValue(app, 'correlation_visibility_seconds_count', { surface: 'stream' })).toBeGreaterThanOrEqual(1);
    expect(await metricValue(app, 'correlation_visibility_seconds_count', { surface: 'api' })).toBe(3);
  });

  it('sends a stream only the windows its filter matches', async () => {
    const clock = new ManualClock(Date.now());
    app = await testApp({ clock, env: { CORR_LIVE_FLUSH_MS: '20' } });
    const base = await listen(app);
    const mine = await stream(base, '?circuit_id=CKT-A');
    const errors = await stream(base, '?errors=1');
    await postSpans(
      [
        { trace: traceOf(1), circuit: 'CKT-A' },
        { trace: traceOf(2), circuit: 'CKT-B', error: true },
        { trace: traceOf(3), circuit: 'CKT-A', error: true },
      ],
      clock.ms,
    );
    await until(() => pushed(errors, 'update').length >= 2 && pushed(mine, 'update').length >= 2);
    // One more flush: anything not matching would have been sent by now too.
    await postSpans([{ trace: traceOf(4), circuit: 'CKT-A' }], clock.ms);
    await until(() => pushed(mine, 'update').length >= 3);
    expect(
      pushed(errors, 'update')
        .map((e) => e.traceId)
        .sort(),
    ).toEqual([traceOf(2), traceOf(3)]);
    expect(
      pushed(mine, 'update')
        .map((e) => e.traceId)
        .sort(),
    ).toEqual([traceOf(1), traceOf(3), traceOf(4)]);
  });

  it('tells streams to re-read instead of growing the changed set past CORR_LIVE_DIRTY_MAX_BYTES', async () => {
    const clock = new ManualClock(Date.now());
    app = await testApp({ clock, env: { CORR_LIVE_DIRTY_MAX_BYTES: String(64 * 1024) } });
    const base = await listen(app);
    const client = await stream(base);
    // One request: all 1,000 windows change before the next push, ~110 bytes each in the set.
    await postSpans(
      Array.from({ length: 1000 }, (_, i) => ({ trace: traceOf(i) })),
      clock.ms,
    );
    await until(() => client.events.some((e) => e.event === 'resync'));
    expect(await metricValue(app, 'correlation_live_resyncs_total')).toBe(1);
    // Under the bound again: the next change is pushed as usual.
    await postSpans([{ trace: traceOf(5000) }], clock.ms);
    await until(() => pushed(client, 'update').some((e) => e.traceId === traceOf(5000)));
  });

  it('refuses streams past CORR_LIVE_MAX_STREAMS with 429 and Retry-After, and takes one again when a slot frees', async () => {
    app = await testApp({ env: { CORR_LIVE_MAX_STREAMS: '2' } });
    const base = await listen(app);
    const first = await stream(base);
    await stream(base);
    const third = await stream(base);
    expect(third.status).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect(await metricValue(app, 'correlation_live_streams_refused_total')).toBe(1);
    first.close();
    await until(async () => (await metricValue(app, 'correlation_live_streams')) === 1);
    expect((await stream(base)).status).toBe(200);
  });

  it('sits behind BasicAuth like the other API routes', async () => {
    app = await testApp({ env: { ENABLE_BASIC_AUTH: 'true', BASIC_AUTH_USER: 'ops', BASIC_AUTH_PASS: 's3cret-pass' } });
    const base = await listen(app);
    expect((await stream(base)).status).toBe(401);
    const auth = `Basic ${Buffer.from('ops:s3cret-pass').toString('base64')}`;
    expect((await stream(base, '', { authorization: auth })).status).toBe(200);
  });

  it('ends its streams when the engine shuts down', async () => {
    app = await testApp();
    const base = await listen(app);
    const client = await stream(base);
    await app.close();
    await client.ended;
  });
});
