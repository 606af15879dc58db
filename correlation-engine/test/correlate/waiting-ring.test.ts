// The waiting-log ring (correlate/waiting-logs.ts) through the correlator: logs wait in slots
// that are reused, the ring grows from its first slots up to CORR_MAX_WAITING_LOGS, and the logs
// waiting under one value are chained across slots. What a window picks up must not depend on
// where in the ring (or across how many growths and wraps) the logs were kept.
import { describe, expect, it } from 'vitest';
import type { NormalizedLog } from '../../src/model/types.js';
import { correlatorUnderTest, span, traceId } from '../helpers/correlator-records.js';

function traceless(keys: NormalizedLog['keys'], message: string, spanId?: string): NormalizedLog {
  return { timeUnixMs: 1000, severity: 'WARN', service: 'mdso', message, keys, attributes: {}, format: 'plain', spanId, source: 'api' };
}

/** Value of log i: every third waits under HOT, the others under a value of their own, half of those also under a resource. */
function logAt(i: number): NormalizedLog {
  if (i % 3 === 0) return traceless({ circuit_id: 'HOT' }, `hot ${i}`);
  return traceless(
    i % 2 === 0 ? { circuit_id: `C-${i}`, resource_id: `R-${i}` } : { circuit_id: `C-${i}` },
    `line ${i}`,
    i % 4 === 1 ? `span${i}` : undefined,
  );
}

describe('waiting-log ring', () => {
  it('keeps the newest CORR_MAX_WAITING_LOGS logs across growth and wrap-around, and a window picks up the newest under its value', () => {
    // 1500 is not a power of two and above the ring's first size: it grows twice, then wraps.
    const { c, clock, drops } = correlatorUnderTest(1000, { maxWaitingLogs: 1500, maxLinkFanout: 10 });
    const total = 4000;
    for (let i = 0; i < total; i += 50) c.addLogs(Array.from({ length: 50 }, (_, j) => logAt(i + j)));
    expect(c.graceLogCount).toBe(1500);
    expect(drops.grace_buffer_full).toBe(total - 1500);

    // Still waiting: logs 2500..3999. HOT ones among them: multiples of 3.
    const hotWaiting = Array.from({ length: 1500 }, (_, k) => 2500 + k).filter((i) => i % 3 === 0);
    c.addSpans([span(traceId(1), { circuit_id: 'HOT' })]);
    // A value of its own, waiting since long before the last wrap: one log, with its span id.
    c.addSpans([span(traceId(2), { circuit_id: 'C-3001', resource_id: 'R-3002' })]);
    // Its resource is another log's (3002, also under C-3002): joined once, through the resource.
    // A value whose log was dropped for room is gone: nothing to pick up.
    c.addSpans([span(traceId(3), { circuit_id: 'C-1000' })]);
    clock.advance(60_000);
    const events = Object.fromEntries(c.tick().map((e) => [e.traceId, e]));

    const hot = events[traceId(1)];
    expect(hot?.detail.logs.map((l) => l.message).sort()).toEqual(
      hotWaiting
        .slice(-10)
        .map((i) => `hot ${i}`)
        .sort(),
    );
    expect(hot?.detail.logs.every((l) => l.linkedBy?.key === 'circuit_id' && l.linkedBy.value === 'HOT')).toBe(true);
    expect(drops.link_fanout_cap).toBe(hotWaiting.length - 10);

    const own = events[traceId(2)];
    expect(own?.detail.logs.map((l) => [l.message, l.spanId, l.linkedBy?.key, l.severity, l.service]).sort()).toEqual([
      ['line 3001', 'span3001', 'circuit_id', 'WARN', 'mdso'],
      ['line 3002', undefined, 'resource_id', 'WARN', 'mdso'],
    ]);
    expect(events[traceId(3)]?.linkedLogCount).toBe(0);

    // The waiting logs expired with the windows' length (the grace default): nothing is left.
    expect(c.graceLogCount).toBe(0);
    expect(c.approxBytes()).toEqual({ windows: 0, waitingLogs: 0 });
  });

  it('a window picks up every log of a value whose chain runs across the ring growing', () => {
    const { c, clock, drops } = correlatorUnderTest(1000, { maxWaitingLogs: 5000, maxLinkFanout: 1000 });
    // 1500 logs: the ring grows while they arrive, so the HOT chain links slots of both sizes.
    c.addLogs(Array.from({ length: 1500 }, (_, i) => logAt(i)));
    c.addSpans([span(traceId(1), { circuit_id: 'HOT' })]);
    clock.advance(60_000);
    const [e] = c.tick();
    const hot = Array.from({ length: 1500 }, (_, i) => i).filter((i) => i % 3 === 0);
    expect(e?.detail.logs).toHaveLength(200); // the window's detail cap (maxLogsPerWindow)
    expect(e?.linkedLogCount).toBe(hot.length);
    expect(drops.link_fanout_cap ?? 0).toBe(0);
    expect(new Set(e?.detail.logs.map((l) => l.message)).size).toBe(200);
    expect(e?.detail.logs.every((l) => hot.includes(Number(l.message.split(' ')[1])))).toBe(true);
  });

  it('grows after expiries moved its oldest log around the ring, and keeps every chain', () => {
    const { c, clock } = correlatorUnderTest(1000, { maxWaitingLogs: 5000, maxLinkFanout: 1000, maxLogsPerWindow: 1000 });
    c.addLogs(Array.from({ length: 1000 }, (_, i) => traceless({ circuit_id: `OLD-${i}` }, `old ${i}`)));
    clock.advance(60_000); // the first 1000 expire when the next batch arrives
    const fresh = Array.from({ length: 1500 }, (_, i) => logAt(i));
    c.addLogs(fresh);
    expect(c.graceLogCount).toBe(1500);
    c.addSpans([span(traceId(1), { circuit_id: 'HOT' })]);
    c.addSpans([span(traceId(2), { circuit_id: 'OLD-5' })]);
    clock.advance(60_000);
    const events = Object.fromEntries(c.tick().map((e) => [e.traceId, e]));
    const hot = fresh.filter((l) => l.keys.circuit_id === 'HOT').map((l) => l.message);
    expect(events[traceId(1)]?.detail.logs.map((l) => l.message).sort()).toEqual(hot.sort());
    expect(events[traceId(2)]?.linkedLogCount).toBe(0);
    expect(c.approxBytes()).toEqual({ windows: 0, waitingLogs: 0 });
  });

  it('counts the slots a burst left allocated, and gives them back as the ring empties', () => {
    const burst = correlatorUnderTest(1000, { maxWaitingLogs: 10_000 });
    const steady = correlatorUnderTest(1000, { maxWaitingLogs: 10_000 });
    const log = (i: number) => traceless({ resource_id: `R-${i}` }, `line ${i}`);
    // 3000 logs wait, then 2000 more 30 s later; the first 3000 expire at 60 s.
    burst.c.addLogs(Array.from({ length: 3000 }, (_, i) => log(i)));
    burst.clock.advance(30_000);
    burst.c.addLogs(Array.from({ length: 2000 }, (_, i) => log(3000 + i)));
    burst.clock.advance(30_000);
    burst.c.tick();
    expect(burst.c.graceLogCount).toBe(2000);
    // The same 2000 logs waiting in a ring that never held more.
    steady.c.addLogs(Array.from({ length: 2000 }, (_, i) => log(3000 + i)));
    expect(burst.c.approxBytes().waitingLogs).toBeGreaterThan(steady.c.approxBytes().waitingLogs);
    // Once they expire too, the ring is back to its first size and nothing is counted.
    burst.clock.advance(30_000);
    burst.c.tick();
    expect(burst.c.graceLogCount).toBe(0);
    expect(burst.c.approxBytes()).toEqual({ windows: 0, waitingLogs: 0 });
    // And it takes a burst again.
    burst.c.addLogs(Array.from({ length: 4000 }, (_, i) => log(i)));
    burst.c.addSpans([span(traceId(1), { resource_id: 'R-3999' })]);
    burst.clock.advance(60_000);
    expect(burst.c.tick()[0]?.detail.logs.map((l) => l.message)).toEqual(['line 3999']);
  });

  it('a log waiting under two values joins a window carrying both once, whichever value the window took first', () => {
    const { c, clock } = correlatorUnderTest(1000);
    c.addLogs([traceless({ circuit_id: 'C', resource_id: 'R' }, 'both')]);
    c.addSpans([span(traceId(1), { circuit_id: 'C' })]);
    c.addSpans([span(traceId(1), { resource_id: 'R' })]);
    c.addSpans([span(traceId(2), { circuit_id: 'C', resource_id: 'R' })]);
    clock.advance(60_000);
    const events = c.tick();
    expect(events.map((e) => e.linkedLogCount)).toEqual([1, 1]);
    expect(c.approxBytes()).toEqual({ windows: 0, waitingLogs: 0 });
  });

  it('a value one waiting log has alone is taken over by a second log or a window, and leaves with the log', () => {
    const { c, clock, drops } = correlatorUnderTest(1000, { maxWaitingLogs: 4 });
    const empty = c.approxBytes();
    // Alone under A, then a second log under A: both wait, and a window taking A picks up both.
    c.addLogs([traceless({ circuit_id: 'A' }, 'a1')]);
    const alone = c.approxBytes().waitingLogs;
    c.addLogs([traceless({ circuit_id: 'A' }, 'a2')]);
    // Alone under B until a window takes B.
    c.addLogs([traceless({ circuit_id: 'B', resource_id: 'RB' }, 'b1')]);
    c.addSpans([span(traceId(1), { circuit_id: 'A' })]);
    c.addSpans([span(traceId(2), { resource_id: 'RB' })]);
    // Alone under D: dropped for room (capacity 4) with a1, a2 and b1 by the four logs after it, its value with it.
    c.addLogs([traceless({ circuit_id: 'D' }, 'd1')]);
    c.addLogs([traceless({ circuit_id: 'E' }, 'e1'), traceless({ circuit_id: 'E' }, 'e2')]);
    c.addLogs([traceless({ circuit_id: 'G' }, 'g1'), traceless({ resource_id: 'RH' }, 'h1')]);
    expect(drops.grace_buffer_full).toBe(4);
    expect(c.graceLogCount).toBe(4);
    c.addSpans([span(traceId(3), { circuit_id: 'D' }), span(traceId(4), { circuit_id: 'E' })]);
    // A value a lone log waits under has no open window to offer (the cluster key owner's question).
    const withG: string[] = [];
    c.openTracesWith('circuit_id', 'G', 10, (t) => withG.push(t));
    expect(withG).toEqual([]);
    clock.advance(60_000);
    const events = Object.fromEntries(c.tick().map((e) => [e.traceId, e.detail.logs.map((l) => l.message).sort()]));
    expect(events).toEqual({
      [traceId(1)]: ['a1', 'a2'],
      [traceId(2)]: ['b1'],
      [traceId(3)]: [],
      [traceId(4)]: ['e1', 'e2'],
    });
    expect(alone).toBeGreaterThan(empty.waitingLogs);
    expect(c.approxBytes()).toEqual({ windows: 0, waitingLogs: 0 });
  });

  it('flush() empties the ring: logs added after it wait and link as in a fresh correlator', () => {
    const { c, clock } = correlatorUnderTest(1000, { maxWaitingLogs: 3000 });
    c.addLogs(Array.from({ length: 2500 }, (_, i) => logAt(i)));
    c.addSpans([span(traceId(1), { circuit_id: 'X' })]);
    while (c.flush().length > 0);
    expect(c.graceLogCount).toBe(0);
    expect(c.approxBytes()).toEqual({ windows: 0, waitingLogs: 0 });

    c.addLogs([traceless({ circuit_id: 'HOT' }, 'after flush')]);
    c.addSpans([span(traceId(2), { circuit_id: 'HOT' })]);
    clock.advance(60_000);
    const [e] = c.tick();
    expect(e?.detail.logs.map((l) => l.message)).toEqual(['after flush']);
  });
});
