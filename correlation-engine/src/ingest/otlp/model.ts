// What the protobuf and JSON decoders have in common: resource info, span drafts, and how a
// decoded log record becomes a NormalizedLog. Both decoders feed values (AnyValue already turned
// into JS: string | number | boolean | array | object) into these, so the mapping rules live once.

import {
  BUSINESS_KEYS,
  type BusinessKey,
  type BusinessKeys,
  type NormalizedLog,
  type NormalizedSpan,
  type SpanStatus,
  UNKNOWN_SERVICE,
} from '../../model/types.js';
import { type LogBuilder, MAX_BUSINESS_KEY_LENGTH, MAX_NAME_LENGTH } from '../normalize/normalize-builder.js';
import { applyObject, scanKeyValues, toAttributeValue } from '../normalize/normalize-fields.js';
import { capped } from '../normalize/normalize-flat.js';
import { severityFromOtlpNumber, severityFromWord } from '../normalize/normalize-severity.js';
import { parseLineInto } from '../normalize/normalizer.js';
import { names } from './intern.js';

/** Span names and status messages are cut here: an open window keeps its root span's name. */
export const MAX_SPAN_TEXT_LENGTH = 1024;
/** AnyValue arrays/kvlists may nest; deeper than this is refused (stack and CPU guard). */
export const MAX_ANY_VALUE_DEPTH = 16;

const BUSINESS_KEY_SET: ReadonlySet<string> = new Set(BUSINESS_KEYS);

/** A business-key value from an attribute: strings and integers count, other types do not. */
function businessKeyValue(value: unknown): string | undefined {
  const s = typeof value === 'string' ? value : typeof value === 'number' && Number.isInteger(value) ? String(value) : undefined;
  return s !== undefined && s.length > 0 && s.length <= MAX_BUSINESS_KEY_LENGTH ? s : undefined;
}

/** A resource name (service, environment, host): a non-empty string up to MAX_NAME_LENGTH, else undefined. */
function nameValue(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME_LENGTH ? value : undefined;
}

/** The parts of an OTLP Resource the engine uses. */
export class ResourceInfo {
  service: string | undefined = undefined;
  env: string | undefined = undefined;
  host: string | undefined = undefined;
  keys: BusinessKeys = {};

  attribute(key: string, value: unknown): void {
    switch (key) {
      case 'service.name': {
        // Interned: open windows keep it (see intern.ts).
        const name = nameValue(value);
        if (name !== undefined) this.service = names.intern(name);
        return;
      }
      // The semantic conventions renamed deployment.environment to deployment.environment.name;
      // senders use both. The new name wins.
      case 'deployment.environment.name':
        this.env = nameValue(value) ?? this.env;
        return;
      case 'deployment.environment':
        if (this.env === undefined) this.env = nameValue(value);
        return;
      case 'host.name':
        this.host = nameValue(value) ?? this.host;
        return;
    }
    if (BUSINESS_KEY_SET.has(key)) {
      const v = businessKeyValue(value);
      if (v !== undefined) this.keys[key as BusinessKey] = v;
    }
  }
}

/** A span while its fields are being read; `toSpan` validates and applies the resource. */
export class SpanDraft {
  traceId: string | undefined = undefined;
  spanId: string | undefined = undefined;
  parentSpanId: string | undefined = undefined;
  /** Set by the decoder when an id is present but malformed. */
  invalid: string | undefined = undefined;
  name = '';
  kind = 0;
  startMs = 0;
  endMs = 0;
  statusCode = 0;
  statusMessage: string | undefined = undefined;
  keys: BusinessKeys = {};

  /**
   * A span attribute: kept only when it is a business key. The correlator reads nothing else of a
   * span's attributes and the engine exports no spans (they reach Tempo through the gateway).
   */
  attribute(key: string, value: unknown): void {
    if (BUSINESS_KEY_SET.has(key)) this.businessKey(key as BusinessKey, value);
  }

  /** A business-key attribute (strings and integers count, see businessKeyValue). */
  businessKey(key: BusinessKey, value: unknown): void {
    const v = businessKeyValue(value);
    if (v !== undefined) this.keys[key] = v;
  }

  /** Why the span cannot be kept, or undefined when it is valid. */
  problem(): string | undefined {
    if (this.invalid !== undefined) return this.invalid;
    if (this.traceId === undefined) return 'missing or invalid trace id';
    if (this.spanId === undefined) return 'missing or invalid span id';
    return undefined;
  }

  toSpan(resource: ResourceInfo): NormalizedSpan {
    const keys = this.keys;
    // Span attributes win; resource attributes fill the gaps (e.g. a service-wide product_id).
    for (const k in resource.keys) {
      const key = k as BusinessKey;
      if (keys[key] === undefined) keys[key] = resource.keys[key];
    }
    return {
      traceId: this.traceId as string,
      spanId: this.spanId as string,
      parentSpanId: this.parentSpanId,
      // Interned: an open window keeps its root span's name (see intern.ts).
      name: names.intern(capped(this.name, MAX_SPAN_TEXT_LENGTH)),
      service: resource.service ?? UNKNOWN_SERVICE,
      env: resource.env,
      kind: this.kind,
      startUnixMs: this.startMs,
      endUnixMs: this.endMs,
      status: spanStatus(this.statusCode),
      statusMessage: this.statusMessage === undefined ? undefined : capped(this.statusMessage, MAX_SPAN_TEXT_LENGTH),
      keys,
    };
  }
}

export function spanStatus(code: number): SpanStatus {
  return code === 2 ? 'ERROR' : code === 1 ? 'OK' : 'UNSET';
}

/**
 * The OTLP-level fields of one LogRecord, gathered by a decoder. Attributes go straight into the
 * LogBuilder (override: explicit OTLP attributes beat what the body says).
 */
export class LogRecordFields {
  timeMs = 0;
  observedMs = 0;
  severityNumber = 0;
  severityText: string | undefined = undefined;
  /** AnyValue as JS; undefined when absent. */
  body: unknown = undefined;
  traceId: string | undefined = undefined;
  spanId: string | undefined = undefined;
  invalid: string | undefined = undefined;

  /** As new: a request's decoder uses one for all its records (one object less per record). */
  reset(): this {
    this.timeMs = 0;
    this.observedMs = 0;
    this.severityNumber = 0;
    this.severityText = undefined;
    this.body = undefined;
    this.traceId = undefined;
    this.spanId = undefined;
    this.invalid = undefined;
    return this;
  }
}

/** Applies a LogRecord's body and OTLP fields to its builder (attributes were applied already). */
export function completeLog(b: LogBuilder, f: LogRecordFields, nowMs: number): void {
  // The record's own severity wins over anything its body says; set before the body is parsed (the
  // parsers never override), so a body parser does not look for a level word the record states.
  const severity = severityFromOtlpNumber(f.severityNumber) ?? (f.severityText ? severityFromWord(f.severityText) : undefined);
  b.setSeverity(severity, true);
  const body = f.body;
  if (typeof body === 'string') {
    // Alloy/otelcol.receiver.loki ship the raw file line as a string body: parse it like the API.
    parseLineInto(b, body, nowMs);
  } else if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    applyObject(b, body as Record<string, unknown>, false);
    b.format = 'json';
    // Business keys mentioned in the message text count, as for JSON lines.
    if (b.message !== undefined) scanKeyValues(b, b.message, false);
    else b.message = toAttributeValue(body) as string;
  } else if (body !== undefined) {
    b.message = String(toAttributeValue(body) ?? '');
  } else {
    b.message ??= '';
  }
  if (f.timeMs > 0) b.setTime(f.timeMs, true);
  else if (f.observedMs > 0) b.setTime(f.observedMs, false);
  b.setTraceContext(f.traceId, f.spanId);
}

/**
 * Service of an OTLP log: resource `service.name`, else a `service_name`/`service` label forwarded
 * by Loki-compatible shippers, else what the line itself said (syslog APP-NAME), else unknown.
 */
export function finishLog(b: LogBuilder, resource: ResourceInfo, nowMs: number): NormalizedLog {
  const label = b.attributes.service_name ?? b.attributes.service;
  const service = resource.service ?? (typeof label === 'string' && label.length > 0 ? label : undefined);
  if (service !== undefined) b.setService(service, true);
  for (const k in resource.keys) {
    const key = k as BusinessKey;
    if (b.keys[key] === undefined) b.keys[key] = resource.keys[key];
  }
  return b.buildWith(UNKNOWN_SERVICE, resource.env, resource.host, nowMs, 'otlp');
}
