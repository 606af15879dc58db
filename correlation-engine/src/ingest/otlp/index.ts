// OTLP/HTTP request decoding for the ingest routes: protobuf (hand-written reader, see
// proto-decode.ts) and JSON (already parsed by Fastify). Items with bad ids are rejected one by
// one (partial success); a body that is not an OTLP message at all throws OtlpDecodeError (400).
import type { NormalizedSpan } from '../../model/types.js';
import { OtlpDecodeError } from '../../wire/decode-error.js';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './json-decode.js';
import { decodeLogsProtobuf, decodeMetricsProtobuf, decodeTracesProtobuf } from './proto-decode.js';
import type { DecodedLogs, Rejections } from './rejections.js';
import { type OtlpSignal, responseJson, responseProtobuf } from './response.js';

export { OtlpDecodeError } from '../../wire/decode-error.js';
export type { DecodedLogs, Rejections } from './rejections.js';
export type OtlpFormat = 'protobuf' | 'json';

function bytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  throw new OtlpDecodeError('protobuf body must be raw bytes');
}

export function decodeTraces(body: Uint8Array | unknown, format: OtlpFormat): { spans: NormalizedSpan[] } & Rejections {
  return format === 'protobuf' ? decodeTracesProtobuf(bytes(body)) : decodeTracesJson(body);
}

export function decodeLogs(body: Uint8Array | unknown, format: OtlpFormat, nowMs: number): DecodedLogs {
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

/**
 * What a decoder's failure means for the sender: the reason to answer with (400 over HTTP,
 * INVALID_ARGUMENT over gRPC), or undefined for a failure that is not about the message (rethrow).
 * The decoders read nothing but the message, so a TypeError or RangeError from them is still the
 * message's doing: it is answered as malformed too (OTLP senders drop a batch answered 500 /
 * INTERNAL without retrying), with `bug` set so the edge logs it as a decoder defect to fix.
 */
export function decodeFailure(err: unknown): { reason: string; bug: boolean } | undefined {
  if (err instanceof OtlpDecodeError) return { reason: err.message, bug: false };
  if (err instanceof TypeError || err instanceof RangeError) {
    return { reason: 'malformed OTLP request: a field has the wrong type or shape', bug: true };
  }
  return undefined;
}
