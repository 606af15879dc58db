// The correlation view's pure logic (filters <-> URL, merging, waterfall layout, Grafana links),
// run in Node against fake events. The modules are the browser's own plain ES modules.
import { describe, expect, it } from 'vitest';
import type { CorrelationEvent, SpanSummary } from '../../src/model/types.js';

// The UI is plain JavaScript served as-is (no bundler); imported by URL so the engine's
// TypeScript project, which does not check JS, does not need declarations for it.
const vm = await import(new URL('../../src/ui/view-model.js', import.meta.url).href);
const links = await import(new URL('../../src/ui/grafana-links.js', import.meta.url).href);

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function event(overrides: Partial<CorrelationEvent> = {}): CorrelationEvent {
  return {
    id: `e1:${TRACE}:1`,
    instance: 'e1',
    traceId: TRACE,
    windowStart: '2026-11-25T10:00:00.000Z',
    windowEnd: '2026-11-25T10:01:00.000Z',
    continuation: false,
    services: ['beorn', 'palantir'],
    spanCount: 2,
    logCount: 1,
    linkedLogCount: 0,
    errorCount: 0,
    highestSeverity: 'INFO',
    keys: { circuit_id: ['CKT-1'] },
    rootSpan: null,
    relatedTraces: [],
    detail: { spans: [], logs: [], spansCapped: false, logsCapped: false },
    ...overrides,
  };
}

function span(spanId: string, startUnixMs: number, durationMs: number, parentSpanId?: string): SpanSummary {
  return { spanId, name: `op-${spanId}`, service: 'svc', startUnixMs, durationMs, status: 'OK', ...(parentSpanId ? { parentSpanId } : {}) };
}

describe('filters and the URL', () => {
  it('reads filters from a query string and writes them back in a stable order', () => {
    const filters = vm.readFilters('?service=arda&circuit_id=%20CKT-9%20&errors=1&trace_id=ABC&event=x');
    expect(filters).toEqual({ circuit_id: 'CKT-9', service: 'arda', trace_id: 'abc', errors: true, event: 'x' });
    expect(vm.filtersToSearch(filters)).toBe('?circuit_id=CKT-9&service=arda&trace_id=abc&errors=1&event=x');
    expect(vm.filtersToSearch(vm.emptyFilters())).toBe('');
  });

  it('sends only whole trace ids to the engine, and since when given', () => {
    const partial = vm.readFilters('?trace_id=4bf92f&circuit_id=CKT-1');
    expect(vm.apiQuery(partial, 50)).toBe('?limit=50&circuit_id=CKT-1');
    const whole = vm.readFilters(`?trace_id=${TRACE}&service=beorn`);
    expect(vm.apiQuery(whole, 10, '2026-11-25T10:00:00.000Z')).toBe(
      `?limit=10&service=beorn&trace_id=${TRACE}&since=2026-11-25T10%3A00%3A00.000Z`,
    );
  });

  it('matches events against every filter', () => {
    const e = event({ errorCount: 0 });
    expect(vm.matchesFilters(e, vm.readFilters('?circuit_id=CKT-1'))).toBe(true);
    expect(vm.matchesFilters(e, vm.readFilters('?circuit_id=CKT-2'))).toBe(false);
    expect(vm.matchesFilters(e, vm.readFilters('?service=arda'))).toBe(false);
    expect(vm.matchesFilters(e, vm.readFilters('?trace_id=4BF92F'))).toBe(true);
    expect(vm.matchesFilters(e, vm.readFilters('?errors=1'))).toBe(false);
    expect(vm.matchesFilters(event({ errorCount: 2 }), vm.readFilters('?errors=1'))).toBe(true);
  });
});

describe('open windows', () => {
  it('asks the engine for open windows and the live stream with the same filters', () => {
    const filters = vm.readFilters('?circuit_id=CKT-1&errors=1&trace_id=4bf92f');
    expect(vm.openQuery(filters, 100)).toBe('?limit=100&circuit_id=CKT-1&state=open&errors=1');
    expect(vm.streamUrl(filters)).toBe('/api/correlations/stream?circuit_id=CKT-1&errors=1');
    expect(vm.streamUrl(vm.emptyFilters())).toBe('/api/correlations/stream');
  });

  it('counts down to the close in whole seconds, never below zero', () => {
    const closesAt = '2026-11-25T10:01:00.000Z';
    expect(vm.openLabel({ closesAt }, Date.parse(closesAt) - 12_300)).toBe('open — closes in 13 s');
    expect(vm.openLabel({ closesAt }, Date.parse(closesAt) + 5000)).toBe('open — closes in 0 s');
  });

  it('lists open windows newest first, leaving out those whose closed event is listed', () => {
    const older = event({ id: 'a', windowStart: '2026-11-25T10:00:00.000Z' });
    const newer = event({ id: 'b', windowStart: '2026-11-25T10:00:05.000Z' });
    const closedToo = event({ id: 'c', windowStart: '2026-11-25T10:00:09.000Z' });
    const open = new Map([older, newer, closedToo].map((e) => [e.id, e]));
    expect(vm.openRows(open, [closedToo]).map((e: CorrelationEvent) => e.id)).toEqual(['b', 'a']);
  });
});

describe('mergeEvents', () => {
  it('keeps one copy per id, newest window end first, and reports what is new', () => {
    const a = event({ id: 'a', windowEnd: '2026-11-25T10:01:00.000Z' });
    const b = event({ id: 'b', windowEnd: '2026-11-25T10:03:00.000Z' });
    const c = event({ id: 'c', windowEnd: '2026-11-25T10:02:00.000Z' });
    const first = vm.mergeEvents([], [a, b], 10);
    expect(first.events.map((e: CorrelationEvent) => e.id)).toEqual(['b', 'a']);
    const second = vm.mergeEvents(first.events, [b, c], 10);
    expect(second.added).toEqual(['c']);
    expect(second.events.map((e: CorrelationEvent) => e.id)).toEqual(['b', 'c', 'a']);
    expect(vm.mergeEvents(second.events, [], 2).events.map((e: CorrelationEvent) => e.id)).toEqual(['b', 'c']);
    expect(vm.newestWindowEnd(second.events)).toBe('2026-11-25T10:03:00.000Z');
  });
});

describe('layoutWaterfall', () => {
  it('nests children under parents, orders siblings by start, and places bars by time', () => {
    const spans = [span('c2', 60, 20, 'root'), span('root', 0, 100), span('c1', 10, 40, 'root'), span('g1', 20, 10, 'c1')];
    const { rows, totalMs } = vm.layoutWaterfall(spans);
    expect(totalMs).toBe(100);
    expect(rows.map((r: { span: SpanSummary; depth: number }) => [r.span.spanId, r.depth])).toEqual([
      ['root', 0],
      ['c1', 1],
      ['g1', 2],
      ['c2', 1],
    ]);
    const c2 = rows[3];
    expect(c2.offsetPct).toBeCloseTo(60);
    expect(c2.widthPct).toBeCloseTo(20);
  });

  it('shows spans with a missing parent as roots and survives a parent cycle', () => {
    const spans = [span('x', 0, 10, 'gone'), span('p', 5, 5, 'q'), span('q', 6, 2, 'p')];
    const { rows } = vm.layoutWaterfall(spans);
    expect(rows.map((r: { span: SpanSummary }) => r.span.spanId).sort()).toEqual(['p', 'q', 'x']);
    expect(vm.layoutWaterfall([]).rows).toEqual([]);
  });
});

describe('formatting', () => {
  it('formats durations by magnitude', () => {
    expect(vm.formatDuration(0.25)).toBe('250 µs');
    expect(vm.formatDuration(3.456)).toBe('3.46 ms');
    expect(vm.formatDuration(42.25)).toBe('42.3 ms');
    expect(vm.formatDuration(123.45)).toBe('123 ms');
    expect(vm.formatDuration(2500)).toBe('2.50 s');
    expect(vm.formatDuration(Number.NaN)).toBe('—');
  });
});

describe('Grafana Explore links', () => {
  it('opens the trace in Tempo with the provisioned uid and a range around the window', () => {
    const url = new URL(links.tempoTraceUrl('http://grafana:3000/', event()));
    expect(url.origin + url.pathname).toBe('http://grafana:3000/explore');
    expect(url.searchParams.get('schemaVersion')).toBe('1');
    expect(url.searchParams.get('orgId')).toBe('1');
    const panes = JSON.parse(url.searchParams.get('panes') ?? '{}');
    const pane = Object.values(panes)[0] as {
      datasource: string;
      queries: Array<Record<string, unknown>>;
      range: { from: string; to: string };
    };
    expect(pane.datasource).toBe('tempo');
    expect(pane.queries[0]).toMatchObject({ refId: 'A', datasource: { type: 'tempo', uid: 'tempo' }, queryType: 'traceql', query: TRACE });
    expect(Number(pane.range.from)).toBe(Date.parse('2026-11-25T10:00:00.000Z') - 300_000);
    expect(Number(pane.range.to)).toBe(Date.parse('2026-11-25T10:01:00.000Z') + 300_000);
  });

  it('opens the logs in Loki by trace_id, keeping a sub-path, fully URL-encoded', () => {
    const href = links.lokiLogsUrl('https://ops.example/grafana', event());
    expect(href.startsWith('https://ops.example/grafana/explore?schemaVersion=1&panes=%7B')).toBe(true);
    const rawPanes = href.slice(href.indexOf('panes=') + 'panes='.length, href.indexOf('&orgId='));
    expect(rawPanes).not.toMatch(/["{}| =&]/);
    const panes = JSON.parse(new URL(href).searchParams.get('panes') ?? '{}');
    const pane = Object.values(panes)[0] as { datasource: string; queries: Array<Record<string, unknown>> };
    expect(pane.datasource).toBe('loki');
    expect(pane.queries[0]).toMatchObject({ datasource: { type: 'loki', uid: 'loki' }, expr: `{service=~".+"} | trace_id="${TRACE}"` });
  });

  it('accepts only http(s) Grafana URLs', () => {
    expect(links.safeGrafanaBase('http://g:3000')).toBe('http://g:3000');
    expect(links.safeGrafanaBase('javascript:alert(1)')).toBeNull();
    expect(links.safeGrafanaBase('')).toBeNull();
    expect(links.safeGrafanaBase(undefined)).toBeNull();
  });
});
