// OTLP/HTTP request decoding for the ingest routes: protobuf (hand-written reader, see
// proto-decode.ts) and JSON (already parsed by Fastify). Items with bad ids are rejected one by
// one (partial success); a body that is not an OTLP message at all throws OtlpDecodeError (400).
import type { NormalizedLog, NormalizedSpan } from '../../model/types.js';
import { OtlpDecodeError } from '../../wire/decode-error.js';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './json-decode.js';
import { decodeLogsProtobuf, decodeMetricsProtobuf, decodeTracesProtobuf } from './proto-decode.js';
import type { Rejections } from './rejections.js';
import { type OtlpSignal, responseJson, responseProtobuf } from './response.js';

export { OtlpDecodeError } from '../../wire/decode-error.js';
export type { Rejections } from './rejections.js';
export type OtlpFormat = 'protobuf' | 'json';

function bytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  throw new OtlpDecodeError('protobuf body must be raw bytes');
}

export function decodeTraces(body: Uint8Array | unknown, format: OtlpFormat): { spans: NormalizedSpan[] } & Rejections {
  return format === 'protobuf' ? decodeTracesProtobuf(bytes(body)) : decodeTracesJson(body);
}

export function decodeLogs(body: Uint8Array | unknown, format: OtlpFormat, nowMs: number): { logs: NormalizedLog[] } & Rejections {
  return format === 'protobuf' ? decodeLogsProtobuf(bytes(body), nowMs) : decodeLogsJson(body, nowMs);
}

export function decodeMetrics(body: Uint8Array | unknown, format: OtlpFormat): { dataPoints: number; services: string[] } & Rejections {
  return format === 'protobuf' ? decodeMetricsProtobuf(bytes(body)) : decodeMetricsJson(body);
}

/**
 * ExportTrace/Logs/MetricsServiceResponse, with partial_success when rejected > 0
 * (rejected_spans / rejected_log_records / rejected_data_points per the OTLP spec).
 */
export function encodeExportResponse(signal: OtlpSignal, r: Rejections, format: OtlpFormat): Uint8Array | object {
  return format === 'protobuf' ? responseProtobuf(r) : responseJson(signal, r);
}
