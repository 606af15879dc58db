import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { decodeMetrics, encodeExportResponse, OtlpDecodeError } from '../../../src/ingest/otlp/index.js';
import { bytes, kvString, len, str } from '../../fixtures/proto-writer.js';

// @opentelemetry/sdk-metrics enum values (DataPointType, AggregationTemporality), written out so
// the test needs no extra dependency; a wrong value makes the serializer emit nothing and fail below.
const HISTOGRAM = 0;
const EXPONENTIAL_HISTOGRAM = 1;
const GAUGE = 2;
const SUM = 3;
const CUMULATIVE = 1;

const T0: [number, number] = [1795556400, 0];
const T1: [number, number] = [1795556460, 0];
const point = (value: unknown, attributes = {}) => ({ startTime: T0, endTime: T1, attributes, value });

function resourceMetrics(service: string | undefined) {
  const metric = (name: string, dataPointType: number, dataPoints: unknown[], extra = {}) => ({
    descriptor: { name, description: '', unit: '1', valueType: 1 },
    dataPointType,
    aggregationTemporality: CUMULATIVE,
    dataPoints,
    ...extra,
  });
  return {
    resource: resourceFromAttributes(service ? { 'service.name': service } : {}),
    scopeMetrics: [
      {
        scope: { name: 'test' },
        metrics: [
          metric('queue_depth', GAUGE, [point(3), point(4, { q: 'b' })]),
          metric('requests', SUM, [point(10)], { isMonotonic: true }),
          metric('latency', HISTOGRAM, [point({ buckets: { boundaries: [1, 5], counts: [1, 2, 0] }, sum: 7, count: 3, min: 0.5, max: 4 })]),
          metric('size', EXPONENTIAL_HISTOGRAM, [
            point({
              count: 2,
              sum: 3,
              scale: 1,
              zeroCount: 0,
              positive: { offset: 0, bucketCounts: [1, 1] },
              negative: { offset: 0, bucketCounts: [] },
            }),
          ]),
        ],
      },
    ],
  };
}

type MetricsInput = Parameters<typeof ProtobufMetricsSerializer.serializeRequest>[0];

describe('decodeMetrics', () => {
  it('counts gauge/sum/histogram/exponential histogram points from the real serializers (protobuf and JSON)', () => {
    const input = resourceMetrics('palantir') as unknown as MetricsInput;
    const proto = ProtobufMetricsSerializer.serializeRequest(input) as Uint8Array;
    expect(decodeMetrics(proto, 'protobuf')).toEqual({ dataPoints: 5, services: ['palantir'], rejected: 0 });
    const json = JSON.parse(new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(input)));
    expect(decodeMetrics(json, 'json')).toEqual({ dataPoints: 5, services: ['palantir'], rejected: 0 });
  });

  it('counts summary points and names unnamed resources unknown_service', () => {
    const summary = len(11, [...len(1, []), ...len(1, [])]); // Metric.summary with two data points
    const withService = len(1, [...len(1, kvString(1, 'service.name', 'arda')), ...len(2, len(2, [...str(1, 'm'), ...summary]))]);
    const anonymous = len(1, len(2, len(2, [...str(1, 'm2'), ...summary])));
    expect(decodeMetrics(bytes(withService, anonymous), 'protobuf')).toEqual({
      dataPoints: 4,
      services: ['arda', 'unknown_service'],
      rejected: 0,
    });
    const json = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 's', summary: { dataPoints: [{}, {}, {}] } }] }] }] };
    expect(decodeMetrics(json, 'json')).toEqual({ dataPoints: 3, services: ['unknown_service'], rejected: 0 });
  });

  it('throws OtlpDecodeError on malformed bodies', () => {
    expect(() => decodeMetrics({ resourceMetrics: [{ scopeMetrics: [{ metrics: 'x' }] }] }, 'json')).toThrow(/metrics must be an array/);
    expect(() => decodeMetrics(bytes([0x0a, 0x05, 0x01]), 'protobuf')).toThrow(OtlpDecodeError);
  });
});

describe('encodeExportResponse', () => {
  const serializers = {
    traces: [ProtobufTraceSerializer, JsonTraceSerializer, 'rejectedSpans'],
    logs: [ProtobufLogsSerializer, JsonLogsSerializer, 'rejectedLogRecords'],
    metrics: [ProtobufMetricsSerializer, JsonMetricsSerializer, 'rejectedDataPoints'],
  } as const;

  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    const [proto, json, field] = serializers[signal];

    it(`${signal}: partial success decodes with the OpenTelemetry response deserializers`, () => {
      const r = { rejected: 300, message: '300 items rejected; first: bad id ✓' };
      const protoBytes = encodeExportResponse(signal, r, 'protobuf') as Uint8Array;
      expect(proto.deserializeResponse(protoBytes)).toEqual({ partialSuccess: { [field]: 300, errorMessage: r.message } });
      const jsonBody = encodeExportResponse(signal, r, 'json');
      const viaJson = json.deserializeResponse(new TextEncoder().encode(JSON.stringify(jsonBody))) as {
        partialSuccess: Record<string, unknown>;
      };
      expect(Number(viaJson.partialSuccess[field])).toBe(300);
      expect(viaJson.partialSuccess.errorMessage).toBe(r.message);
    });

    it(`${signal}: full success is an empty message`, () => {
      const protoBytes = encodeExportResponse(signal, { rejected: 0 }, 'protobuf') as Uint8Array;
      expect(protoBytes.length).toBe(0);
      expect(proto.deserializeResponse(protoBytes)).toEqual({});
      expect(encodeExportResponse(signal, { rejected: 0 }, 'json')).toEqual({});
    });
  }
});
