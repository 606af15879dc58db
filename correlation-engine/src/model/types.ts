// The shapes that flow through the engine: ingest routes produce NormalizedLog / NormalizedSpan,
// the correlator consumes them and produces CorrelationEvent, exporters ship logs and events.
// These are contracts between modules (and, for CorrelationEvent, with API clients): change
// them deliberately.

import type { BusinessKey } from '@obs/shared-constants';

export { BUSINESS_KEYS, type BusinessKey, LINKING_KEYS } from '@obs/shared-constants';
export type BusinessKeys = Partial<Record<BusinessKey, string>>;

/** Severity names, lowest first. The index is the rank used for "highest severity". */
export const SEVERITIES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type LogFormat = 'json' | 'rfc5424' | 'rfc3164' | 'blueplanet' | 'keyvalue' | 'plain';
export type Signal = 'logs' | 'traces' | 'metrics';

export type AttributeValue = string | number | boolean;

export interface NormalizedLog {
  /** Event time in Unix milliseconds (fraction carries micro/nanoseconds when known). */
  timeUnixMs: number;
  severity: Severity;
  service: string;
  env?: string;
  host?: string;
  message: string;
  /** 32 lowercase hex chars; absent when the record carries no trace context. */
  traceId?: string;
  /** 16 lowercase hex chars. */
  spanId?: string;
  keys: BusinessKeys;
  /** Everything else worth keeping (labels, parsed key=value pairs, logger, thread...). */
  attributes: Record<string, AttributeValue>;
  /** Which parser recognised the message. */
  format: LogFormat;
  /** How it arrived. */
  source: 'api' | 'otlp';
}

/** The service of a record that names none (OTLP resources without `service.name`). */
export const UNKNOWN_SERVICE = 'unknown_service';

/**
 * An OTLP logs export request as it arrived (the decompressed protobuf bytes, or the parsed JSON
 * object), kept so that a backend taking OTLP can be sent the request itself rather than the
 * records re-encoded. `dropped` lists, ascending, the wire ordinals (position among all the
 * request's log records, in order) of the records the engine did not accept.
 */
export interface ReceivedOtlpLogs {
  format: 'protobuf' | 'json';
  body: Uint8Array | unknown;
  dropped: readonly number[];
}

export type SpanStatus = 'UNSET' | 'OK' | 'ERROR';

export interface NormalizedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  env?: string;
  /** OTLP SpanKind number (0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  kind: number;
  startUnixMs: number;
  endUnixMs: number;
  status: SpanStatus;
  statusMessage?: string;
  /** Its business keys: the only attributes the engine keeps of a span (the correlator reads no others). */
  keys: BusinessKeys;
}

export interface SpanSummary {
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  startUnixMs: number;
  durationMs: number;
  status: SpanStatus;
  /** The span's business keys, when it carried any. */
  keys?: BusinessKeys;
}

export interface LogSummary {
  timeUnixMs: number;
  severity: Severity;
  service: string;
  message: string;
  spanId?: string;
  /** Present when the log carried no trace_id and joined this window through a business key. */
  linkedBy?: { key: BusinessKey; value: string };
}

export interface RelatedTrace {
  traceId: string;
  key: BusinessKey;
  value: string;
}

/** Emitted once per closed window. Stable JSON shape served by GET /api/correlations. */
export interface CorrelationEvent {
  /** Unique per event: `${instance}:${traceId}:${windowStartMs}`. */
  id: string;
  /** Engine instance that produced it (several replicas may run behind a trace-keyed balancer). */
  instance: string;
  traceId: string;
  windowStart: string;
  windowEnd: string;
  /** True when an earlier window for this trace had already closed. */
  continuation: boolean;
  services: string[];
  spanCount: number;
  logCount: number;
  /** Trace-less logs that joined through a business key (subset of logCount). */
  linkedLogCount: number;
  errorCount: number;
  highestSeverity: Severity | null;
  /** Every business-key value seen in the window, per key. */
  keys: Partial<Record<BusinessKey, string[]>>;
  rootSpan: { spanId: string; name: string; service: string; durationMs: number } | null;
  relatedTraces: RelatedTrace[];
  /** Bounded detail for UIs; `capped` says when some was left out. */
  detail: { spans: SpanSummary[]; logs: LogSummary[]; spansCapped: boolean; logsCapped: boolean };
}

/**
 * A window still open, as the query routes and the live stream show it: the event its close
 * would emit so far (windowEnd = when it was read, no related traces yet: those are found at
 * close), marked open, with the time it is due to close.
 */
export interface OpenCorrelationEvent extends CorrelationEvent {
  state: 'open';
  closesAt: string;
}
