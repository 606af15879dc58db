// Placeholder until the hand-written protobuf reader lands (same session, next commit).
import type { NormalizedLog, NormalizedSpan } from '../pipeline/types.js';
import { OtlpDecodeError } from './errors.js';
import type { Rejections } from './rejections.js';

function notYet(): never {
  throw new OtlpDecodeError('OTLP protobuf decoding is not implemented yet; send application/json');
}
export function decodeTracesProtobuf(_body: Uint8Array): { spans: NormalizedSpan[] } & Rejections {
  return notYet();
}
export function decodeLogsProtobuf(_body: Uint8Array, _nowMs: number): { logs: NormalizedLog[] } & Rejections {
  return notYet();
}
export function decodeMetricsProtobuf(_body: Uint8Array): { dataPoints: number; services: string[] } & Rejections {
  return notYet();
}
