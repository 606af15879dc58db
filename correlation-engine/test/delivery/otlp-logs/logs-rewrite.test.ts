// Dropping records and setting resource attributes on OTLP logs requests, protobuf and JSON, for
// any request: the result, decoded by an independent schema (test/sinks/otlp-logs-decode.ts),
// holds exactly the records asked for, each as it was, under resources holding what they held
// (less the replaced keys) plus what was set. Requests are OTLP/JSON values made into protobuf
// the way a sender encodes them (fixtures/otlp-json-to-proto.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinJsonRequests, withoutLogRecordsJson, withResourceAttributesJson } from '../../../src/delivery/otlp-logs/json-logs-rewrite.js';
import { type ResourceEdit, withoutLogRecords, withResourceAttributes } from '../../../src/delivery/otlp-logs/proto-logs-rewrite.js';
import { otlpJsonToProto } from '../../fixtures/otlp-json-to-proto.js';
import { decodeOtlpLogsJson, decodeOtlpLogsProtobuf, type OtlpLogRecord } from '../../sinks/otlp-logs-decode.js';

const text = fc.string({ maxLength: 12, unit: 'binary' });
const anyValue = fc.oneof(
  text.map((s) => ({ stringValue: s })),
  fc.integer({ min: -1000, max: 1000 }).map((n) => ({ intValue: String(n) })),
  fc.boolean().map((b) => ({ boolValue: b })),
);
const attributeKey = fc.constantFrom(
  'service.name',
  'service',
  'env',
  'deployment.environment',
  'deployment.environment.name',
  'host.name',
  'k1',
  'k2',
);
const attributes = fc.array(fc.record({ key: attributeKey, value: anyValue }), { maxLength: 6 });
const hexId = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const logRecord = fc.record(
  {
    timeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String),
    severityNumber: fc.integer({ min: 0, max: 24 }),
    severityText: fc.constantFrom('', 'INFO', 'ERROR'),
    body: anyValue,
    attributes,
    traceId: hexId(16),
    spanId: hexId(8),
  },
  { requiredKeys: ['body'] },
);
const request = fc.record({
  resourceLogs: fc.array(
    fc.record(
      {
        resource: fc.record({ attributes }),
        scopeLogs: fc.array(
          fc.record(
            { scope: fc.record({ name: text }), logRecords: fc.array(logRecord, { maxLength: 5 }) },
            { requiredKeys: ['logRecords'] },
          ),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: ['scopeLogs'] },
    ),
    { maxLength: 4 },
  ),
});

/** Any subset of the request's record ordinals, ascending. */
function droppedOf(count: number): fc.Arbitrary<number[]> {
  return fc.array(fc.boolean(), { minLength: count, maxLength: count }).map((flags) => flags.flatMap((d, i) => (d ? [i] : [])));
}

const recordCount = (r: { resourceLogs: { scopeLogs: { logRecords: unknown[] }[] }[] }) =>
  r.resourceLogs.reduce((n, rl) => n + rl.scopeLogs.reduce((m, sl) => m + sl.logRecords.length, 0), 0);

/** A record without its resource (compared apart). */
const own = ({ resource: _resource, ...rest }: OtlpLogRecord) => rest;

const edit: ResourceEdit = (a) => ({ service: `svc:${a.get('service.name') ?? '-'}`, env: a.get('deployment.environment') ?? 'default' });

/** What `edit` should leave on a decoded resource: the last value of each key not replaced, then the two set. */
function expectedResource(original: Record<string, unknown>): Record<string, unknown> {
  const name = typeof original['service.name'] === 'string' ? original['service.name'] : undefined;
  const env = typeof original['deployment.environment'] === 'string' ? original['deployment.environment'] : undefined;
  const { service: _s, env: _e, ...rest } = original;
  return { ...rest, service: `svc:${name ?? '-'}`, env: env ?? 'default' };
}

describe('OTLP logs requests rewritten for forwarding', () => {
  it('protobuf: dropping records leaves exactly the others, byte for byte as decoded', () => {
    fc.assert(
      fc.property(
        request.chain((r) => fc.tuple(fc.constant(r), droppedOf(recordCount(r)))),
        ([json, dropped]) => {
          const body = otlpJsonToProto('logs', json);
          const before = decodeOtlpLogsProtobuf(body);
          const after = decodeOtlpLogsProtobuf(withoutLogRecords(body, dropped));
          expect(after).toEqual(before.filter((_, i) => !dropped.includes(i)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('protobuf: resource attributes are set, replaced ones left out, records untouched', () => {
    fc.assert(
      fc.property(request, (json) => {
        const body = otlpJsonToProto('logs', json);
        const before = decodeOtlpLogsProtobuf(body);
        const after = decodeOtlpLogsProtobuf(withResourceAttributes(body, edit));
        expect(after.map(own)).toEqual(before.map(own));
        for (let i = 0; i < after.length; i++) expect(after[i]?.resource).toEqual(expectedResource(before[i]?.resource ?? {}));
      }),
      { numRuns: 300 },
    );
  });

  it('protobuf: requests joined by concatenation decode as all their records in order', () => {
    fc.assert(
      fc.property(fc.array(request, { maxLength: 4 }), (jsons) => {
        const bodies = jsons.map((j) => withResourceAttributes(otlpJsonToProto('logs', j), edit));
        expect(decodeOtlpLogsProtobuf(Buffer.concat(bodies))).toEqual(bodies.flatMap((b) => decodeOtlpLogsProtobuf(b)));
      }),
      { numRuns: 100 },
    );
  });

  it('JSON: the same three, on the parsed request', () => {
    fc.assert(
      fc.property(
        request.chain((r) => fc.tuple(fc.constant(r), droppedOf(recordCount(r)))),
        ([json, dropped]) => {
          const before = decodeOtlpLogsJson(json);
          // Through JSON text, as the queue keeps it.
          const kept = JSON.parse(JSON.stringify(withoutLogRecordsJson(json, dropped)));
          expect(decodeOtlpLogsJson(kept)).toEqual(before.filter((_, i) => !dropped.includes(i)));
          const labelled = decodeOtlpLogsJson(withResourceAttributesJson(json, edit));
          expect(labelled.map(own)).toEqual(before.map(own));
          for (let i = 0; i < labelled.length; i++) expect(labelled[i]?.resource).toEqual(expectedResource(before[i]?.resource ?? {}));
          expect(decodeOtlpLogsJson(joinJsonRequests([json, kept]))).toEqual([...before, ...decodeOtlpLogsJson(kept)]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('JSON: snake_case field names are read too (the engine accepts both spellings)', () => {
    const snake = {
      resource_logs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'mdso' } }] },
          scope_logs: [{ log_records: [{ body: { stringValue: 'a' } }, { body: { stringValue: 'b' } }] }],
        },
      ],
    };
    const kept = withoutLogRecordsJson(snake, [0]) as { resourceLogs: { scope_logs: { log_records: unknown[] }[] }[] };
    expect(kept.resourceLogs[0]?.scope_logs[0]?.log_records).toEqual([{ body: { stringValue: 'b' } }]);
    const labelled = withResourceAttributesJson(snake, edit) as { resourceLogs: { resource: { attributes: unknown[] } }[] };
    expect(labelled.resourceLogs[0]?.resource.attributes).toContainEqual({ key: 'service', value: { stringValue: 'svc:mdso' } });
  });
});
