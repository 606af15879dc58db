// Issue 13: what an open window costs on the heap, measured after a full GC, and how closely
// approxBytes() (which the memory budget sheds on) follows it. Shapes as in the benchmark
// (bench/src/window-memory.ts): keyed windows of 3 spans and 2 logs on 500 circuit ids, and
// windows of one span each on its own circuit id.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Correlator } from '../../src/correlate/correlator.js';
import type { NormalizedLog, NormalizedSpan } from '../../src/model/types.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const WINDOWS = 20_000;
/** A flat string, as the engine's decoders produce (a template literal would be a rope of parts). */
const flat = (s: string): string => JSON.parse(JSON.stringify(s)) as string;
const hex = (n: number, width: number): string => flat(n.toString(16).padStart(width, '0'));
/** Span names, shared as the OTLP decoder's interner shares them. */
const NAMES = ['GET /api/test', 'POST /api/circuits', 'GET /api/resources/:id', 'PUT /api/activate'];

function correlator(): Correlator {
  return new Correlator({
    instance: 'mem',
    windowMs: 3_600_000,
    maxOpenWindows: WINDOWS + 1,
    maxSpansPerWindow: 200,
    maxLogsPerWindow: 200,
    now: () => 1_764_020_000_000,
  });
}

function span(trace: string, id: string, parent: string | undefined, i: number, keys: NormalizedSpan['keys']): NormalizedSpan {
  // Fractional milliseconds, as nanosecond OTLP times give; fresh strings, as a decoder gives.
  const start = 1_764_019_990_000 + i * 3.25;
  return {
    traceId: trace,
    spanId: id,
    parentSpanId: parent,
    name: NAMES[i % 4] as string,
    service: ['beorn', 'palantir', 'arda'][i % 3] as string,
    kind: 2,
    startUnixMs: start,
    endUnixMs: start + 12.5,
    status: 'OK',
    keys,
  };
}

function log(trace: string, spanId: string, i: number, n: number): NormalizedLog {
  const message = flat(`POST /api/circuits ${200 + n} in ${i % 97}ms`);
  return {
    timeUnixMs: 1_764_019_990_000 + i,
    severity: 'INFO',
    service: 'beorn',
    message,
    traceId: trace,
    spanId,
    keys: {},
    attributes: {},
    format: 'plain',
    source: 'api',
  };
}

function openKeyed(c: Correlator, w: number): void {
  const trace = hex(w + 1, 32);
  const root = hex(w * 4 + 1, 16);
  const keys = { circuit_id: flat(`CKT-NYC-${w % 500}`), request_id: flat(`req-${hex(w, 12)}`) };
  c.addSpans([
    span(trace, root, undefined, w, keys),
    span(trace, hex(w * 4 + 2, 16), root, w + 1, { ...keys }),
    span(trace, hex(w * 4 + 3, 16), root, w + 2, { ...keys }),
  ]);
  c.addLogs([log(trace, root, w, 0), log(trace, root, w, 4)]);
}

function openOneSpan(c: Correlator, w: number): void {
  c.addSpans([span(hex(w + 1, 32), hex(w + 1, 16), undefined, w, { circuit_id: flat(`CKT-${hex(w, 8)}`) })]);
}

/** Heap bytes per window and approxBytes() per window, after opening WINDOWS windows. */
function measure(open: (c: Correlator, w: number) => void): { heap: number; estimate: number } {
  gc();
  gc();
  const before = getHeapStatistics().used_heap_size;
  const c = correlator();
  for (let w = 0; w < WINDOWS; w++) open(c, w);
  gc();
  gc();
  const heap = (getHeapStatistics().used_heap_size - before) / WINDOWS;
  expect(c.openWindowCount).toBe(WINDOWS);
  return { heap, estimate: c.approxBytes().windows / WINDOWS };
}

describe('open-window memory', () => {
  it('a keyed window (3 spans, 2 logs) keeps its detail packed, its span ids as numbers and no service list: under 850 heap bytes, estimated within 25% above', () => {
    const { heap, estimate } = measure(openKeyed);
    // With a field per flag, a boxed start time, a key-index node of its own and its span ids as
    // strings (let alone summary objects in lists), the same window took more than this bound.
    expect(heap).toBeLessThan(850);
    expect(estimate).toBeGreaterThanOrEqual(heap);
    expect(estimate).toBeLessThan(heap * 1.25);
  });

  it('a one-span window keeps its lone summary (~620 bytes), and the estimate follows it', () => {
    const { heap, estimate } = measure(openOneSpan);
    expect(heap).toBeLessThan(700);
    expect(estimate).toBeGreaterThanOrEqual(heap);
    expect(estimate).toBeLessThan(heap * 1.25);
  });
});
