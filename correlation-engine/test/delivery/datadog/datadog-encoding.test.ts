// What Datadog's logs intake is sent for any log, byte for byte: each entry is the JSON of the
// mapping docs/delivery.md describes (message, ddsource, ddtags with commas in a value made `_`,
// hostname, service, status in lower case, the time in whole milliseconds, trace and span ids with
// their decimal dd.* forms, the business keys, the attributes when there are any), in that order,
// whichever layout the logs were queued in; entries are joined in arrival order into requests
// within the intake's entry and byte limits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDatadogRequests } from '../../../src/delivery/datadog/datadog-encoding.js';
import { decodeRow, eventRow, logRow, logTupleRow, type QueuedRecord } from '../../../src/delivery/queue/queue-rows.js';
import { BUSINESS_KEYS, type CorrelationEvent, type LogSummary, type NormalizedLog } from '../../../src/model/types.js';
import { anyLog } from '../../helpers/log-arbitrary.js';
import { detailWith, linkedSummary, makeEvent } from '../../sinks/records.js';

const OPTIONS = { maxEntriesPerRequest: 1000, maxRequestBytes: 5_000_000, maxEntryBytes: 1_000_000, defaultEnv: 'dflt', hostname: 'h' };

/** The entry the intake is to receive for a log, written from the mapping, not from the encoder. */
function expectedEntry(log: NormalizedLog): Record<string, unknown> {
  const tags = [
    ['env', log.env ?? OPTIONS.defaultEnv],
    ['source', log.source],
    ['format', log.format],
  ]
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}:${(v as string).split(',').join('_')}`);
  const entry: Record<string, unknown> = {
    message: log.message,
    ddsource: 'correlation-engine',
    ddtags: tags.join(','),
    hostname: log.host ?? OPTIONS.hostname,
    service: log.service,
    status: log.severity.toLowerCase(),
    timestamp: Math.floor(log.timeUnixMs),
  };
  if (log.traceId) Object.assign(entry, { trace_id: log.traceId, 'dd.trace_id': BigInt(`0x${log.traceId.slice(16)}`).toString() });
  if (log.spanId) Object.assign(entry, { span_id: log.spanId, 'dd.span_id': BigInt(`0x${log.spanId}`).toString() });
  for (const key of BUSINESS_KEYS) if (log.keys[key]) entry[key] = log.keys[key];
  if (Object.keys(log.attributes).length > 0) entry.attributes = log.attributes;
  return entry;
}

const read = (row: ReturnType<typeof logRow>): QueuedRecord[] =>
  decodeRow({ seq: 1, kind: 'log', body: row.body, records: row.records ?? 0, enqueuedAtMs: 0, encoding: row.encoding ?? 0 });

describe('Datadog entries of logs (property)', () => {
  it('are the mapping of each log, byte for byte, from either row layout', () => {
    fc.assert(
      fc.property(fc.array(anyLog, { minLength: 1, maxLength: 8 }), (logs) => {
        const expected = [`[${logs.map((log) => JSON.stringify(expectedEntry(log))).join(',')}]`];
        expect(buildDatadogRequests(read(logRow(logs)), OPTIONS).map((r) => r.body.toString())).toEqual(expected);
        expect(buildDatadogRequests(read(logTupleRow(logs)), OPTIONS).map((r) => r.body.toString())).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('are cut to the entry bound and split into requests at the entry count and at the request bytes, in order, none over any', () => {
    fc.assert(
      fc.property(
        fc.array(anyLog, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 2_000, max: 20_000 }),
        (logs, maxEntriesPerRequest, maxRequestBytes) => {
          const options = { ...OPTIONS, maxEntriesPerRequest, maxRequestBytes, maxEntryBytes: 1_000 };
          for (const row of [logRow(logs), logTupleRow(logs)]) {
            const requests = buildDatadogRequests(read(row), options);
            const entries = requests.flatMap((r) => JSON.parse(r.body.toString()) as Record<string, unknown>[]);
            expect(entries.map((e) => e.timestamp)).toEqual(logs.map((l) => Math.floor(l.timeUnixMs)));
            for (const r of requests) {
              expect(r.records.length).toBeLessThanOrEqual(maxEntriesPerRequest);
              expect(r.body.byteLength).toBeLessThanOrEqual(maxRequestBytes);
            }
            for (const e of entries) expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThanOrEqual(1_000);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** The entry the intake is to receive for a correlation event, written from the mapping. */
function expectedEventEntry(event: CorrelationEvent): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    message: `correlation window ${event.traceId}: ${event.spanCount} spans, ${event.logCount} logs, ${event.errorCount} errors across ${event.services.join(', ') || 'no service'}`,
    ddsource: 'correlation-engine',
    ddtags: `env:${OPTIONS.defaultEnv},kind:correlation`,
    hostname: OPTIONS.hostname,
    service: 'correlation-engine',
    status: (event.highestSeverity ?? 'INFO').toLowerCase(),
    timestamp: Date.parse(event.windowEnd),
    trace_id: event.traceId,
    'dd.trace_id': BigInt(`0x${event.traceId.slice(16)}`).toString(),
    correlation: event,
  };
  for (const key of BUSINESS_KEYS) {
    const values = event.keys[key];
    if (values && values.length > 0) entry[key] = values.length === 1 ? values[0] : values;
  }
  return entry;
}

describe('Datadog entries of correlation events', () => {
  // A trace-less log joined to two windows (one summary shared in the row), text that JSON escapes,
  // and a service named like the entry's own `correlation` member.
  const shared = linkedSummary('port "1/1" \\ flap \u2028 é "correlation":0');
  const detail = (logs: LogSummary[]): CorrelationEvent['detail'] => detailWith(logs);
  const events = [
    makeEvent(1, { detail: detail([shared]) }),
    makeEvent(2, {
      services: ['"correlation":0', 'be,orn'],
      highestSeverity: null,
      keys: { circuit_id: ['C "1"'] },
      detail: detail([shared]),
    }),
    makeEvent(3, { services: [], keys: {} }),
  ];

  it('are the mapping of each event, byte for byte, whether the event is read from its queued text or given as it is', () => {
    const expected = [`[${events.map((e) => JSON.stringify(expectedEventEntry(e))).join(',')}]`];
    for (const mode of ['quote', 'refer'] as const) {
      const row = eventRow(events, mode);
      const queued = decodeRow({ seq: 3, kind: 'event', body: row.body, records: 3, enqueuedAtMs: 0, encoding: row.encoding ?? 0 });
      const asRead = queued.map((r) => (r.kind === 'event' ? r.event : undefined)) as CorrelationEvent[];
      const want = mode === 'quote' ? expected : [`[${asRead.map((e) => JSON.stringify(expectedEventEntry(e))).join(',')}]`];
      expect(buildDatadogRequests(queued, OPTIONS).map((r) => r.body.toString())).toEqual(want);
    }
    const plain: QueuedRecord[] = events.map((event) => ({ kind: 'event', event }));
    expect(buildDatadogRequests(plain, OPTIONS).map((r) => r.body.toString())).toEqual(expected);
  });

  /** The row with each event's head (the JSON array before the tab) rewritten. */
  const withHeads = (row: ReturnType<typeof eventRow>, rewrite: (head: unknown[]) => unknown[]): QueuedRecord[] => {
    const body = (row.body as string)
      .split('\n')
      .map((line) => {
        const tab = line.indexOf('\t');
        return tab < 0 ? line : `${JSON.stringify(rewrite(JSON.parse(line.slice(0, tab)) as unknown[]))}${line.slice(tab)}`;
      })
      .join('\n');
    return decodeRow({ seq: 3, kind: 'event', body, records: 3, enqueuedAtMs: 0, encoding: row.encoding ?? 0 });
  };

  it("take their counts and services from the queued head, and from the parsed event in rows whose heads lack them (older builds')", () => {
    const expected = [`[${events.map((e) => JSON.stringify(expectedEventEntry(e))).join(',')}]`];
    const row = eventRow(events);
    // As rows were written before heads carried counts: trace id, window end, severity and keys only.
    expect(
      buildDatadogRequests(
        withHeads(row, (h) => h.slice(0, 4)),
        OPTIONS,
      ).map((r) => r.body.toString()),
    ).toEqual(expected);
    // The head is what the entry is made from: counts written there (not in the event's text) show.
    const recounted = withHeads(row, ([trace, end, severity, keys, , logs, errors]) => [
      trace,
      end,
      severity,
      keys,
      99,
      logs,
      errors,
      ['head'],
    ]);
    const entries = JSON.parse(buildDatadogRequests(recounted, OPTIONS)[0]?.body.toString() ?? '[]') as {
      message: string;
      correlation: CorrelationEvent;
    }[];
    expect(entries.map((e) => e.message)).toEqual(
      events.map((e) =>
        expect.stringMatching(
          new RegExp(`^correlation window ${e.traceId}: 99 spans, ${e.logCount} logs, ${e.errorCount} errors across head$`),
        ),
      ),
    );
    expect(entries.map((e) => e.correlation.spanCount)).toEqual(events.map((e) => e.spanCount));
  });

  it('are cut to the entry bound from their queued text too: the detail dropped, marked truncated', () => {
    const big = makeEvent(4, { detail: detail(Array.from({ length: 40 }, () => shared)) });
    const row = eventRow([big]);
    const queued = decodeRow({ seq: 1, kind: 'event', body: row.body, records: 1, enqueuedAtMs: 0, encoding: row.encoding ?? 0 });
    const options = { ...OPTIONS, maxEntryBytes: 2_000 };
    const [request] = buildDatadogRequests(queued, options);
    const [entry] = JSON.parse(request?.body.toString() ?? '[]') as Record<string, unknown>[];
    expect(request?.body.byteLength).toBeLessThanOrEqual(2_002);
    expect(entry?.truncated).toBe(true);
    expect(entry?.correlation).toEqual({ ...JSON.parse(JSON.stringify(big)), detail: undefined, truncated: true });
    expect(buildDatadogRequests([{ kind: 'event', event: big }], options)[0]?.body).toEqual(request?.body);
  });
});
