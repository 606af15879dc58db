// Closing is bounded per call: tick(work) and an ingest batch close a bounded share of the due
// windows, whatever the backlog, and a record of a due but unclosed window's trace still opens
// the trace's next window, as an on-time sweep would have made it.
import { describe, expect, it } from 'vitest';
import { Correlator } from '../../src/correlate/correlator.js';
import type { CorrelationEvent, NormalizedSpan } from '../../src/model/types.js';
import { ManualClock } from '../helpers/app.js';
import { span, traceId } from '../helpers/correlator-records.js';

const WINDOW_MS = 60_000;

function setup() {
  const clock = new ManualClock();
  const c = new Correlator({
    instance: 'i1',
    windowMs: WINDOW_MS,
    maxOpenWindows: 100_000,
    maxSpansPerWindow: 200,
    maxLogsPerWindow: 200,
    now: clock.now,
  });
  return { c, clock };
}

/** Opens n one-span windows, traces 0..n-1, in batches of 500. */
function openWindows(c: Correlator, n: number, from = 0): void {
  for (let i = from; i < from + n; i += 500) {
    const batch: NormalizedSpan[] = [];
    for (let j = i; j < Math.min(from + n, i + 500); j++) batch.push(span(traceId(j)));
    c.addSpans(batch);
  }
}

describe('bounded closing', () => {
  it('tick(work) closes about that many records of due windows, oldest first, until none is due', () => {
    const { c, clock } = setup();
    openWindows(c, 1000);
    clock.advance(WINDOW_MS + 1);
    expect(c.hasDue()).toBe(true);
    // A one-span window is two units of work (closeWork): 100 units close 50 of them.
    const first = c.tick(100);
    expect(first).toHaveLength(50);
    expect(first.map((e) => e.traceId)).toEqual(Array.from({ length: 50 }, (_, i) => traceId(i)));
    expect(c.openWindowCount).toBe(950);
    const all: CorrelationEvent[] = [...first];
    let calls = 1;
    while (c.hasDue()) {
      all.push(...c.tick(100));
      calls += 1;
    }
    expect(calls).toBe(20);
    expect(all.map((e) => e.traceId)).toEqual(Array.from({ length: 1000 }, (_, i) => traceId(i)));
    expect(c.openWindowCount).toBe(0);
    expect(c.tick(100)).toEqual([]);
  });

  it('an ingest batch closes a bounded number of due windows; the next tick hands on their events with the rest', () => {
    const { c, clock } = setup();
    openWindows(c, 10_000);
    clock.advance(WINDOW_MS + 1);
    c.addSpans([span(traceId(20_000), {}, '00000000000000bb')]);
    // Twice its one record plus 64 units: 33 one-span windows at most, not the 10,000 due.
    const closed = 10_000 + 1 - c.openWindowCount;
    expect(closed).toBeGreaterThan(0);
    expect(closed).toBeLessThanOrEqual(33);
    const events = c.tick();
    expect(events.map((e) => e.traceId)).toEqual(Array.from({ length: 10_000 }, (_, i) => traceId(i)));
    expect(c.openWindowCount).toBe(1);
    expect(c.hasDue()).toBe(false);
  });

  it("a record of a due window's trace closes that window out of order and opens the trace's next one", () => {
    const { c, clock } = setup();
    openWindows(c, 5000);
    const late = traceId(9999);
    c.addSpans([span(late, { circuit_id: 'C-LATE' }, '00000000000000a1')]);
    clock.advance(WINDOW_MS + 1);
    // The batch's bounded sweep reaches only the oldest windows, not the late trace's.
    c.addSpans([span(late, { circuit_id: 'C-LATE' }, '00000000000000a2')]);
    const open: string[] = [];
    c.walkOpen({}, undefined, (w) => {
      open.push(w.traceId);
      return true;
    });
    // The due windows still open, and the trace's new window once; never the one closed out of order.
    expect(open.filter((t) => t === late)).toHaveLength(1);
    expect(open).toHaveLength(c.openWindowCount);
    // Through the key index too: the closed window left its list when it closed.
    const byKey: string[] = [];
    c.walkOpen({ linking: { circuit_id: 'C-LATE' } }, undefined, (w) => {
      byKey.push(w.traceId);
      return true;
    });
    expect(byKey).toEqual([late]);

    const first = c.tick().filter((e) => e.traceId === late);
    expect(first).toHaveLength(1);
    expect(first[0]?.detail.spans.map((s) => s.spanId)).toEqual(['00000000000000a1']);
    expect(first[0]?.continuation).toBe(false);
    expect(c.openWindowCount).toBe(1);

    clock.advance(WINDOW_MS + 1);
    const second = c.tick();
    expect(second).toHaveLength(1);
    expect(second[0]?.traceId).toBe(late);
    expect(second[0]?.detail.spans.map((s) => s.spanId)).toEqual(['00000000000000a2']);
    expect(second[0]?.continuation).toBe(true);
    expect(c.openWindowCount).toBe(0);
  });

  it('closeOldest(n, work) stops at the work bound before n windows of many records', () => {
    const { c } = setup();
    // 100 windows of 99 spans each: 100 units of work apiece (closeWork).
    for (let t = 0; t < 100; t++) {
      c.addSpans(Array.from({ length: 99 }, (_, i) => span(traceId(t), {}, (i + 1).toString(16).padStart(16, '0'))));
    }
    const events = c.closeOldest(50, 1000);
    expect(events.map((e) => e.traceId)).toEqual(Array.from({ length: 10 }, (_, i) => traceId(i)));
    expect(c.openWindowCount).toBe(90);
    // Without a work bound, n decides.
    expect(c.closeOldest(50)).toHaveLength(50);
  });
});
