// Export*ServiceResponse bodies. An empty response means "all accepted"; partial_success is set
// only when items were rejected, as the OTLP spec asks.
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
  const inner: number[] = [0x08]; // field 1, wire type 0 (varint)
  pushVarint(inner, Math.floor(r.rejected));
  if (r.message) {
    const text = new TextEncoder().encode(r.message);
    inner.push(0x12); // field 2, wire type 2 (length-delimited)
    pushVarint(inner, text.length);
    for (const byte of text) inner.push(byte);
  }
  const out: number[] = [0x0a]; // field 1, wire type 2
  pushVarint(out, inner.length);
  return Uint8Array.from(out.concat(inner));
}

function pushVarint(out: number[], value: number): void {
  let v = value;
  // Division instead of >>> so values above 2^31 stay correct.
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}
