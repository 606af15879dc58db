// GET /api/correlations?state=open|all and GET /api/correlations/:traceId: open windows are
// visible while they gather records, through the indexes, and close into the same event.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { createMetrics } from '../../../src/metrics.js';
import type { CorrelationEvent } from '../../../src/model/types.js';
import { ManualClock, metricValue, testApp, testConfig } from '../../helpers/app.js';
import { type SpanSpec, traceOf, tracesBody } from '../../helpers/otlp-json.js';

type Listed = CorrelationEvent & { state?: string; closesAt?: string };

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

async function postSpans(specs: SpanSpec[], startMs = Date.now()): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/api/otlp/v1/traces', payload: tracesBody(specs, startMs) });
  expect(res.statusCode, res.body).toBe(200);
}

async function postLog(trace: string, message: string, severity = 'INFO'): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/logs',
    payload: { resource: { service: 'palantir' }, records: [{ timestamp: new Date().toISOString(), severity, message, trace_id: trace }] },
  });
  expect(res.statusCode, res.body).toBe(202);
}

async function list(query: string): Promise<{ items: Listed[]; next: string | undefined }> {
  const res = await app.inject(`/api/correlations?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return { items: res.json() as Listed[], next: res.headers['x-next-cursor'] as string | undefined };
}

describe('open windows on the API', () => {
  it('shows a span and a log of one trace as an open window within 1 s, then the same counts as one closed event', async () => {
    const clock = new ManualClock(Date.now());
    app = await testApp({ clock, env: { CORR_WINDOW_SECONDS: '60' } });
    const trace = traceOf(1);
    const sent = performance.now();
    await postSpans([{ trace, circuit: 'CKT-1' }], clock.ms);
    await postLog(trace, 'provisioning step 1');
    const { items } = await list(`state=open&trace_id=${trace}`);
    const visibleAfterMs = performance.now() - sent;
    expect(visibleAfterMs).toBeLessThan(1000); // the issue's acceptance bound
    expect(items).toHaveLength(1);
    const open = items[0] as Listed;
    expect(open).toMatchObject({ state: 'open', traceId: trace, spanCount: 1, logCount: 1, services: ['beorn', 'palantir'] });
    expect(open.closesAt).toBe(new Date(clock.ms + 60_000).toISOString());
    expect(open.keys.circuit_id).toEqual(['CKT-1']);
    // The default answer is unchanged: closed events only, and none has closed yet.
    expect((await list('')).items).toEqual([]);

    const byTrace = await app.inject(`/api/correlations/${trace}`);
    expect(byTrace.json()).toMatchObject({ state: 'open', id: open.id, logCount: 1 });

    clock.advance(60_001);
    app.engine.pipeline.tick();
    expect((await list('state=open')).items).toEqual([]);
    const closed = (await list('')).items;
    expect(closed).toHaveLength(1);
    const event = closed[0] as Listed;
    expect(event.state).toBeUndefined();
    expect(event).toMatchObject({ id: open.id, traceId: trace, spanCount: 1, logCount: 1, errorCount: 0, services: open.services });
    expect((await app.inject(`/api/correlations/${trace}`)).json()).toMatchObject({ id: open.id, spanCount: 1 });
    expect((await list('state=all')).items.map((e) => e.id)).toEqual([open.id]);
  });

  it('lists open windows newest first, filtered by circuit_id, service and errors, then closed ones for state=all', async () => {
    const clock = new ManualClock();
    app = await testApp({ clock });
    await postSpans([{ trace: traceOf(1), circuit: 'CKT-1' }], clock.ms);
    clock.advance(10);
    await postSpans([{ trace: traceOf(2), circuit: 'CKT-2', service: 'arda' }], clock.ms);
    clock.advance(10);
    await postSpans([{ trace: traceOf(3), circuit: 'CKT-1' }], clock.ms);
    clock.advance(10);
    await postSpans([{ trace: traceOf(4), circuit: 'CKT-1', service: 'arda' }], clock.ms);
    await postLog(traceOf(3), 'failed', 'ERROR');
    const ids = async (q: string) => (await list(q)).items.map((e) => e.traceId);
    expect(await ids('state=open')).toEqual([4, 3, 2, 1].map(traceOf));
    expect(await ids('state=open&circuit_id=CKT-1')).toEqual([4, 3, 1].map(traceOf));
    expect(await ids('state=open&service=arda')).toEqual([4, 2].map(traceOf));
    expect(await ids('state=open&errors=1')).toEqual([traceOf(3)]);
    expect(await ids('state=open&circuit_id=CKT-1&service=arda')).toEqual([traceOf(4)]);
    expect(await ids('state=open&circuit_id=CKT-9')).toEqual([]);

    clock.advance(60_000 - 15); // traces 1 and 2 are due, 3 and 4 not yet
    app.engine.pipeline.tick();
    const all = (await list('state=all')).items;
    expect(all.map((e) => [e.traceId, e.state ?? 'closed'])).toEqual([
      [traceOf(4), 'open'],
      [traceOf(3), 'open'],
      [traceOf(2), 'closed'],
      [traceOf(1), 'closed'],
    ]);
    expect(await ids('state=all&circuit_id=CKT-1')).toEqual([4, 3, 1].map(traceOf));
  });

  it('pages open windows by cursor, each page within its limit, and refuses a cursor of another listing', async () => {
    app = await testApp({ clock: new ManualClock() });
    const specs = Array.from({ length: 25 }, (_, i) => ({ trace: traceOf(i), circuit: i % 2 === 0 ? 'EVEN' : 'ODD' }));
    await postSpans(specs);
    for (const [query, expected] of [
      ['state=open&limit=4', 25],
      ['state=open&limit=4&circuit_id=EVEN', 13],
      ['state=all&limit=4', 25],
    ] as const) {
      const seen: string[] = [];
      let page = await list(query);
      seen.push(...page.items.map((e) => e.traceId));
      while (page.next) {
        expect(page.items.length).toBeLessThanOrEqual(4);
        page = await list(`${query}&cursor=${page.next}`);
        seen.push(...page.items.map((e) => e.traceId));
      }
      expect(seen).toHaveLength(expected);
      expect(new Set(seen).size).toBe(expected);
    }
    const closedCursor = (await app.inject('/api/correlations?limit=1')).headers['x-next-cursor'];
    expect(closedCursor).toBeUndefined(); // nothing closed: use a made-up one
    expect((await app.inject('/api/correlations?state=open&cursor=bm90LW91cnM')).statusCode).toBe(400);
    expect((await app.inject('/api/correlations?state=sideways')).statusCode).toBe(400);
  });

  it('keeps open-window pages within QUERY_RESPONSE_MAX_BYTES, the rest by cursor', async () => {
    const cap = 64 * 1024;
    app = await testApp({ clock: new ManualClock(), env: { QUERY_RESPONSE_MAX_BYTES: String(cap) } });
    // Over 1 KiB per listed window (its span name, as long as ingest keeps it): pages of 100 end by bytes.
    await postSpans(Array.from({ length: 200 }, (_, i) => ({ trace: traceOf(i), name: `op-${i}-${'n'.repeat(8000)}` })));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await app.inject(`/api/correlations?state=open&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.length).toBeLessThanOrEqual(cap);
      seen.push(...(res.json() as Listed[]).map((e) => e.traceId));
      cursor = res.headers['x-next-cursor'] as string | undefined;
      if (cursor) expect(res.headers.link).toContain(`cursor=${cursor}`);
      pages += 1;
    } while (cursor);
    expect(pages).toBeGreaterThan(3);
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => traceOf(199 - i)));
  });

  it('answers a circuit_id page over 100k open windows through the key index, not a scan', async () => {
    // A scan for a value carried only by the oldest windows would have to pass every newer one;
    // the key index goes straight to them: a page reads its 20 windows at 1k and at 100k open.
    // The heap reading is held low so no window closes early: the oldest are the ones listed.
    const config = testConfig();
    app = await buildApp({
      config,
      metrics: createMetrics({ instanceId: config.instanceId, defaultMetrics: false }),
      now: new ManualClock().now,
      tickIntervalMs: 0,
      memory: { limit: { bytes: 4 * 1024 ** 3, source: 'env' }, heapLimitBytes: 4 * 1024 ** 3, heapUsedBytes: () => 0 },
    });
    // Deterministic cost: the engine counts the open windows each walk reads.
    const pageReads = async (): Promise<number> => {
      const before = await metricValue(app, 'correlation_open_windows_read_total');
      const { items } = await list('state=open&circuit_id=RARE&limit=20');
      expect(items.map((e) => e.keys.circuit_id)).toEqual(Array.from({ length: 20 }, () => ['RARE']));
      return (await metricValue(app, 'correlation_open_windows_read_total')) - before;
    };
    await postSpans(Array.from({ length: 20 }, (_, i) => ({ trace: traceOf(i), circuit: 'RARE' })));
    let n = 20;
    const fill = async (to: number) => {
      while (n < to) {
        const batch = Math.min(5000, to - n);
        await postSpans(Array.from({ length: batch }, (_, i) => ({ trace: traceOf(n + i), circuit: `C-${(n + i) % 997}` })));
        n += batch;
      }
    };
    await fill(1000);
    expect(await pageReads()).toBeLessThanOrEqual(21);
    await fill(100_000);
    expect(app.engine.pipeline.correlator.openWindowCount).toBe(100_000);
    expect(await pageReads()).toBeLessThanOrEqual(21);
    // The service filter has no index: it stops after a bounded number of non-matching windows
    // and hands back a cursor instead of scanning all 100k.
    const res = await app.inject('/api/correlations?state=open&service=nobody');
    expect(res.json()).toEqual([]);
    expect(res.headers['x-next-cursor']).toBeDefined();
    const read = await metricValue(app, 'correlation_open_windows_read_total');
    await app.inject('/api/correlations?state=open&errors=1');
    expect(await metricValue(app, 'correlation_open_windows_read_total')).toBe(read); // no window has an error
  }, 120_000);
});
