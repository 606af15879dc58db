import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { decodeTraces, OtlpDecodeError } from '../../../src/ingest/otlp/index.js';
import type { NormalizedSpan } from '../../../src/model/types.js';
import { hrToMs, sdkSpans, TRACE_RESOURCE } from '../../fixtures/otlp-samples.js';
import { bytes, fixed32, fixed64, hex, kvString, len, str, tag, uint, varint } from '../../fixtures/proto-writer.js';

const BUSINESS = ['circuit_id', 'product_id', 'resource_id', 'resource_type_id', 'request_id'];

/** What the decoder must produce for an SDK span, computed from the span itself. */
function expected(span: ReadableSpan): NormalizedSpan {
  // Of a span's attributes only its business keys are kept (the correlator reads no others).
  const keys: Record<string, string> = { product_id: TRACE_RESOURCE.product_id };
  for (const [k, v] of Object.entries(span.attributes)) if (BUSINESS.includes(k)) keys[k] = String(v);
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    service: 'beorn',
    env: 'test',
    kind: span.kind + 1, // API SpanKind is 0-based INTERNAL; OTLP adds UNSPECIFIED = 0
    startUnixMs: expect.closeTo(hrToMs(span.startTime), 3) as unknown as number,
    endUnixMs: expect.closeTo(hrToMs(span.endTime), 3) as unknown as number,
    status: (['UNSET', 'OK', 'ERROR'] as const)[span.status.code],
    statusMessage: span.status.message,
    keys,
  };
}

function byId(spans: NormalizedSpan[]): Map<string, NormalizedSpan> {
  return new Map(spans.map((s) => [s.spanId, s]));
}

describe('decodeTraces: round trip with the OpenTelemetry serializers', async () => {
  const spans = await sdkSpans();

  it('protobuf: ids, names, kinds, times, business keys, status, parent and resource survive', () => {
    const body = ProtobufTraceSerializer.serializeRequest(spans);
    if (!body) throw new Error('serializer returned nothing');
    const out = decodeTraces(body, 'protobuf');
    expect(out.rejected).toBe(0);
    expect(out.spans).toHaveLength(3);
    const decoded = byId(out.spans);
    for (const span of spans) expect(decoded.get(span.spanContext().spanId)).toEqual(expected(span));
    const child = out.spans.find((s) => s.name === 'POST palantir');
    expect(child).toMatchObject({ status: 'ERROR', statusMessage: 'upstream said 503', kind: 3 });
    expect(child?.keys).toEqual({ resource_id: 'res-9', product_id: 'PROD-FROM-RESOURCE' });
  });

  it('JSON: the same spans decode to the same result', () => {
    const text = JsonTraceSerializer.serializeRequest(spans);
    if (!text) throw new Error('serializer returned nothing');
    const json = JSON.parse(new TextDecoder().decode(text));
    const out = decodeTraces(json, 'json');
    expect(out.rejected).toBe(0);
    expect(out.spans).toHaveLength(3);
    const decoded = byId(out.spans);
    for (const span of spans) expect(decoded.get(span.spanContext().spanId)).toEqual(expected(span));
  });
});

describe('decodeTraces: OTLP/JSON details', () => {
  const span = (extra: Record<string, unknown>) => ({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'arda' } }] },
        scopeSpans: [{ spans: [{ traceId: '4BF92F3577B34DA6A3CE929D0E0E4736', spanId: '00F067AA0BA902B7', name: 'x', ...extra }] }],
      },
    ],
  });

  it('lowercases uppercase hex ids', () => {
    const out = decodeTraces(span({ parentSpanId: 'AAAAAAAAAAAAAAAA' }), 'json');
    expect(out.spans[0]).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      parentSpanId: 'aaaaaaaaaaaaaaaa',
      service: 'arda',
    });
  });

  it('accepts enums and int64 as numbers or strings', () => {
    const a = decodeTraces(
      span({
        kind: 'SPAN_KIND_CLIENT',
        status: { code: 'STATUS_CODE_ERROR' },
        startTimeUnixNano: '1795556402114000001',
        endTimeUnixNano: 1795556402115e6,
      }),
      'json',
    ).spans[0];
    const b = decodeTraces(
      span({ kind: 3, status: { code: 2 }, startTimeUnixNano: 1795556402114e6, endTimeUnixNano: '1795556402115000000' }),
      'json',
    ).spans[0];
    expect(a).toMatchObject({ kind: 3, status: 'ERROR' });
    expect(b).toMatchObject({ kind: 3, status: 'ERROR' });
    expect(a?.startUnixMs).toBeCloseTo(1795556402114, 3);
    expect(b?.startUnixMs).toBeCloseTo(1795556402114, 3);
    expect(a?.endUnixMs).toBe(1795556402115);
    expect(b?.endUnixMs).toBe(1795556402115);
  });

  it('reads every AnyValue kind and keeps only the business keys of a span', () => {
    const attributes = [
      { key: 's', value: { stringValue: 'v' } },
      { key: 'i', value: { intValue: '42' } },
      { key: 'i2', value: { intValue: 7 } },
      { key: 'd', value: { doubleValue: 1.5 } },
      { key: 'b', value: { boolValue: true } },
      { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 1 }] } } },
      { key: 'kv', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
      { key: 'bytes', value: { bytesValue: 'AAEC' } },
      { key: 'circuit_id', value: { stringValue: 'CKT-9' } },
      { key: 'empty', value: {} },
    ];
    const out = decodeTraces(span({ attributes }), 'json').spans[0];
    expect(out).not.toHaveProperty('attributes');
    expect(out?.keys).toEqual({ circuit_id: 'CKT-9' });
  });

  it('rejects spans with invalid or missing ids and keeps the rest of the batch', () => {
    const body = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', name: 'good' },
                { traceId: 'not-hex', spanId: '00f067aa0ba902b7', name: 'bad trace' },
                { traceId: '00000000000000000000000000000000', spanId: '00f067aa0ba902b7', name: 'zero trace' },
                { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', name: 'no span id' },
                { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', parentSpanId: 'zz', name: 'bad parent' },
                'not an object',
              ],
            },
          ],
        },
      ],
    };
    const out = decodeTraces(body, 'json');
    expect(out.spans.map((s) => s.name)).toEqual(['good']);
    expect(out.spans[0]?.service).toBe('unknown_service');
    expect(out.rejected).toBe(5);
    expect(out.message).toContain('resourceSpans[0].scopeSpans[0].spans[1]');
    expect(out.message).toContain('trace id');
  });

  it('a malformed span (attributes not an array, AnyValue too deep) is rejected on its own', () => {
    let deep: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) deep = { arrayValue: { values: [deep] } };
    const ids = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
    const out = decodeTraces(
      {
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  { ...ids, name: 'bad attributes', attributes: { key: 'x' } },
                  { ...ids, name: 'too deep', attributes: [{ key: 'deep', value: deep }] },
                  { ...ids, name: 'fine' },
                ],
              },
            ],
          },
        ],
      },
      'json',
    );
    expect(out.spans.map((s) => s.name)).toEqual(['fine']);
    expect(out.rejected).toBe(2);
    expect(out.message).toContain('resourceSpans[0].scopeSpans[0].spans[0]: attributes must be an array');
  });

  it('an empty request is valid; a wrongly shaped one throws OtlpDecodeError naming the field', () => {
    expect(decodeTraces({}, 'json')).toEqual({ spans: [], rejected: 0 });
    expect(() => decodeTraces({ resourceSpans: {} }, 'json')).toThrow(/resourceSpans must be an array/);
    expect(() => decodeTraces([], 'json')).toThrow(OtlpDecodeError);
    expect(() => decodeTraces('text', 'json')).toThrow(OtlpDecodeError);
    expect(() => decodeTraces(null, 'json')).toThrow(OtlpDecodeError);
    expect(() => decodeTraces(new Uint8Array([123, 125]), 'json')).toThrow(/must be a JSON object/);
    expect(() => decodeTraces({ resourceSpans: [{ scopeSpans: 5 }] }, 'json')).toThrow(/resourceSpans\[0\]\.scopeSpans must be an array/);
    expect(() => decodeTraces({ resourceSpans: [1] }, 'json')).toThrow(/resourceSpans\[0\] must be an object/);
  });
});

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

/** ExportTraceServiceRequest with one span whose fields are `spanFields`. */
function request(spanFields: number[], resourceFields: number[] = []): Uint8Array {
  const scopeSpans = len(2, spanFields);
  return bytes(len(1, [...len(1, resourceFields), ...len(2, scopeSpans)]));
}

describe('decodeTraces: protobuf robustness', async () => {
  const real = ProtobufTraceSerializer.serializeRequest(await sdkSpans()) as Uint8Array;

  it('skips unknown fields of every wire type, including legacy groups', () => {
    const body = request([
      ...hex(1, TRACE),
      ...uint(99, 123456789),
      ...fixed64(98, 1n),
      ...fixed32(97, 7),
      ...str(96, 'future'),
      ...tag(95, 3),
      ...uint(1, 5),
      ...tag(95, 4),
      ...hex(2, SPAN),
      ...str(5, 'with unknowns'),
    ]);
    const out = decodeTraces(body, 'protobuf');
    expect(out.spans).toEqual([expect.objectContaining({ traceId: TRACE, spanId: SPAN, name: 'with unknowns' })]);
  });

  it('reads an int64 business key and fields in any order (resource after spans, value before key)', () => {
    const attr = len(9, [...str(1, 'request_id'), ...len(2, [...tag(3, 0), ...varint(-5n)])]);
    const valueFirst = len(9, [...len(2, str(1, 'CKT-LATE-KEY')), ...str(1, 'circuit_id')]);
    const other = len(9, [...str(1, 'http.route'), ...len(2, str(1, '/api/test'))]);
    const scopeSpans = len(2, [...hex(1, TRACE), ...hex(2, SPAN), ...attr, ...valueFirst, ...other]);
    const resource = len(1, kvString(1, 'service.name', 'palantir'));
    const body = bytes(len(1, [...len(2, scopeSpans), ...resource]));
    const out = decodeTraces(body, 'protobuf');
    expect(out.spans[0]).toMatchObject({ service: 'palantir', keys: { request_id: '-5', circuit_id: 'CKT-LATE-KEY' } });
    expect(out.spans[0]).not.toHaveProperty('attributes');
  });

  it('checks attributes it does not keep: a too deeply nested or malformed value is refused as before', () => {
    let deep = str(1, 'leaf');
    for (let i = 0; i < 40; i++) deep = len(5, len(1, deep));
    const tooDeep = len(2, [...hex(1, TRACE), ...hex(2, SPAN), ...len(9, [...str(1, 'x.deep'), ...len(2, deep)])]);
    expect(() => decodeTraces(bytes(len(1, len(2, tooDeep))), 'protobuf')).toThrow(/AnyValue nested deeper than 16 levels/);
    const wrongWire = len(2, [
      ...hex(1, TRACE),
      ...hex(2, SPAN),
      ...len(9, [...str(1, 'x.flag'), ...len(2, [...tag(2, 2), ...varint(0n)])]),
    ]);
    expect(() => decodeTraces(bytes(len(1, len(2, wrongWire))), 'protobuf')).toThrow(/AnyValue.bool_value has wire type 2, expected 0/);
  });

  it('rejects spans with wrongly sized ids but keeps the others', () => {
    const good = len(2, [...hex(1, TRACE), ...hex(2, SPAN)]);
    const shortTrace = len(2, [...hex(1, 'abcd'), ...hex(2, SPAN)]);
    const zeroSpan = len(2, [...hex(1, TRACE), ...hex(2, '0000000000000000')]);
    const body = bytes(len(1, len(2, [...good, ...shortTrace, ...zeroSpan])));
    const out = decodeTraces(body, 'protobuf');
    expect(out.spans).toHaveLength(1);
    expect(out.rejected).toBe(2);
    expect(out.message).toMatch(/resource_spans\[0\]\.scope_spans\[0\]\.spans\[1\]: trace id must be 16 bytes/);
  });

  it('throws OtlpDecodeError for a message cut at any byte offset', () => {
    expect(real.length).toBeGreaterThan(200);
    for (let cut = 1; cut < real.length; cut++) {
      let error: unknown;
      try {
        decodeTraces(real.subarray(0, cut), 'protobuf');
      } catch (err) {
        error = err;
      }
      expect(error, `cut at ${cut}`).toBeInstanceOf(OtlpDecodeError);
    }
  });

  it('refuses a huge declared length without allocating it', () => {
    const body = bytes([...tag(1, 2), ...varint(2 ** 40)]);
    expect(() => decodeTraces(body, 'protobuf')).toThrow(/truncated protobuf at offset 1: length 1099511627776 exceeds the 0 bytes left/);
  });

  it('refuses AnyValue nesting deeper than the limit', () => {
    let value = str(1, 'leaf');
    for (let i = 0; i < 40; i++) value = len(5, len(1, value)); // array of array of ...
    const body = request([...hex(1, TRACE), ...hex(2, SPAN), ...len(9, [...str(1, 'deep'), ...len(2, value)])]);
    expect(() => decodeTraces(body, 'protobuf')).toThrow(/nested deeper than 16/);
  });

  it('names malformed input: bad wire type for a known field, invalid wire type, field 0, long varint', () => {
    expect(() => decodeTraces(request([...uint(1, 5)]), 'protobuf')).toThrow(/Span.trace_id has wire type 0, expected 2/);
    expect(() => decodeTraces(bytes([...tag(7, 7)]), 'protobuf')).toThrow(/invalid wire type 7/);
    expect(() => decodeTraces(bytes([0x00]), 'protobuf')).toThrow(/invalid field number 0/);
    expect(() => decodeTraces(bytes([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 'protobuf')).toThrow(
      /malformed varint/,
    );
  });

  it('a protobuf body that is not bytes is a decode error', () => {
    expect(() => decodeTraces({ resourceSpans: [] }, 'protobuf')).toThrow(OtlpDecodeError);
  });
});
