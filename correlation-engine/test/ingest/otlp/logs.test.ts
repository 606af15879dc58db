import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { severityFromOtlpNumber, severityFromWord } from '../../../src/ingest/normalize/normalize-severity.js';
import { decodeLogs, OtlpDecodeError } from '../../../src/ingest/otlp/index.js';
import { levelLines } from '../../fixtures/level-lines.js';
import { hrToMs, sdkLogRecords } from '../../fixtures/otlp-samples.js';
import { bytes, fixed64, hex, kvString, len, str, uint } from '../../fixtures/proto-writer.js';

const NOW = Date.UTC(2026, 10, 25, 0, 0, 0);
type Records = Parameters<typeof ProtobufLogsSerializer.serializeRequest>[0];

function encoded(format: 'protobuf' | 'json'): unknown {
  const records = sdkLogRecords() as unknown as Records;
  if (format === 'protobuf') return ProtobufLogsSerializer.serializeRequest(records);
  const text = JsonLogsSerializer.serializeRequest(records);
  return JSON.parse(new TextDecoder().decode(text));
}

describe.each(['protobuf', 'json'] as const)('decodeLogs (%s) with the OpenTelemetry serializers', (format) => {
  const [raw, structured] = sdkLogRecords();
  const out = decodeLogs(encoded(format), format, NOW);

  it('decodes both records, none rejected', () => {
    expect(out.rejected).toBe(0);
    expect(out.logs).toHaveLength(2);
  });

  it('a raw Blue Planet line in a string body is parsed; OTLP time and labels win', () => {
    const log = out.logs[0];
    expect(log).toEqual({
      timeUnixMs: hrToMs(raw?.hrTime as [number, number]),
      severity: 'ERROR', // from the line: the record carries no OTLP severity
      service: 'mdso',
      env: 'lab',
      host: undefined,
      message: 'Device NE-ALBANY-07 rejected config (circuit_id=CKT-1001-NYC, request_id=req-8c1d2e)',
      traceId: undefined,
      spanId: undefined,
      keys: { circuit_id: 'CKT-1001-NYC', request_id: 'req-8c1d2e' },
      attributes: {
        thread: 'bpocore-worker-3',
        logger: 'com.ciena.bp.ra.DeviceAdapter',
        filename: '/var/log/ciena/blueplanet.log',
        job: 'mdso',
      },
      format: 'blueplanet',
      source: 'otlp',
    });
  });

  it('a map body gives message and keys; OTLP severity, ids and attributes are kept', () => {
    const log = out.logs[1];
    expect(log?.timeUnixMs).toBeCloseTo(hrToMs(structured?.hrTime as [number, number]), 3);
    expect(log).toMatchObject({
      severity: 'WARN',
      service: 'mdso',
      message: 'slow downstream',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      keys: { circuit_id: 'CKT-2040-DAL', resource_id: 'res-77' },
      attributes: { durationMs: 812, 'code.function': 'handler', 'event.name': 'downstream.slow' },
      format: 'json',
      source: 'otlp',
    });
  });
});

describe('decodeLogs: OTLP/JSON details', () => {
  const body = (record: Record<string, unknown>, resourceAttributes: unknown[] = []) => ({
    resourceLogs: [{ resource: { attributes: resourceAttributes }, scopeLogs: [{ logRecords: [record] }] }],
  });

  it('accepts uppercase ids and a severity enum name or number', () => {
    const a = decodeLogs(
      body({
        traceId: '4BF92F3577B34DA6A3CE929D0E0E4736',
        spanId: '00F067AA0BA902B7',
        severityNumber: 'SEVERITY_NUMBER_ERROR2',
        body: { stringValue: 'x' },
      }),
      'json',
      NOW,
    ).logs[0];
    const b = decodeLogs(body({ severityNumber: 21, body: { stringValue: 'y' } }), 'json', NOW).logs[0];
    expect(a).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', severity: 'ERROR' });
    expect(b?.severity).toBe('FATAL');
  });

  it('time falls back to the line, then observed time, then now', () => {
    const line = '<131>Nov 24 21:40:09 mdso-dev bpocore[2231]: plan step failed circuit_id=CKT-2040-DAL';
    const fromLine = decodeLogs(body({ observedTimeUnixNano: '1795556500000000000', body: { stringValue: line } }), 'json', NOW).logs[0];
    expect(fromLine).toMatchObject({
      timeUnixMs: Date.UTC(2026, 10, 24, 21, 40, 9),
      severity: 'ERROR',
      service: 'bpocore',
      host: 'mdso-dev',
    });
    const observed = decodeLogs(body({ observedTimeUnixNano: '1795556500000000000', body: { stringValue: 'plain' } }), 'json', NOW).logs[0];
    expect(observed?.timeUnixMs).toBe(1795556500000);
    const none = decodeLogs(body({ body: { stringValue: 'plain' } }), 'json', NOW).logs[0];
    expect(none?.timeUnixMs).toBe(NOW);
  });

  it('a service label forwarded as an attribute names the service when the resource does not', () => {
    const log = decodeLogs(
      body({ body: { stringValue: 'x' }, attributes: [{ key: 'service_name', value: { stringValue: 'mdso' } }] }),
      'json',
      NOW,
    ).logs[0];
    expect(log?.service).toBe('mdso');
    expect(decodeLogs(body({ body: { stringValue: 'x' } }), 'json', NOW).logs[0]?.service).toBe('unknown_service');
  });

  it('rejects a record with a malformed trace id, keeps all-zero ids as "no trace"', () => {
    const out = decodeLogs(
      {
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  { traceId: 'xyz', body: { stringValue: 'bad' } },
                  { traceId: '00000000000000000000000000000000', spanId: '0000000000000000', body: { stringValue: 'zero' } },
                  { body: { stringValue: 'fine' } },
                ],
              },
            ],
          },
        ],
      },
      'json',
      NOW,
    );
    expect(out.logs.map((l) => l.message)).toEqual(['zero', 'fine']);
    expect(out.logs[0]?.traceId).toBeUndefined();
    expect(out).toMatchObject({
      rejected: 1,
      message: expect.stringContaining('resourceLogs[0].scopeLogs[0].logRecords[0]: invalid trace id'),
    });
  });

  it('non-string bodies become the message', () => {
    const logs = decodeLogs(
      {
        resourceLogs: [
          { scopeLogs: [{ logRecords: [{ body: { intValue: '5' } }, { body: { arrayValue: { values: [{ stringValue: 'a' }] } } }, {}] }] },
        ],
      },
      'json',
      NOW,
    ).logs;
    expect(logs.map((l) => l.message)).toEqual(['5', '["a"]', '']);
  });

  it('accepts the original snake_case field names too', () => {
    const log = decodeLogs(
      {
        resource_logs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { string_value: 'palantir' } }] },
            scope_logs: [
              {
                log_records: [
                  {
                    time_unix_nano: '1795556402114000000',
                    severity_number: 17,
                    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
                    body: { string_value: 'x' },
                  },
                ],
              },
            ],
          },
        ],
      },
      'json',
      NOW,
    ).logs[0];
    expect(log).toMatchObject({
      service: 'palantir',
      timeUnixMs: 1795556402114,
      severity: 'ERROR',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
  });

  it('a JSON line in a string body is parsed like a JSON log line; resource keys fill gaps', () => {
    const line = JSON.stringify({ level: 'error', msg: 'boom', request_id: 'req-1', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' });
    const log = decodeLogs(
      body({ body: { stringValue: line } }, [
        { key: 'service.name', value: { stringValue: 'beorn' } },
        { key: 'circuit_id', value: { stringValue: 'CKT-RES' } },
      ]),
      'json',
      NOW,
    ).logs[0];
    expect(log).toMatchObject({
      message: 'boom',
      severity: 'ERROR',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      keys: { request_id: 'req-1', circuit_id: 'CKT-RES' },
      format: 'json',
    });
  });

  it('throws OtlpDecodeError on a wrongly shaped body', () => {
    expect(() => decodeLogs({ resourceLogs: 'x' }, 'json', NOW)).toThrow(OtlpDecodeError);
    expect(() => decodeLogs(42, 'json', NOW)).toThrow(/must be a JSON object/);
  });
});

describe('decodeLogs: protobuf details', () => {
  it('reads a hand-made record with unknown fields and a kvlist body', () => {
    const kvBody = len(6, [
      ...len(1, [...str(1, 'msg'), ...len(2, str(1, 'hello'))]),
      ...len(1, [...str(1, 'product_id'), ...len(2, str(1, 'PROD-1'))]),
    ]);
    const record = [
      ...len(5, kvBody),
      ...uint(2, 17),
      ...hex(9, '4bf92f3577b34da6a3ce929d0e0e4736'),
      ...uint(77, 1),
      ...kvString(6, 'k', 'v'),
    ];
    const body = bytes(len(1, [...len(1, kvString(1, 'service.name', 'arda')), ...len(2, len(2, record))]));
    const log = decodeLogs(body, 'protobuf', NOW).logs[0];
    expect(log).toMatchObject({
      service: 'arda',
      severity: 'ERROR',
      message: 'hello',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      keys: { product_id: 'PROD-1' },
      attributes: { k: 'v' },
      timeUnixMs: NOW,
    });
  });

  it('rejects a record whose trace id has the wrong length and keeps the next one', () => {
    const bad = len(2, [...len(5, str(1, 'x')), ...hex(9, 'abcdef')]);
    const good = len(2, len(5, str(1, 'fine')));
    const out = decodeLogs(bytes(len(1, len(2, [...bad, ...good]))), 'protobuf', NOW);
    expect(out.logs.map((l) => l.message)).toEqual(['fine']);
    expect(out).toMatchObject({
      rejected: 1,
      message: expect.stringContaining('resource_logs[0].scope_logs[0].log_records[0]: trace id must be 16 bytes'),
    });
  });

  it('a record takes nothing from the one before it (time, severity, ids, body, attributes)', () => {
    const full = len(2, [
      ...fixed64(1, 1_764_000_000_123_000_000n),
      ...uint(2, 17),
      ...str(3, 'ERROR'),
      ...len(5, str(1, 'first')),
      ...kvString(6, 'circuit_id', 'C-1'),
      ...hex(9, '4bf92f3577b34da6a3ce929d0e0e4736'),
      ...hex(10, '00f067aa0ba902b7'),
      ...fixed64(11, 1_764_000_000_456_000_000n),
    ]);
    const bare = len(2, kvString(6, 'resource_id', 'R-2'));
    const { logs } = decodeLogs(bytes(len(1, len(2, [...full, ...bare, ...full]))), 'protobuf', NOW);
    expect(logs.map((l) => [l.timeUnixMs, l.severity, l.message, l.traceId, l.spanId, l.keys])).toEqual([
      [1_764_000_000_123, 'ERROR', 'first', '4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', { circuit_id: 'C-1' }],
      [NOW, 'INFO', '', undefined, undefined, { resource_id: 'R-2' }],
      [1_764_000_000_123, 'ERROR', 'first', '4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', { circuit_id: 'C-1' }],
    ]);
  });

  it('the record time wins over the observed time in either field order; the observed time stands in for a missing or zero one', () => {
    const time = fixed64(1, 1_764_000_000_123_000_000n);
    const zero = fixed64(1, 0n);
    const observed = fixed64(11, 1_764_000_000_456_000_000n);
    const body = len(5, str(1, 'plain'));
    const records = [
      [...time, ...observed, ...body],
      [...observed, ...time, ...body],
      [...observed, ...body],
      [...zero, ...observed, ...body],
      [...observed, ...zero, ...body],
    ].map((fields) => len(2, fields));
    const { logs } = decodeLogs(bytes(len(1, len(2, records.flat()))), 'protobuf', NOW);
    expect(logs.map((l) => l.timeUnixMs)).toEqual([
      1_764_000_000_123, 1_764_000_000_123, 1_764_000_000_456, 1_764_000_000_456, 1_764_000_000_456,
    ]);
    // An observed time cut short after the record time is still refused (its 8 bytes are missing).
    const cut = bytes(len(1, len(2, len(2, [...time, ...observed.slice(0, 5)]))));
    expect(() => decodeLogs(cut, 'protobuf', NOW)).toThrow(OtlpDecodeError);
  });

  it('throws OtlpDecodeError for the real message cut at any byte offset', () => {
    const real = encoded('protobuf') as Uint8Array;
    for (let cut = 1; cut < real.length; cut++) {
      expect(() => decodeLogs(real.subarray(0, cut), 'protobuf', NOW), `cut at ${cut}`).toThrow(OtlpDecodeError);
    }
  });
});

describe('decodeLogs: a record that states its severity', () => {
  const one = (record: Record<string, unknown>) =>
    decodeLogs({ resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: [record] }] }] }, 'json', NOW).logs[0];

  it('normalizes as if its body were parsed alone and the OTLP severity set after (any body line)', () => {
    fc.assert(
      fc.property(
        levelLines,
        fc.constantFrom(0, 5, 9, 13, 17, 21, 30),
        fc.constantFrom(undefined, 'WARN', 'bogus'),
        (line, number, text) => {
          const alone = one({ timeUnixNano: '1795556460000000000', body: { stringValue: line } });
          const stated = one({
            timeUnixNano: '1795556460000000000',
            severityNumber: number,
            severityText: text,
            body: { stringValue: line },
          });
          const own = severityFromOtlpNumber(number) ?? (text ? severityFromWord(text) : undefined);
          expect(stated).toEqual({ ...alone, severity: own ?? alone?.severity });
        },
      ),
      { numRuns: 600 },
    );
  });
});
