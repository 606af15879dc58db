// Issue 2: "10 000 open traces do not slow per-record ingest measurably compared with 10".
// A quick check, not the benchmark: prints both throughputs and asserts only a generous ratio.
import { describe, expect, it } from 'vitest';
import { Correlator } from '../../src/correlate/correlator.js';
import type { NormalizedSpan } from '../../src/model/types.js';
import { ManualClock, testApp } from '../helpers/app.js';

const SPANS = 200_000;
const BATCH = 100;

function traceId(i: number): string {
  return (i + 1).toString(16).padStart(32, '0'); // never the all-zero (invalid) trace id
}

function spansFor(openTraces: number): NormalizedSpan[][] {
  const batches: NormalizedSpan[][] = [];
  for (let b = 0; b < SPANS / BATCH; b += 1) {
    const batch: NormalizedSpan[] = [];
    for (let j = 0; j < BATCH; j += 1) {
      const i = b * BATCH + j;
      const t = i % openTraces;
      batch.push({
        traceId: traceId(t),
        spanId: (i + 1).toString(16).padStart(16, '0'),
        parentSpanId: '00000000000000ff',
        name: 'GET /api/test',
        service: 'beorn',
        kind: 2,
        startUnixMs: 1000 + i,
        endUnixMs: 1010 + i,
        status: 'OK',
        keys: { circuit_id: `CKT-${t}`, request_id: `REQ-${t}` },
        attributes: {},
      });
    }
    batches.push(batch);
  }
  return batches;
}

/** Spans per second added to a correlator that already holds `openTraces` open windows (one run). */
function throughputOnce(openTraces: number, batches: NormalizedSpan[][]): number {
  const c = new Correlator({
    instance: 'scale',
    windowMs: 3_600_000, // nothing closes while measuring
    maxOpenWindows: 200_000,
    // Every span keeps its detail in every run, so all do the same work per record (with the
    // default cap of 200 the 10-window run would mostly take the cheaper "capped" path).
    maxSpansPerWindow: SPANS,
    maxLogsPerWindow: 200,
    now: () => 0,
  });
  // Open every window first, so the timed part measures records joining open windows.
  for (let i = 0; i < openTraces; i += BATCH) c.addSpans((batches[i / BATCH] ?? []).slice(0, openTraces - i));
  expect(c.openWindowCount).toBe(openTraces);
  const start = process.hrtime.bigint();
  for (const batch of batches) c.addSpans(batch);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return SPANS / seconds;
}

/**
 * Best of several runs per size, the sizes interleaved: on a shared machine a busy moment then
 * slows every size alike instead of skewing the ratio.
 */
function throughputs(sizes: number[], rounds = 4): number[] {
  const inputs = sizes.map(spansFor);
  const best = sizes.map(() => 0);
  for (let round = 0; round < rounds; round += 1) {
    sizes.forEach((size, i) => {
      best[i] = Math.max(best[i] ?? 0, throughputOnce(size, inputs[i] ?? []));
    });
  }
  return best;
}

describe('correlator scale', () => {
  it('adds spans in O(1): 10, 10 000 and 100 000 open windows', () => {
    throughputs([10], 1); // warm-up for the JIT
    const [few = 0, many = 0, lots = 0] = throughputs([10, 10_000, 100_000]);
    const fmt = (n: number) => Math.round(n).toLocaleString('en');
    console.log(
      `correlator addSpans: ${fmt(few)} spans/s with 10 open windows, ${fmt(many)} with 10,000, ` +
        `${fmt(lots)} with 100,000 (ratio 10/10k ${(few / many).toFixed(2)}, 10k/100k ${(many / lots).toFixed(2)})`,
    );
    // 10 windows stay in CPU cache and 10 000 do not, so that ratio swings with machine load
    // (1.5x-4x seen here) and is printed, not asserted. A per-record cost that grows with the
    // window count would show as ~10x between 10 000 and 100 000; that is what is asserted.
    // The route-level check below is the one users feel.
    expect(few).toBeGreaterThan(0);
    expect(many / lots).toBeLessThan(4);
  }, 60_000);

  it('POST /api/logs ingests about as fast with 10 000 open windows as with 10', async () => {
    const REQUESTS = 100;
    const PER_REQUEST = 100;
    /** Records/s through the whole route (parse, validate, normalize, correlate) into `open` windows. */
    const measure = async (open: number): Promise<number> => {
      const app = await testApp({ clock: new ManualClock() });
      try {
        const body = (offset: number) =>
          JSON.stringify({
            resource: { service: 'beorn', host: 'h' },
            records: Array.from({ length: PER_REQUEST }, (_, j) => ({
              timestamp: '2026-11-25T10:00:00.000Z',
              severity: 'INFO',
              message: `step ${j} circuit_id=CKT-${(offset + j) % open}`,
              trace_id: traceId((offset + j) % open),
            })),
          });
        const post = (payload: string) =>
          app.inject({ method: 'POST', url: '/api/logs', headers: { 'content-type': 'application/json' }, payload });
        for (let i = 0; i < open; i += PER_REQUEST) await post(body(i));
        expect(app.engine.pipeline.correlator.openWindowCount).toBe(open);
        const payloads = Array.from({ length: REQUESTS }, (_, r) => body(r * PER_REQUEST));
        const start = process.hrtime.bigint();
        for (const payload of payloads) expect((await post(payload)).statusCode).toBe(202);
        return (REQUESTS * PER_REQUEST) / (Number(process.hrtime.bigint() - start) / 1e9);
      } finally {
        await app.close();
      }
    };
    await measure(10); // warm-up
    let few = 0;
    let many = 0;
    for (let round = 0; round < 3; round += 1) {
      few = Math.max(few, await measure(10));
      many = Math.max(many, await measure(10_000));
    }
    const fmt = (n: number) => Math.round(n).toLocaleString('en');
    console.log(`POST /api/logs: ${fmt(few)} records/s into 10 open windows, ${fmt(many)} into 10,000 (ratio ${(few / many).toFixed(2)})`);
    expect(few / many).toBeLessThan(2);
  }, 120_000);
});
