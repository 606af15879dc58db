// Export*ServiceResponse bodies. An empty response means "all accepted"; partial_success is set
// only when items were rejected, as the OTLP spec asks.
import { ProtoWriter } from '../../wire/proto-writer.js';
import type { Rejections } from './rejections.js';

export type OtlpSignal = 'traces' | 'logs' | 'metrics';

// Field 1 of ExportTracePartialSuccess / ExportLogsPartialSuccess / ExportMetricsPartialSuccess
// (opentelemetry-proto collector/*/v1/*_service.proto); field 2 is error_message in all three.
const REJECTED_FIELD: Record<OtlpSignal, string> = {
  traces: 'rejectedSpans',
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
};

/** JSON form: int64 as a decimal string, per the protobuf JSON mapping. */
export function responseJson(signal: OtlpSignal, r: Rejections): object {
  if (r.rejected <= 0) return {};
  const partialSuccess: Record<string, string> = { [REJECTED_FIELD[signal]]: String(r.rejected) };
  if (r.message) partialSuccess.errorMessage = r.message;
  return { partialSuccess };
}

/** Protobuf form: `partial_success` (field 1, message) { rejected_* (1, int64), error_message (2) }. */
export function responseProtobuf(r: Rejections): Uint8Array {
  if (r.rejected <= 0) return new Uint8Array(0);
  const inner = new ProtoWriter().uint(1, Math.floor(r.rejected));
  if (r.message) inner.string(2, r.message);
  return Uint8Array.from(new ProtoWriter().message(1, inner).finish());
}
