// GET /api/logs and GET /api/correlations answer within their byte cap and continue by cursor;
// the detail routes answer items whole.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { LISTED_EVENT_MESSAGE_MAX_CHARS, LISTED_MESSAGE_MAX_CHARS } from '../../../src/http/routes/listing-forms.js';
import type { CorrelationEvent } from '../../../src/model/types.js';
import { ManualClock, testApp } from '../../helpers/app.js';

const CAP = 64 * 1024;
const CONTROL = '\u0001';

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

const trace = (n: number) => n.toString(16).padStart(32, '0').replace(/^0/, 'a');

async function postLogs(records: Record<string, unknown>[], service = 'svc'): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/api/logs', payload: { resource: { service }, records } });
  expect(res.statusCode).toBe(202);
}

interface Listed {
  id: string;
  message: string;
  messageTruncated?: boolean;
  messageBytes?: number;
}

/** Follows X-Next-Cursor from `first` to the end; every page must answer 200 within `cap`. */
async function walk<T>(first: string, cap: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let url: string | undefined = first;
  let pages = 0;
  while (url) {
    const res: LightMyRequestResponse = await app.inject(url);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.rawPayload.length).toBeLessThanOrEqual(cap);
    items.push(...(res.json() as T[]));
    pages += 1;
    const next = res.headers['x-next-cursor'] as string | undefined;
    const link = res.headers.link;
    if (next) expect(link).toContain(`cursor=${next}`);
    else expect(link).toBeUndefined();
    url = next ? `${first}${first.includes('?') ? '&' : '?'}cursor=${next}` : undefined;
  }
  return { items, pages };
}

describe('GET /api/logs pages', () => {
  it('walks every kept log exactly once, newest first, each page within the byte cap', async () => {
    app = await testApp({ env: { QUERY_RESPONSE_MAX_BYTES: String(CAP), CORR_RECENT_LOGS: '300' } });
    // 400 logs pushed into a ring of 300: the 100 oldest are gone. Control characters are
    // written as \u0001 (six bytes each), so a listing shows ~6 KiB per log: pages end by bytes.
    for (let batch = 0; batch < 4; batch += 1) {
      await postLogs(Array.from({ length: 100 }, (_, i) => ({ message: `#${batch * 100 + i} ${CONTROL.repeat(2000)}` })));
    }
    const { items, pages } = await walk<Listed>('/api/logs?limit=300', CAP);
    expect(pages).toBeGreaterThan(20);
    expect(items.map((l) => Number(/^#(\d+)/.exec(l.message)?.[1]))).toEqual(Array.from({ length: 300 }, (_, i) => 399 - i));
    expect(new Set(items.map((l) => l.id)).size).toBe(300);
  });

  it('pages by limit too, with filters applied on every page', async () => {
    app = await testApp();
    for (let i = 0; i < 20; i += 1) await postLogs([{ message: `a${i}` }], i % 2 === 0 ? 'even' : 'odd');
    const { items, pages } = await walk<Listed>('/api/logs?limit=3&service=even', 1e9);
    expect(pages).toBe(4); // 10 matches in pages of 3, and no empty last page
    expect(items.map((l) => l.message)).toEqual([18, 16, 14, 12, 10, 8, 6, 4, 2, 0].map((i) => `a${i}`));
  });

  it('keeps items pushed while paging out of the walk, and loses none of the older ones', async () => {
    app = await testApp();
    for (let i = 0; i < 6; i += 1) await postLogs([{ message: `old${i}` }]);
    const first = await app.inject('/api/logs?limit=3');
    await postLogs([{ message: 'new' }]);
    const second = await app.inject(`/api/logs?limit=3&cursor=${first.headers['x-next-cursor']}`);
    expect([...first.json(), ...second.json()].map((l: Listed) => l.message)).toEqual(['old5', 'old4', 'old3', 'old2', 'old1', 'old0']);
    expect(second.headers['x-next-cursor']).toBeUndefined();
  });

  it('shortens long messages in the listing with a marker and the full size; GET /api/logs/:id has them whole', async () => {
    app = await testApp();
    const long = `é${'x'.repeat(5000)}`;
    await postLogs([{ message: long }, { message: 'short' }]);
    const [shortOne, longOne] = (await app.inject('/api/logs')).json() as Listed[];
    expect(shortOne).toMatchObject({ message: 'short' });
    expect(shortOne?.messageTruncated).toBeUndefined();
    expect(longOne?.message).toBe(`${long.slice(0, LISTED_MESSAGE_MAX_CHARS)}…`);
    expect(longOne).toMatchObject({ messageTruncated: true, messageBytes: Buffer.byteLength(long) });
    const detail = await app.inject(`/api/logs/${longOne?.id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({ id: longOne?.id, message: long, service: 'svc' });
  });

  it('answers 404 for an id that is not (or no longer) kept', async () => {
    app = await testApp({ env: { CORR_RECENT_LOGS: '2' } });
    await postLogs([{ message: 'first' }]);
    const [first] = (await app.inject('/api/logs')).json() as Listed[];
    expect((await app.inject(`/api/logs/${first?.id}`)).statusCode).toBe(200);
    await postLogs([{ message: 'second' }, { message: 'third' }]);
    expect((await app.inject(`/api/logs/${first?.id}`)).statusCode).toBe(404);
    expect((await app.inject('/api/logs/not-an-id')).statusCode).toBe(404);
  });

  it('refuses a cursor that is not one of its own with 400', async () => {
    app = await testApp();
    for (let i = 0; i < 4; i += 1) await postLogs([{ message: `m${i}` }]);
    const logsCursor = (await app.inject('/api/logs?limit=1')).headers['x-next-cursor'];
    expect(logsCursor).toBeTruthy();
    const other = await testApp();
    try {
      for (const cursor of ['abc', '!!', 'x'.repeat(65), Buffer.from('logs.000000000000.1').toString('base64url')]) {
        const res = await app.inject(`/api/logs?cursor=${encodeURIComponent(cursor)}`);
        expect(res.statusCode, cursor).toBe(400);
        expect(res.json().message).toContain('cursor');
      }
      // A cursor from another engine run, and one from the other list.
      expect((await other.inject(`/api/logs?cursor=${logsCursor}`)).statusCode).toBe(400);
      expect((await app.inject(`/api/correlations?cursor=${logsCursor}`)).statusCode).toBe(400);
    } finally {
      await other.close();
    }
  });

  it('keeps the answer a JSON array for existing callers', async () => {
    app = await testApp();
    await postLogs([{ message: 'hello', labels: { a: 1 } }]);
    const res = await app.inject('/api/logs?limit=10');
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.json()).toEqual([expect.objectContaining({ message: 'hello', service: 'svc', attributes: { a: '1' } })]);
  });
});

describe('GET /api/correlations pages', () => {
  async function closeWindows(clock: ManualClock, count: number, message: string): Promise<void> {
    for (let i = 0; i < count; i += 1)
      await postLogs([
        { message, trace_id: trace(i) },
        { message, trace_id: trace(i) },
      ]);
    clock.advance(120_000);
    app.engine.pipeline.tick();
  }

  it('walks every kept event exactly once within the byte cap, detail messages shortened', async () => {
    const clock = new ManualClock();
    app = await testApp({ clock, env: { QUERY_RESPONSE_MAX_BYTES: String(CAP), CORR_RECENT_EVENTS: '50' } });
    await closeWindows(clock, 60, CONTROL.repeat(3000));
    const { items, pages } = await walk<CorrelationEvent & { detail: { logs: Listed[] } }>('/api/correlations?limit=50', CAP);
    expect(pages).toBeGreaterThan(1);
    expect(items).toHaveLength(50);
    expect(new Set(items.map((e) => e.id)).size).toBe(50);
    for (const event of items) {
      expect(event.detail.logs[0]).toMatchObject({
        message: `${CONTROL.repeat(LISTED_EVENT_MESSAGE_MAX_CHARS)}…`,
        messageTruncated: true,
        messageBytes: 3000,
      });
    }
    // The detail route has the event whole.
    const id = items[0]?.id ?? '';
    const detail = await app.inject(`/api/correlations/${encodeURIComponent(id)}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.headers['content-type']).toContain('application/json');
    const whole = detail.json() as CorrelationEvent;
    expect(whole).toMatchObject({ id, logCount: 2 });
    expect(whole.detail.logs.map((l) => l.message)).toEqual([CONTROL.repeat(3000), CONTROL.repeat(3000)]);
    expect((await app.inject('/api/correlations/nope')).statusCode).toBe(404);
  });

  it('an event too big for a page on its own is listed without its detail, not left out', async () => {
    const clock = new ManualClock();
    app = await testApp({ clock, env: { QUERY_RESPONSE_MAX_BYTES: String(CAP), CORR_MAX_LOGS_PER_WINDOW: '200' } });
    const records = Array.from({ length: 200 }, (_, i) => ({ message: `${i}${CONTROL.repeat(300)}`, trace_id: trace(1) }));
    await postLogs(records);
    clock.advance(120_000);
    app.engine.pipeline.tick();
    const res = await app.inject('/api/correlations');
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.length).toBeLessThanOrEqual(CAP);
    expect(res.json()).toEqual([expect.objectContaining({ logCount: 200, detailOmitted: true })]);
  });
});

describe('X-Content-Type-Options', () => {
  it('is nosniff on JSON answers, errors and the view', async () => {
    app = await testApp();
    for (const url of ['/api/logs', '/api/correlations', '/api/ui-config', '/health', '/api/nothing', '/api/logs?limit=x', '/']) {
      expect((await app.inject(url)).headers['x-content-type-options'], url).toBe('nosniff');
    }
  });
});
