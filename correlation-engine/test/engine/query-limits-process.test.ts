// Issue 13 acceptance: the built engine (a real process, heap capped as compose caps it) keeps
// 2,000 large messages of control characters (each written out as \u0001, six bytes a character);
// GET /api/logs at its largest page and GET /api/correlations answer 200 within the byte cap while
// /health keeps answering in < 100 ms, and following the cursors reaches every kept item once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEngine, EngineProcess } from '../sinks/engine-process.js';

const RECENT_LOGS = 2000;
const RECENT_EVENTS = 1000;
/** The documented default of QUERY_RESPONSE_MAX_BYTES. */
const CAP = 1024 * 1024;
const MESSAGE_CHARS = 16_384;

let engine: EngineProcess;
beforeAll(async () => {
  buildEngine();
  engine = await EngineProcess.start({
    NODE_OPTIONS: '--max-old-space-size=384',
    CORR_WINDOW_SECONDS: '0.5',
    CORR_RECENT_LOGS: String(RECENT_LOGS),
    CORR_RECENT_EVENTS: String(RECENT_EVENTS),
    // A budget whose recent-list share holds all 2,000 messages: this test is about answer caps,
    // not about the memory budget trimming the list (the V8 heap cap above still applies).
    ENGINE_MEMORY_LIMIT_BYTES: String(2 * 1024 ** 3),
  });
  // 1,000 traces with two logs each; every message is 16 Ki control characters.
  const message = '\u0001'.repeat(MESSAGE_CHARS - 8);
  for (let batch = 0; batch < RECENT_LOGS / 20; batch += 1) {
    const records = Array.from({ length: 20 }, (_, i) => {
      const n = batch * 20 + i;
      return {
        message: `${String(n).padStart(6, '0')}: ${message}`,
        trace_id: `a${(Math.floor(n / 2) + 1).toString(16).padStart(31, '0')}`,
      };
    });
    const res = await fetch(`${engine.url}/api/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resource: { service: 'ctl' }, records }),
    });
    expect(res.status).toBe(202);
  }
  // Measure the queries, not the closing of the last windows: wait until every window has closed.
  const until = Date.now() + 30_000;
  while (((await (await fetch(`${engine.url}/health`)).json()) as { openWindows: number }).openWindows > 0) {
    if (Date.now() > until) throw new Error('windows did not close in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}, 180_000);
afterAll(async () => {
  await engine?.stop();
});

/**
 * Largest /health time while `pages` are served, as the smallest of up to three tries: a page that
 * blocks the event loop shows in every try, while a pause of the machine (another test's process,
 * a GC of the shared host) lands in one at random.
 */
async function healthWhileServing(pages: () => Promise<unknown>): Promise<{ maxMs: number; probes: number; tries: number[] }> {
  const tries: number[] = [];
  let best = { maxMs: Number.POSITIVE_INFINITY, probes: 0 };
  while (tries.length < 3 && best.maxMs >= 100) {
    const health = await healthDuring(pages());
    tries.push(Math.round(health.maxMs * 10) / 10);
    if (health.maxMs < best.maxMs) best = health;
  }
  return { ...best, tries };
}

/** Largest /health time seen while `work` runs (probes every 5 ms, one at a time). */
async function healthDuring(work: Promise<unknown>): Promise<{ maxMs: number; probes: number }> {
  let done = false;
  void work.finally(() => {
    done = true;
  });
  let maxMs = 0;
  let probes = 0;
  while (!done || probes === 0) {
    const started = performance.now();
    const res = await fetch(`${engine.url}/health`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    maxMs = Math.max(maxMs, performance.now() - started);
    probes += 1;
    await new Promise((r) => setTimeout(r, 5));
  }
  await work;
  return { maxMs, probes };
}

/** `times` requests, each sent when the previous one has been read. */
async function oneAfterAnother<T>(times: number, request: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < times; i += 1) out.push(await request());
  return out;
}

/** Reads `path` and every page after it; each answer must be 200 within the cap. */
async function allPages<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let url: string | undefined = path;
  while (url) {
    const res = await fetch(`${engine.url}${url}`);
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect(body.length).toBeLessThanOrEqual(CAP);
    items.push(...(JSON.parse(body.toString('utf8')) as T[]));
    const next = res.headers.get('x-next-cursor');
    url = next ? `${path}&cursor=${next}` : undefined;
  }
  return items;
}

/**
 * Items the memory budget dropped from the recent lists (the heap guard may act while 2,000 large
 * messages arrive under a 384 MB heap); a page walk that reaches fewer items than were sent must be
 * explained by this counter, never by the cursor.
 */
async function recentDroppedByBudget(): Promise<number> {
  const text = await (await fetch(`${engine.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('engine_memory_shed_total') && l.includes('reason="recent_entries_dropped"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('bounded answers (engine as a child process)', () => {
  it('GET /api/logs?limit=<max> answers 200 within its byte cap while /health stays fast; the pages hold every kept log once', async () => {
    let pages: Promise<{ status: number; bytes: number; next: string | null }[]> = Promise.resolve([]);
    const health = await healthWhileServing(() => {
      pages = oneAfterAnother(5, async () => {
        const res = await fetch(`${engine.url}/api/logs?limit=${RECENT_LOGS}`);
        const body = Buffer.from(await res.arrayBuffer());
        return { status: res.status, bytes: body.length, next: res.headers.get('x-next-cursor') };
      });
      return pages;
    });
    for (const page of await pages) {
      expect(page.status).toBe(200);
      expect(page.bytes).toBeLessThanOrEqual(CAP);
      expect(page.bytes).toBeGreaterThan(CAP / 2); // the page was filled, not cut short
      expect(page.next).toBeTruthy();
    }
    console.log(
      `[query-limits] /api/logs pages: /health max ${health.maxMs.toFixed(1)} ms over ${health.probes} probes (tries: ${health.tries.join(', ')} ms)`,
    );
    expect(health.maxMs).toBeLessThan(100);

    const logs = await allPages<{ message: string }>(`/api/logs?limit=${RECENT_LOGS}`);
    // Newest first, each kept log once and none skipped: a contiguous run down from the newest.
    expect(logs.map((l) => Number(l.message.slice(0, 6)))).toEqual(Array.from({ length: logs.length }, (_, i) => RECENT_LOGS - 1 - i));
    if (logs.length < RECENT_LOGS) expect(await recentDroppedByBudget()).toBeGreaterThan(0);
    expect(logs.length).toBeGreaterThan(RECENT_LOGS / 2);
  }, 120_000);

  it('GET /api/correlations?limit=<max> likewise', async () => {
    const events = await allPages<{ id: string; logCount: number }>(`/api/correlations?limit=${RECENT_EVENTS}`);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    if (events.length < RECENT_EVENTS) expect(await recentDroppedByBudget()).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThan(RECENT_EVENTS / 2);
    expect(events.every((e) => e.logCount === 2)).toBe(true);

    let pages: Promise<{ status: number; bytes: number }[]> = Promise.resolve([]);
    const health = await healthWhileServing(() => {
      pages = oneAfterAnother(5, async () => {
        const res = await fetch(`${engine.url}/api/correlations?limit=${RECENT_EVENTS}`);
        return { status: res.status, bytes: (await res.arrayBuffer()).byteLength };
      });
      return pages;
    });
    for (const page of await pages) {
      expect(page.status).toBe(200);
      expect(page.bytes).toBeLessThanOrEqual(CAP);
    }
    console.log(
      `[query-limits] /api/correlations pages: /health max ${health.maxMs.toFixed(1)} ms over ${health.probes} probes (tries: ${health.tries.join(', ')} ms)`,
    );
    expect(health.maxMs).toBeLessThan(100);
    expect(engine.child.exitCode).toBeNull();
  }, 120_000);
});
