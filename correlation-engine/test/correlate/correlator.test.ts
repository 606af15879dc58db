import { describe, expect, it } from 'vitest';
import type { CorrelatorOptions } from '../../src/correlate/correlator.js';
import type { NormalizedLog, NormalizedSpan } from '../../src/model/types.js';
import { correlatorUnderTest } from '../helpers/correlator-records.js';

const T1 = 'a'.repeat(32);
const T2 = 'b'.repeat(32);
const T3 = 'c'.repeat(32);

function span(traceId: string, spanId: string, extra: Partial<NormalizedSpan> = {}): NormalizedSpan {
  return {
    traceId,
    spanId,
    name: `op-${spanId}`,
    service: 'beorn',
    kind: 2,
    startUnixMs: 1000,
    endUnixMs: 1100,
    status: 'UNSET',
    keys: {},
    ...extra,
  };
}

function log(extra: Partial<NormalizedLog> = {}): NormalizedLog {
  return {
    timeUnixMs: 1000,
    severity: 'INFO',
    service: 'blueplanet',
    message: 'hello',
    keys: {},
    attributes: {},
    format: 'plain',
    source: 'api',
    ...extra,
  };
}

function setup(options: Partial<CorrelatorOptions> = {}) {
  return correlatorUnderTest(1000, options);
}

describe('Correlator windows', () => {
  it('opens at the first record, closes windowMs later, one event with counts', () => {
    const { c, clock } = setup();
    const start = clock.ms;
    c.addSpans([span(T1, '1111111111111111', { keys: { circuit_id: 'C1' } })]);
    clock.advance(10_000);
    c.addSpans([span(T1, '2222222222222222', { parentSpanId: '1111111111111111', service: 'palantir', status: 'ERROR' })]);
    c.addLogs([log({ traceId: T1, severity: 'WARN', service: 'arda', keys: { product_id: 'P1' } })]);
    expect(c.openWindowCount).toBe(1);
    clock.advance(49_999);
    expect(c.tick()).toEqual([]);
    clock.advance(1);
    const [e, ...rest] = c.tick();
    expect(rest).toEqual([]);
    expect(c.openWindowCount).toBe(0);
    expect(e).toMatchObject({
      id: `i1:${T1}:${start}`,
      instance: 'i1',
      traceId: T1,
      windowStart: new Date(start).toISOString(),
      windowEnd: new Date(start + 60_000).toISOString(),
      continuation: false,
      services: ['arda', 'beorn', 'palantir'],
      spanCount: 2,
      logCount: 1,
      linkedLogCount: 0,
      errorCount: 1,
      highestSeverity: 'ERROR',
      keys: { circuit_id: ['C1'], product_id: ['P1'] },
      rootSpan: { spanId: '1111111111111111', name: 'op-1111111111111111', service: 'beorn', durationMs: 100 },
      relatedTraces: [],
    });
    expect(e?.detail.spans).toHaveLength(2);
    expect(e?.detail.logs).toHaveLength(1);
  });

  it('takes the parentless span as root even when it arrives last, else the earliest', () => {
    const { c, clock } = setup();
    c.addSpans([
      span(T1, '2222222222222222', { parentSpanId: '1111111111111111', startUnixMs: 900 }),
      span(T1, '1111111111111111', { startUnixMs: 1000 }),
    ]);
    c.addSpans([span(T2, '3333333333333333', { parentSpanId: 'f'.repeat(16), startUnixMs: 50, endUnixMs: 80 })]);
    c.addSpans([span(T2, '4444444444444444', { parentSpanId: 'f'.repeat(16), startUnixMs: 10, endUnixMs: 90 })]);
    clock.advance(60_000);
    const events = c.tick();
    expect(events.find((e) => e.traceId === T1)?.rootSpan?.spanId).toBe('1111111111111111');
    expect(events.find((e) => e.traceId === T2)?.rootSpan).toMatchObject({ spanId: '4444444444444444', durationMs: 80 });
  });

  it('a log-only window has no root span; severity is the highest log severity', () => {
    const { c, clock } = setup();
    c.addLogs([log({ traceId: T1, severity: 'DEBUG' }), log({ traceId: T1, severity: 'FATAL' })]);
    clock.advance(60_000);
    expect(c.tick()[0]).toMatchObject({ rootSpan: null, highestSeverity: 'FATAL', errorCount: 1, logCount: 2 });
  });

  it('a record for a closed trace opens a continuation window', () => {
    const { c, clock } = setup();
    c.addSpans([span(T1, '1111111111111111')]);
    clock.advance(60_000);
    // Arrives after the window is due but before any tick: must not join the old window.
    c.addSpans([span(T1, '2222222222222222')]);
    const first = c.tick();
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ spanCount: 1, continuation: false });
    clock.advance(60_000);
    const second = c.tick();
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ spanCount: 1, continuation: true, traceId: T1 });
    expect(second[0]?.id).not.toBe(first[0]?.id);
  });

  it('closes windows in opening order with an O(1) expiry queue', () => {
    const { c, clock } = setup({ windowMs: 1000 });
    for (let i = 0; i < 5; i += 1) {
      c.addSpans([span(i.toString(16).padStart(32, '0'), '1111111111111111')]);
      clock.advance(100);
    }
    clock.advance(650); // now = start + 1150: windows opened at 0 and 100 are due
    expect(c.tick().map((e) => e.traceId.at(-1))).toEqual(['0', '1']);
    clock.advance(1000);
    expect(c.tick().map((e) => e.traceId.at(-1))).toEqual(['2', '3', '4']);
  });

  it('ignores a clock that steps backwards', () => {
    const { c, clock } = setup({ windowMs: 1000 });
    c.addSpans([span(T1, '1111111111111111')]);
    clock.advance(-5000);
    c.addSpans([span(T2, '1111111111111111')]);
    clock.advance(6000);
    expect(c.tick()).toHaveLength(2);
  });

  it('flush closes every open window (shutdown)', () => {
    const { c, clock } = setup();
    c.addSpans([span(T1, '1111111111111111'), span(T2, '1111111111111111')]);
    c.addLogs([log({ keys: { circuit_id: 'WAIT' } })]);
    clock.advance(5000);
    const events = c.flush();
    expect(events.map((e) => e.traceId).sort()).toEqual([T1, T2]);
    expect(events[0]?.windowEnd).toBe(new Date(clock.ms).toISOString());
    expect(c.openWindowCount).toBe(0);
    expect(c.graceLogCount).toBe(0);
    expect(c.tick()).toEqual([]);
  });
});

describe('Correlator open-window walks', () => {
  it('a walk by trace id resumed at its window (a page paused just before it) visits it again; any other position is past it', () => {
    const { c } = setup();
    c.addSpans([span(T1, '1111111111111111'), span(T2, '2222222222222222')]);
    const seen = (from?: { traceId: string } | { seq: number }): string[] => {
      const ids: string[] = [];
      c.walkOpen({ traceId: T1 }, from, (w) => {
        ids.push(w.traceId);
        return true;
      });
      return ids;
    };
    expect(seen()).toEqual([T1]);
    expect(seen({ traceId: T1 })).toEqual([T1]);
    expect(seen({ traceId: T2 })).toEqual([]);
    expect(seen({ seq: 0 })).toEqual([]);
  });
});

describe('Correlator business-key linking', () => {
  it('links a trace-less log to every open window that saw its circuit_id', () => {
    const { c, clock } = setup();
    c.addSpans([span(T1, '1111111111111111', { keys: { circuit_id: 'CKT-9' } })]);
    c.addLogs([log({ traceId: T2, keys: { circuit_id: 'CKT-9' } })]);
    c.addSpans([span(T3, '1111111111111111', { keys: { circuit_id: 'OTHER' } })]);
    c.addLogs([log({ message: 'provisioning circuit_id=CKT-9', severity: 'ERROR', keys: { circuit_id: 'CKT-9' } })]);
    clock.advance(60_000);
    const byTrace = Object.fromEntries(c.tick().map((e) => [e.traceId, e]));
    for (const t of [T1, T2]) {
      expect(byTrace[t]).toMatchObject({ linkedLogCount: 1, errorCount: 1, highestSeverity: 'ERROR' });
      expect(byTrace[t]?.services).toContain('blueplanet');
      expect(byTrace[t]?.detail.logs.find((l) => l.linkedBy)).toMatchObject({
        message: 'provisioning circuit_id=CKT-9',
        linkedBy: { key: 'circuit_id', value: 'CKT-9' },
      });
    }
    expect(byTrace[T3]?.linkedLogCount).toBe(0);
  });

  it('links by resource_id too, once per window even when both keys match', () => {
    const { c, clock } = setup();
    c.addSpans([span(T1, '1111111111111111', { keys: { circuit_id: 'C', resource_id: 'R' } })]);
    c.addLogs([log({ keys: { circuit_id: 'C', resource_id: 'R' } })]);
    c.addLogs([log({ keys: { resource_id: 'R' } })]);
    clock.advance(60_000);
    expect(c.tick()[0]).toMatchObject({ linkedLogCount: 2, logCount: 2 });
  });

  it('does not link by non-linking keys (product_id is a category, not an identity)', () => {
    const { c, clock } = setup();
    c.addSpans([span(T1, '1111111111111111', { keys: { product_id: 'P' } })]);
    c.addLogs([log({ keys: { product_id: 'P' } })]);
    clock.advance(60_000);
    expect(c.tick()[0]?.linkedLogCount).toBe(0);
  });

  it('removes closed windows from the key index', () => {
    const { c, clock } = setup({ windowMs: 1000, graceMs: 10 });
    c.addSpans([span(T1, '1111111111111111', { keys: { circuit_id: 'C' } })]);
    clock.advance(1000);
    c.tick();
    c.addSpans([span(T2, '1111111111111111', { keys: { circuit_id: 'C' } })]);
    c.addLogs([log({ keys: { circuit_id: 'C' } })]);
    clock.advance(1000);
    const [e] = c.tick();
    expect(e).toMatchObject({ traceId: T2, linkedLogCount: 1, relatedTraces: [] });
  });

  it('keeps an unmatched trace-less log for the grace period so a trace arriving soon picks it up', () => {
    const { c, clock } = setup({ windowMs: 10_000 });
    c.addLogs([log({ message: 'early', keys: { circuit_id: 'LATE' } })]);
    expect(c.graceLogCount).toBe(1);
    clock.advance(9_000);
    c.addSpans([span(T1, '1111111111111111', { keys: { circuit_id: 'LATE' } })]);
    c.addSpans([span(T2, '1111111111111111', { keys: { circuit_id: 'LATE' } })]);
    clock.advance(1_500); // the grace entry expires; the windows stay open
    c.tick();
    expect(c.graceLogCount).toBe(0);
    c.addSpans([span(T3, '1111111111111111', { keys: { circuit_id: 'LATE' } })]);
    clock.advance(10_000);
    const byTrace = Object.fromEntries(c.tick().map((e) => [e.traceId, e]));
    expect(byTrace[T1]?.linkedLogCount).toBe(1);
    expect(byTrace[T2]?.linkedLogCount).toBe(1);
    expect(byTrace[T3]?.linkedLogCount).toBe(0);
  });

  it('a trace-less log that joined an open window still waits for traces that open shortly after', () => {
    const { c, clock } = setup({ windowMs: 10_000 });
    c.addSpans([span(T1, '1111111111111111', { keys: { circuit_id: 'C' } })]);
    c.addLogs([log({ message: 'bp line', keys: { circuit_id: 'C', resource_id: 'R' } })]);
    expect(c.graceLogCount).toBe(1);
    clock.advance(2_000);
    // The later trace sees the log; the first window gaining resource_id R does not take it twice.
    c.addSpans([span(T2, '1111111111111111', { keys: { circuit_id: 'C' } })]);
    c.addSpans([span(T1, '2222222222222222', { keys: { resource_id: 'R' } })]);
    clock.advance(10_000);
    const byTrace = Object.fromEntries(c.tick().map((e) => [e.traceId, e]));
    expect(byTrace[T1]).toMatchObject({ linkedLogCount: 1, logCount: 1 });
    expect(byTrace[T2]).toMatchObject({ linkedLogCount: 1, logCount: 1 });
    expect(byTrace[T2]?.detail.logs[0]).toMatchObject({ message: 'bp line', linkedBy: { key: 'circuit_id', value: 'C' } });
  });

  it('lists each span with its own business keys in the detail', () => {
    const { c, clock } = setup();
    const keys = { circuit_id: 'C', product_id: 'P', resource_id: 'R', resource_type_id: 'RT', request_id: 'Q' };
    c.addSpans([span(T1, '1111111111111111', { keys }), span(T1, '2222222222222222')]);
    clock.advance(60_000);
    const [e] = c.tick();
    expect(e?.detail.spans.find((s) => s.spanId === '1111111111111111')?.keys).toEqual(keys);
    expect(e?.detail.spans.find((s) => s.spanId === '2222222222222222')).not.toHaveProperty('keys');
  });

  it('bounds the grace buffer and counts what it drops', () => {
    const { c, drops } = setup({ maxWaitingLogs: 3 });
    for (let i = 0; i < 5; i += 1) c.addLogs([log({ keys: { circuit_id: `K${i}` } })]);
    expect(c.graceLogCount).toBe(3);
    expect(drops.grace_buffer_full).toBe(2);
  });

  it('lets traces sharing a circuit_id reference each other', () => {
    const { c, clock } = setup();
    c.addSpans([span(T1, '1111111111111111', { keys: { circuit_id: 'SHARED' } })]);
    c.addLogs([log({ traceId: T2, keys: { circuit_id: 'SHARED' } })]);
    c.addSpans([span(T3, '1111111111111111', { keys: { resource_id: 'SHARED' } })]);
    clock.advance(60_000);
    const byTrace = Object.fromEntries(c.tick().map((e) => [e.traceId, e]));
    expect(byTrace[T1]?.relatedTraces).toEqual([{ traceId: T2, key: 'circuit_id', value: 'SHARED' }]);
    expect(byTrace[T2]?.relatedTraces).toEqual([{ traceId: T1, key: 'circuit_id', value: 'SHARED' }]);
    expect(byTrace[T3]?.relatedTraces).toEqual([]);
  });
});

describe('Correlator one-span windows (compact form)', () => {
  it('a one-span window lists its span and keys; a second span turns them into lists without touching the first span', () => {
    const { c, clock } = setup();
    const firstKeys = { circuit_id: 'C1', request_id: 'R1' };
    c.addSpans([span(T1, '1111111111111111', { keys: firstKeys })]);
    c.addSpans([span(T2, '3333333333333333', { keys: { circuit_id: 'C9' } })]);
    clock.advance(1000);
    c.addSpans([
      span(T1, '2222222222222222', { parentSpanId: '1111111111111111', startUnixMs: 900, keys: { circuit_id: 'C2', product_id: 'P1' } }),
    ]);
    c.addLogs([log({ traceId: T1, keys: { circuit_id: 'C1', request_id: 'R2' } })]);
    clock.advance(60_000);
    const [e1, e2] = c.tick();
    // The first span's keys object is shared with the window until the second span: never written.
    expect(firstKeys).toEqual({ circuit_id: 'C1', request_id: 'R1' });
    expect(e1?.keys).toEqual({ circuit_id: ['C1', 'C2'], product_id: ['P1'], request_id: ['R1', 'R2'] });
    expect(e1?.detail.spans.map((s) => s.spanId)).toEqual(['2222222222222222', '1111111111111111']);
    expect(e1?.detail.spans[1]?.keys).toEqual({ circuit_id: 'C1', request_id: 'R1' });
    expect(e1?.rootSpan?.spanId).toBe('1111111111111111');
    expect(e2?.keys).toEqual({ circuit_id: ['C9'] });
    expect(e2?.detail.spans).toEqual([
      {
        spanId: '3333333333333333',
        name: 'op-3333333333333333',
        service: 'beorn',
        startUnixMs: 1000,
        durationMs: 100,
        status: 'UNSET',
        keys: { circuit_id: 'C9' },
      },
    ]);
  });

  it('packed spans keep their own parent and keys, whether they repeat the window keys or come after a new value split them', () => {
    const { c, clock } = setup();
    const keys = () => ({ circuit_id: 'C1', request_id: 'R1' });
    c.addSpans([
      span(T1, 'aaaaaaaaaaaaaaa1', { startUnixMs: 1000, keys: keys() }),
      span(T1, 'aaaaaaaaaaaaaaa2', { parentSpanId: 'aaaaaaaaaaaaaaa1', startUnixMs: 1001, keys: keys() }),
      span(T1, 'aaaaaaaaaaaaaaa3', { parentSpanId: 'aaaaaaaaaaaaaaa1', startUnixMs: 1002 }),
      span(T1, 'aaaaaaaaaaaaaaa4', { parentSpanId: 'aaaaaaaaaaaaaaa2', startUnixMs: 1003, keys: { circuit_id: 'C1' } }),
    ]);
    // A new circuit id: the window's keys become per-key slots; the spans listed before keep theirs.
    c.addLogs([log({ traceId: T1, keys: { circuit_id: 'C2' } })]);
    c.addSpans([span(T1, 'aaaaaaaaaaaaaaa5', { parentSpanId: 'aaaaaaaaaaaaaaa1', startUnixMs: 1004, keys: keys() })]);
    clock.advance(61_000);
    const [e] = c.tick();
    expect(e?.keys).toEqual({ circuit_id: ['C1', 'C2'], request_id: ['R1'] });
    expect(e?.rootSpan?.spanId).toBe('aaaaaaaaaaaaaaa1');
    expect(e?.detail.spans.map((s) => [s.spanId, s.parentSpanId, s.keys, s.startUnixMs])).toEqual([
      ['aaaaaaaaaaaaaaa1', undefined, keys(), 1000],
      ['aaaaaaaaaaaaaaa2', 'aaaaaaaaaaaaaaa1', keys(), 1001],
      ['aaaaaaaaaaaaaaa3', 'aaaaaaaaaaaaaaa1', undefined, 1002],
      ['aaaaaaaaaaaaaaa4', 'aaaaaaaaaaaaaaa2', { circuit_id: 'C1' }, 1003],
      ['aaaaaaaaaaaaaaa5', 'aaaaaaaaaaaaaaa1', keys(), 1004],
    ]);
    expect(e?.detail.spans.every((s) => !('parentSpanId' in s) || s.parentSpanId !== undefined)).toBe(true);
  });

  it('lists spans and logs in time order whatever order they came in, equal times in arrival order', () => {
    const { c, clock } = setup();
    const at = (timeUnixMs: number, message: string) => log({ traceId: T1, timeUnixMs, message });
    c.addSpans([span(T1, 'aaaaaaaaaaaaaaa1', { startUnixMs: 1003 }), span(T1, 'aaaaaaaaaaaaaaa2', { startUnixMs: 1001 })]);
    c.addSpans([span(T1, 'aaaaaaaaaaaaaaa3', { startUnixMs: 1001 }), span(T1, 'aaaaaaaaaaaaaaa4', { startUnixMs: 1000 })]);
    c.addLogs([at(1002, 'b'), at(1000, 'a'), at(1002, 'c'), at(1005, 'e'), at(1004, 'd')]);
    c.addSpans([span(T2, 'bbbbbbbbbbbbbbb1', { startUnixMs: 1000 }), span(T2, 'bbbbbbbbbbbbbbb2', { startUnixMs: 1000 })]);
    c.addLogs([log({ traceId: T2, timeUnixMs: 1000, message: 'x' }), log({ traceId: T2, timeUnixMs: 1001, message: 'y' })]);
    clock.advance(61_000);
    const byTrace = Object.fromEntries(c.tick().map((e) => [e.traceId, e]));
    expect(byTrace[T1]?.detail.spans.map((s) => s.spanId.slice(-1))).toEqual(['4', '2', '3', '1']);
    expect(byTrace[T1]?.detail.logs.map((l) => l.message)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(byTrace[T2]?.detail.spans.map((s) => s.spanId.slice(-1))).toEqual(['1', '2']);
    expect(byTrace[T2]?.detail.logs.map((l) => l.message)).toEqual(['x', 'y']);
  });

  it('packed logs keep their own service and span id, whether they repeat the first record or not', () => {
    const { c, clock } = setup();
    const own = (timeUnixMs: number, service: string, spanId: string | undefined, message: string) =>
      log({ traceId: T1, timeUnixMs, service, message, ...(spanId ? { spanId } : {}) });
    c.addLogs([own(1000, 'arda', 'bbbbbbbbbbbbbbb1', 'first')]);
    c.addSpans([span(T1, 'aaaaaaaaaaaaaaa1', { startUnixMs: 1001 })]);
    c.addLogs([
      own(1002, 'arda', 'bbbbbbbbbbbbbbb1', 'same service and span as the first'),
      own(1003, 'beorn', undefined, 'no span'),
      own(1004, 'arda', 'aaaaaaaaaaaaaaa1', 'same service, other span'),
      own(1005, 'palantir', 'bbbbbbbbbbbbbbb1', 'other service, same span'),
    ]);
    clock.advance(61_000);
    const [e] = c.tick();
    expect(e?.detail.logs.map((l) => [l.timeUnixMs, l.service, l.spanId, l.message])).toEqual([
      [1000, 'arda', 'bbbbbbbbbbbbbbb1', 'first'],
      [1002, 'arda', 'bbbbbbbbbbbbbbb1', 'same service and span as the first'],
      [1003, 'beorn', undefined, 'no span'],
      [1004, 'arda', 'aaaaaaaaaaaaaaa1', 'same service, other span'],
      [1005, 'palantir', 'bbbbbbbbbbbbbbb1', 'other service, same span'],
    ]);
    expect(e?.detail.logs.some((l) => 'spanId' in l && l.spanId === undefined)).toBe(false);
    expect(e?.detail.spans.map((s) => s.spanId)).toEqual(['aaaaaaaaaaaaaaa1']);
  });

  it('span ids come back as they came, whether kept as numbers (16 lowercase hex digits) or as strings', () => {
    const { c, clock } = setup();
    c.addLogs([log({ traceId: T1, timeUnixMs: 999, spanId: 'ffffffffffffffff', message: 'first, on the root' })]);
    c.addSpans([
      span(T1, 'ffffffffffffffff', { startUnixMs: 1000 }),
      span(T1, '0000000000000001', { parentSpanId: 'ffffffffffffffff', startUnixMs: 1001 }),
      span(T1, 'ABCDEF0123456789', { parentSpanId: '0000000000000001', startUnixMs: 1002 }),
      span(T1, 'not-a-hex-id', { parentSpanId: 'ABCDEF0123456789', startUnixMs: 1003 }),
      span(T1, '0123456789abcdeg', { parentSpanId: 'missing-parent', startUnixMs: 1004 }),
    ]);
    c.addLogs([
      log({ traceId: T1, timeUnixMs: 1005, spanId: 'ffffffffffffffff', message: 'on the root' }),
      log({ traceId: T1, timeUnixMs: 1006, spanId: '0000000000000001', message: 'on a child' }),
      log({ traceId: T1, timeUnixMs: 1007, spanId: 'not-a-hex-id', message: 'on a string id' }),
    ]);
    clock.advance(61_000);
    const [e] = c.tick();
    expect(e?.rootSpan?.spanId).toBe('ffffffffffffffff');
    expect(e?.detail.spans.map((s) => [s.spanId, s.parentSpanId])).toEqual([
      ['ffffffffffffffff', undefined],
      ['0000000000000001', 'ffffffffffffffff'],
      ['ABCDEF0123456789', '0000000000000001'],
      ['not-a-hex-id', 'ABCDEF0123456789'],
      ['0123456789abcdeg', 'missing-parent'],
    ]);
    expect(e?.detail.logs.map((l) => [l.spanId, l.message])).toEqual([
      ['ffffffffffffffff', 'first, on the root'],
      ['ffffffffffffffff', 'on the root'],
      ['0000000000000001', 'on a child'],
      ['not-a-hex-id', 'on a string id'],
    ]);
  });

  it('a one-span window still links by its keys and unindexes them when it closes', () => {
    const { c, clock } = setup();
    c.addSpans([span(T1, '1111111111111111', { keys: { circuit_id: 'C1', resource_id: 'R1' } })]);
    c.addLogs([log({ keys: { resource_id: 'R1' }, message: 'by resource' })]);
    clock.advance(61_000);
    const [e] = c.tick();
    expect(e?.linkedLogCount).toBe(1);
    expect(e?.detail.logs[0]).toMatchObject({ message: 'by resource', linkedBy: { key: 'resource_id', value: 'R1' } });
    // Closed: a new trace with the same circuit_id must not relate to it (it left the key index).
    c.addSpans([span(T3, '3333333333333333', { keys: { circuit_id: 'C1' } })]);
    clock.advance(61_000);
    expect(c.tick()[0]?.relatedTraces).toEqual([]);
  });

  it('with a key-value cap of 0 a window keeps no keys and counts each one dropped', () => {
    const { c, clock, drops } = setup({ maxKeyValuesPerWindow: 0 });
    c.addSpans([span(T1, '1111111111111111', { keys: { circuit_id: 'C1', request_id: 'R1' } })]);
    clock.advance(61_000);
    expect(c.tick()[0]?.keys).toEqual({});
    expect(drops.key_values_cap).toBe(2);
  });
});

describe('Correlator bounds', () => {
  it('caps detail but keeps counts exact, and counts what was left out', () => {
    const { c, clock, drops } = setup({ maxSpansPerWindow: 2, maxLogsPerWindow: 1 });
    c.addSpans([1, 2, 3, 4].map((i) => span(T1, `${i}`.repeat(16))));
    c.addLogs([log({ traceId: T1 }), log({ traceId: T1 }), log({ traceId: T1 })]);
    clock.advance(60_000);
    const [e] = c.tick();
    expect(e).toMatchObject({ spanCount: 4, logCount: 3 });
    expect(e?.detail).toMatchObject({ spansCapped: true, logsCapped: true });
    expect(e?.detail.spans).toHaveLength(2);
    expect(e?.detail.logs).toHaveLength(1);
    expect(drops).toMatchObject({ span_detail_cap: 2, log_detail_cap: 2 });
  });

  it('evicts the oldest window early when the open-window cap is reached', () => {
    const { c, clock, evictions } = setup({ maxOpenWindows: 2 });
    c.addSpans([span(T1, '1111111111111111')]);
    clock.advance(1000);
    c.addSpans([span(T2, '1111111111111111')]);
    clock.advance(1000);
    c.addSpans([span(T3, '1111111111111111')]);
    expect(c.openWindowCount).toBe(2);
    expect(evictions()).toBe(1);
    const early = c.tick();
    expect(early).toHaveLength(1);
    expect(early[0]).toMatchObject({ traceId: T1, spanCount: 1, windowEnd: new Date(clock.ms).toISOString() });
    clock.advance(60_000);
    expect(c.tick().map((e) => e.traceId)).toEqual([T2, T3]);
  });

  it('caps distinct key values per window and related traces, counting both', () => {
    const { c, clock, drops } = setup({ maxKeyValuesPerWindow: 2, maxRelatedPerWindow: 1 });
    c.addSpans(['A', 'B', 'C'].map((v, i) => span(T1, `${i + 1}`.repeat(16), { keys: { circuit_id: v } })));
    c.addSpans([span(T2, '1111111111111111', { keys: { circuit_id: 'A' } })]);
    c.addSpans([span(T3, '1111111111111111', { keys: { circuit_id: 'B' } })]);
    clock.advance(60_000);
    const byTrace = Object.fromEntries(c.tick().map((e) => [e.traceId, e]));
    expect(byTrace[T1]?.keys.circuit_id).toEqual(['A', 'B']);
    expect(byTrace[T1]?.relatedTraces).toHaveLength(1);
    expect(drops).toMatchObject({ key_values_cap: 1, related_traces_cap: 1 });
  });

  it('caps how many windows one trace-less log may join', () => {
    const { c, clock, drops } = setup({ maxLinkFanout: 2 });
    for (const t of [T1, T2, T3]) c.addSpans([span(t, '1111111111111111', { keys: { circuit_id: 'HOT' } })]);
    c.addLogs([log({ keys: { circuit_id: 'HOT' } })]);
    clock.advance(60_000);
    expect(c.tick().reduce((n, e) => n + e.linkedLogCount, 0)).toBe(2);
    expect(drops.link_fanout_cap).toBe(1);
  });
});
