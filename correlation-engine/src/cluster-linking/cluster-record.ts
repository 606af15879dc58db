// The records replicas send each other through the gateway behind the scale overlay
// (docs/scaling.md "Linking across replicas"), and how they travel: as OTLP log records marked
// with the attribute `obs.cluster` (their kind) and routed by `obs.route` (a key text or a trace
// id), the payload a JSON array in the body after a fixed prefix.
//
// Why the body and not attributes: a linked log carries its message whole (up to the
// normalizer's message cap), while attribute values are cut at 1 KiB. The prefix has a space
// before any `=` and the body ends with `]`, so the normalizer keeps the body as the message,
// verbatim, whatever the log's own message looks like.
import {
  type BusinessKey,
  LINKING_KEYS,
  type LogSummary,
  type NormalizedLog,
  type RelatedTrace,
  SEVERITIES,
  type Severity,
} from '../model/types.js';

/** Marks a cluster record; its value is the kind. */
export const CLUSTER_ATTRIBUTE = 'obs.cluster';
/** The gateway's load_balancing exporter routes on it (gateway/otel-config.scale.yaml). */
export const ROUTE_ATTRIBUTE = 'obs.route';
const BODY_PREFIX = 'obs.cluster.v1 ';

/** A trace-less log as the key owner needs it: what a window lists, without the link. */
export type LinkableLog = Omit<LogSummary, 'linkedBy'>;

export type ClusterRecord =
  /** A window first carries a linking value: to the value's owner. */
  | { kind: 'sighting'; traceId: string; key: BusinessKey; value: string }
  /** A trace-less log carrying the value: to the value's owner, which joins it to the value's windows. */
  | { kind: 'probe'; key: BusinessKey; value: string; log: LinkableLog }
  /** The owner joined a trace-less log to a window: to the window's replica (routed by trace id). */
  | { kind: 'link'; traceId: string; log: LogSummary & { linkedBy: { key: BusinessKey; value: string } } }
  /** The owner found another window of a value the window carries: to the window's replica. */
  | { kind: 'related'; traceId: string; related: RelatedTrace };

export type ClusterKind = ClusterRecord['kind'];
export const CLUSTER_KINDS: readonly ClusterKind[] = ['sighting', 'probe', 'link', 'related'];

/** The text the load balancer hashes: a key's owner for key-routed kinds, the trace's replica for the others. */
export function routeOf(r: ClusterRecord): string {
  switch (r.kind) {
    case 'sighting':
    case 'probe':
      return keyRoute(r.key, r.value);
    case 'link':
    case 'related':
      return r.traceId;
  }
}

/** `circuit_id=<value>`: the same text the overlay writes for a trace-less log carrying that key as an attribute. */
export function keyRoute(key: BusinessKey, value: string): string {
  return `${key}=${value}`;
}

function payload(r: ClusterRecord): unknown[] {
  switch (r.kind) {
    case 'sighting':
      return [r.traceId, r.key, r.value];
    case 'probe':
      return [r.key, r.value, ...logFields(r.log)];
    case 'link':
      return [r.traceId, r.log.linkedBy.key, r.log.linkedBy.value, ...logFields(r.log)];
    case 'related':
      return [r.traceId, r.related.traceId, r.related.key, r.related.value];
  }
}

function logFields(log: LinkableLog): unknown[] {
  return [log.timeUnixMs, log.severity, log.service, log.message, log.spanId ?? null];
}

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** The OTLP/JSON log record carrying `r` (cluster-sender.ts batches them). */
export function encodeClusterRecord(r: ClusterRecord, nowMs: number): object {
  return {
    timeUnixNano: `${Math.floor(nowMs)}000000`,
    attributes: [str(CLUSTER_ATTRIBUTE, r.kind), str(ROUTE_ATTRIBUTE, routeOf(r))],
    body: { stringValue: BODY_PREFIX + JSON.stringify(payload(r)) },
  };
}

/** True when the normalized log is marked as a cluster record (one attribute lookup). */
export function isClusterRecord(log: NormalizedLog): boolean {
  return log.attributes[CLUSTER_ATTRIBUTE] !== undefined;
}

/** Thrown for a marked record this build cannot read; the caller counts it as undecodable. */
export class ClusterRecordError extends Error {
  override name = 'ClusterRecordError';
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** The record a marked log carries; throws ClusterRecordError when it is not one this build reads. */
export function decodeClusterRecord(log: NormalizedLog): ClusterRecord {
  const kind = log.attributes[CLUSTER_ATTRIBUTE];
  if (!log.message.startsWith(BODY_PREFIX)) throw new ClusterRecordError('body lacks the cluster prefix');
  let p: unknown;
  try {
    p = JSON.parse(log.message.slice(BODY_PREFIX.length));
  } catch {
    throw new ClusterRecordError('body is not JSON (cut by the message cap?)');
  }
  if (!Array.isArray(p)) throw new ClusterRecordError('payload is not an array');
  switch (kind) {
    case 'sighting':
      return { kind, traceId: traceId(p[0]), key: linkingKey(p[1]), value: text(p[2]) };
    case 'probe':
      return { kind, key: linkingKey(p[0]), value: text(p[1]), log: linkable(p, 2) };
    case 'link':
      return { kind, traceId: traceId(p[0]), log: { ...linkable(p, 3), linkedBy: { key: linkingKey(p[1]), value: text(p[2]) } } };
    case 'related':
      return { kind, traceId: traceId(p[0]), related: { traceId: traceId(p[1]), key: linkingKey(p[2]), value: text(p[3]) } };
    default:
      throw new ClusterRecordError(`unknown cluster record kind ${JSON.stringify(kind)}`);
  }
}

function linkable(p: unknown[], at: number): LinkableLog {
  const [time, severity, service, message, spanId] = p.slice(at);
  if (typeof time !== 'number' || !Number.isFinite(time)) throw new ClusterRecordError('log time is not a number');
  if (!(SEVERITIES as readonly unknown[]).includes(severity)) throw new ClusterRecordError('log severity is unknown');
  const log: LinkableLog = { timeUnixMs: time, severity: severity as Severity, service: text(service), message: text(message, true) };
  if (spanId !== null) {
    if (typeof spanId !== 'string' || !SPAN_ID.test(spanId)) throw new ClusterRecordError('span id is not 16 hex digits');
    log.spanId = spanId;
  }
  return log;
}

function traceId(v: unknown): string {
  if (typeof v !== 'string' || !TRACE_ID.test(v)) throw new ClusterRecordError('trace id is not 32 hex digits');
  return v;
}

function linkingKey(v: unknown): BusinessKey {
  if (!(LINKING_KEYS as readonly unknown[]).includes(v)) throw new ClusterRecordError('not a linking key');
  return v as BusinessKey;
}

function text(v: unknown, emptyOk = false): string {
  if (typeof v !== 'string' || (!emptyOk && v.length === 0)) throw new ClusterRecordError('expected a non-empty string');
  return v;
}
