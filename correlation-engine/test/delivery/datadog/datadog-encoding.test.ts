// What Datadog's logs intake is sent for any log, byte for byte: each entry is the JSON of the
// mapping docs/delivery.md describes (message, ddsource, ddtags with commas in a value made `_`,
// hostname, service, status in lower case, the time in whole milliseconds, trace and span ids with
// their decimal dd.* forms, the business keys, the attributes when there are any), in that order,
// whichever layout the logs were queued in; entries are joined in arrival order into requests
// within the intake's entry and byte limits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDatadogRequests } from '../../../src/delivery/datadog/datadog-encoding.js';
import { decodeRow, logRow, logTupleRow, type QueuedRecord } from '../../../src/delivery/queue/queue-rows.js';
import { BUSINESS_KEYS, type NormalizedLog } from '../../../src/model/types.js';
import { anyLog } from '../../helpers/log-arbitrary.js';

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
        expect(buildDatadogRequests(read(logRow(logs)), OPTIONS).map((r) => r.json)).toEqual(expected);
        expect(buildDatadogRequests(read(logTupleRow(logs)), OPTIONS).map((r) => r.json)).toEqual(expected);
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
            const entries = requests.flatMap((r) => JSON.parse(r.json) as Record<string, unknown>[]);
            expect(entries.map((e) => e.timestamp)).toEqual(logs.map((l) => Math.floor(l.timeUnixMs)));
            for (const r of requests) {
              expect(r.records.length).toBeLessThanOrEqual(maxEntriesPerRequest);
              expect(Buffer.byteLength(r.json)).toBeLessThanOrEqual(maxRequestBytes);
            }
            for (const e of entries) expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThanOrEqual(1_000);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
