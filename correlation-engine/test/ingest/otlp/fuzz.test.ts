// Property tests: whatever arrives, the decoders either decode or throw OtlpDecodeError (a 400),
// never another error type (which would become a 500).
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decodeLogs, decodeMetrics, decodeTraces, OtlpDecodeError } from '../../../src/ingest/otlp/index.js';
import { sdkLogRecords, sdkSpans } from '../../fixtures/otlp-samples.js';

const NOW = Date.UTC(2026, 10, 25);

function decodesOrRejects(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (err) {
    if (err instanceof OtlpDecodeError) return true;
    throw err;
  }
}

function allSignals(body: unknown, format: 'protobuf' | 'json'): boolean {
  return (
    decodesOrRejects(() => decodeTraces(body, format)) &&
    decodesOrRejects(() => decodeLogs(body, format, NOW)) &&
    decodesOrRejects(() => decodeMetrics(body, format))
  );
}

describe('OTLP decoders under random input', async () => {
  const traces = ProtobufTraceSerializer.serializeRequest(await sdkSpans()) as Uint8Array;
  const logs = ProtobufLogsSerializer.serializeRequest(sdkLogRecords() as never) as Uint8Array;

  it('random bytes decode or throw OtlpDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) => allSignals(b, 'protobuf')),
      { numRuns: 2000 },
    );
  });

  it('real messages with random bytes overwritten decode or throw OtlpDecodeError', () => {
    const mutated = (base: Uint8Array) =>
      fc
        .array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
        .map((edits) => {
          const copy = Uint8Array.from(base);
          for (const [at, value] of edits) copy[at] = value;
          return copy;
        });
    fc.assert(
      fc.property(fc.oneof(mutated(traces), mutated(logs)), (b) => allSignals(b, 'protobuf')),
      { numRuns: 2000 },
    );
  });

  it('random JSON values decode or throw OtlpDecodeError', () => {
    const otlpish = fc.record(
      {
        resourceSpans: fc.array(
          fc.record({ resource: fc.anything(), scopeSpans: fc.array(fc.record({ spans: fc.array(fc.anything()) })) }),
        ),
        resourceLogs: fc.array(fc.record({ scopeLogs: fc.anything() })),
        resourceMetrics: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything(), otlpish), (v) => allSignals(v, 'json')),
      { numRuns: 1000 },
    );
  });

  it('decoding never leaks an unrelated error for a message cut or extended with junk', () => {
    fc.assert(
      fc.property(fc.nat({ max: traces.length }), fc.uint8Array({ maxLength: 16 }), (cut, junk) => {
        const b = new Uint8Array(cut + junk.length);
        b.set(traces.subarray(0, cut));
        b.set(junk, cut);
        return allSignals(b, 'protobuf');
      }),
      { numRuns: 1000 },
    );
  });
});
