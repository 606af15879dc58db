// Issue 13: the correlator under key skew (one circuit_id shared by 30,000 open windows), and the
// two calls the memory budget uses: approxBytes() and closeOldest(n).
import { describe, expect, it } from 'vitest';
import type { CorrelatorOptions } from '../../src/correlate/correlator.js';
import type { CorrelationEvent, NormalizedLog, NormalizedSpan } from '../../src/model/types.js';
import { correlatorUnderTest, span, traceId } from '../helpers/correlator-records.js';

function traceless(keys: NormalizedLog['keys'], message = 'resource activated'): NormalizedLog {
  return { timeUnixMs: 1000, severity: 'INFO', service: 'mdso', message, keys, attributes: {}, format: 'plain', source: 'api' };
}

function setup(options: Partial<CorrelatorOptions> = {}) {
  return correlatorUnderTest(100_000, options);
}

describe('correlator under key skew', () => {
  it('30,000 windows sharing one circuit_id: every event lists a bounded set of related traces, logs link to the newest', () => {
    const { c, clock, drops } = setup({ maxRelatedPerWindow: 50, maxLinkFanout: 100 });
    const N = 30_000;
    for (let i = 0; i < N; i += 500) {
      const batch: NormalizedSpan[] = [];
      for (let j = i; j < i + 500; j++) batch.push(span(traceId(j), { circuit_id: 'HOT' }));
      c.addSpans(batch);
    }
    c.addLogs([traceless({ circuit_id: 'HOT' })]);
    expect(c.openWindowCount).toBe(N);
    clock.advance(60_000);
    const events = c.tick();
    expect(events).toHaveLength(N);
    const byTrace = new Map<string, CorrelationEvent>(events.map((e) => [e.traceId, e]));

    for (const e of events) {
      expect(e.relatedTraces.length).toBeGreaterThan(0);
      expect(e.relatedTraces.length).toBeLessThanOrEqual(50);
      expect(new Set(e.relatedTraces.map((r) => r.traceId)).size).toBe(e.relatedTraces.length);
      expect(e.relatedTraces.every((r) => r.key === 'circuit_id' && r.value === 'HOT' && r.traceId !== e.traceId)).toBe(true);
    }
    // The first to close lists its 50 nearest neighbours, all still open.
    expect(byTrace.get(traceId(0))?.relatedTraces.map((r) => r.traceId)).toEqual(Array.from({ length: 50 }, (_, i) => traceId(i + 1)));
    // A window in the middle lists its neighbours on both sides (the earlier ones from the closed ring).
    const middle = new Set(byTrace.get(traceId(15_000))?.relatedTraces.map((r) => r.traceId));
    expect(middle.has(traceId(14_999))).toBe(true);
    expect(middle.has(traceId(15_001))).toBe(true);
    // The last one still lists 50: the value remembers its most recently closed windows.
    expect(byTrace.get(traceId(N - 1))?.relatedTraces).toHaveLength(50);
    // What was not listed is counted.
    expect(drops.related_traces_cap).toBeGreaterThan(0);

    // The trace-less log joined the 100 newest windows (maxLinkFanout), the rest counted.
    const linked = events.filter((e) => e.linkedLogCount === 1).map((e) => e.traceId);
    expect(linked).toHaveLength(100);
    expect(linked).toEqual(Array.from({ length: 100 }, (_, i) => traceId(N - 100 + i)));
    expect(drops.link_fanout_cap).toBe(N - 100);
    expect(c.approxBytes()).toEqual({ windows: 0, waitingLogs: 0 });
  });

  it('a window opening under a value with thousands of waiting logs picks up the newest maxLinkFanout of them', () => {
    const { c, clock, drops } = setup({ maxLinkFanout: 10 });
    const logs = Array.from({ length: 5000 }, (_, i) => traceless({ circuit_id: 'HOT' }, `line ${i}`));
    c.addLogs(logs);
    expect(c.graceLogCount).toBe(5000);
    c.addSpans([span(traceId(1), { circuit_id: 'HOT' })]);
    clock.advance(60_000);
    const [e] = c.tick();
    expect(e?.linkedLogCount).toBe(10);
    expect(e?.detail.logs.map((l) => l.message).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `line ${4990 + i}`).sort());
    expect(drops.link_fanout_cap).toBe(4990);
  });

  it('traces sharing a key list each other whichever closes first, and a trace closed before another opened is not listed', () => {
    const { c, clock } = setup({ windowMs: 10_000 });
    c.addSpans([span(traceId(1), { circuit_id: 'C' })]);
    clock.advance(5_000);
    c.addSpans([span(traceId(2), { circuit_id: 'C' })]);
    clock.advance(5_000);
    const first = c.tick();
    c.addSpans([span(traceId(3), { circuit_id: 'C' })]);
    clock.advance(10_000);
    const byTrace = Object.fromEntries([...first, ...c.tick()].map((e) => [e.traceId, e]));
    expect(byTrace[traceId(1)]?.relatedTraces).toEqual([{ traceId: traceId(2), key: 'circuit_id', value: 'C' }]);
    expect(byTrace[traceId(2)]?.relatedTraces.map((r) => r.traceId).sort()).toEqual([traceId(1), traceId(3)]);
    expect(byTrace[traceId(3)]?.relatedTraces).toEqual([{ traceId: traceId(2), key: 'circuit_id', value: 'C' }]);
  });
});

describe('correlator state in bytes', () => {
  it('approxBytes grows with windows, detail and waiting logs, and returns to zero when all is gone', () => {
    const { c, clock } = setup({ windowMs: 10_000 });
    expect(c.approxBytes()).toEqual({ windows: 0, waitingLogs: 0 });
    c.addSpans([span(traceId(1), { circuit_id: 'C1' })]);
    const one = c.approxBytes().windows;
    expect(one).toBeGreaterThan(100);
    c.addSpans([span(traceId(1), { circuit_id: 'C1' }, '00000000000000bb')]);
    const twoSpans = c.approxBytes().windows;
    expect(twoSpans).toBeGreaterThan(one);
    c.addLogs([{ ...traceless({}, 'x'.repeat(10_000)), traceId: traceId(1) }]);
    expect(c.approxBytes().windows).toBeGreaterThan(twoSpans + 10_000);

    c.addLogs([traceless({ resource_id: 'R' }, 'y'.repeat(5_000))]);
    expect(c.approxBytes().waitingLogs).toBeGreaterThan(5_000);

    clock.advance(10_000);
    expect(c.tick()).toHaveLength(1);
    expect(c.approxBytes()).toEqual({ windows: 0, waitingLogs: 0 });
  });

  it('a log waiting under two values lists the value each window joined it through, its summaries counted as made', () => {
    const { c, clock } = setup({ windowMs: 10_000 });
    c.addSpans([span(traceId(1), { resource_id: 'R' })]);
    const windowsOnly = c.approxBytes();
    c.addLogs([traceless({ circuit_id: 'C', resource_id: 'R' }, 'both keys')]);
    const joinedOnce = c.approxBytes().waitingLogs;
    expect(joinedOnce).toBeGreaterThan(0);
    expect(c.approxBytes().windows).toBeGreaterThan(windowsOnly.windows);
    // A window taking the other value picks it up: a second summary is made and counted.
    c.addSpans([span(traceId(2), { circuit_id: 'C' })]);
    expect(c.approxBytes().waitingLogs).toBeGreaterThan(joinedOnce);
    // A third window with the first value shares the summary made for it (no new waiting bytes).
    const twoMade = c.approxBytes().waitingLogs;
    c.addSpans([span(traceId(3), { resource_id: 'R' })]);
    expect(c.approxBytes().waitingLogs).toBe(twoMade);

    clock.advance(10_000);
    const byTrace = Object.fromEntries(c.tick().map((e) => [e.traceId, e]));
    expect(byTrace[traceId(1)]?.detail.logs.map((l) => [l.message, l.linkedBy])).toEqual([
      ['both keys', { key: 'resource_id', value: 'R' }],
    ]);
    expect(byTrace[traceId(2)]?.detail.logs.map((l) => [l.message, l.linkedBy])).toEqual([
      ['both keys', { key: 'circuit_id', value: 'C' }],
    ]);
    expect(byTrace[traceId(3)]?.detail.logs.map((l) => l.linkedBy)).toEqual([{ key: 'resource_id', value: 'R' }]);
    expect(c.approxBytes()).toEqual({ windows: 0, waitingLogs: 0 });
  });

  it('closeOldest(n) closes the n oldest windows early, counted as evictions, and returns their events', () => {
    const { c, clock, evictions } = setup();
    for (let i = 0; i < 5; i++) {
      c.addSpans([span(traceId(i), { circuit_id: 'C' })]);
      clock.advance(1);
    }
    const before = c.approxBytes().windows;
    const closed = c.closeOldest(2);
    expect(closed.map((e) => e.traceId)).toEqual([traceId(0), traceId(1)]);
    expect(closed[0]?.relatedTraces.length).toBeGreaterThan(0);
    expect(evictions()).toBe(2);
    expect(c.openWindowCount).toBe(3);
    expect(c.approxBytes().windows).toBeLessThan(before);
    // Not handed out twice: the next tick has nothing until the rest are due.
    expect(c.tick()).toEqual([]);
    expect(c.closeOldest(10).map((e) => e.traceId)).toEqual([traceId(2), traceId(3), traceId(4)]);
    expect(c.closeOldest(1)).toEqual([]);
    expect(evictions()).toBe(5);
    expect(c.approxBytes()).toEqual({ windows: 0, waitingLogs: 0 });
  });
});
