// Collects what the parsers find in one record, then builds the NormalizedLog. Every parser
// (text formats, JSON, OTLP) feeds the same builder, so "which field is a business key, which is
// a trace id, how many attributes we keep" is decided in one place.
import { normalizeSpanId, normalizeTraceId, parseTraceparent } from '../../model/ids.js';
import type { AttributeValue, BusinessKey, BusinessKeys, LogFormat, NormalizedLog, Severity } from '../../model/types.js';
import { ownCopy, ownPrefix } from './normalize-flat.js';

/** Attribute bounds: a record is one log line, not a document store. */
export const MAX_ATTRIBUTES = 32;
export const MAX_ATTRIBUTE_KEY_LENGTH = 128;
export const MAX_ATTRIBUTE_VALUE_LENGTH = 1024;
/** Longer values are not ids; they are dropped rather than truncated into wrong joins. */
export const MAX_BUSINESS_KEY_LENGTH = 256;
/** Messages above this are cut (Loki's default line limit is 256 KB; the engine keeps less). */
export const MAX_MESSAGE_LENGTH = 32_768;
/** Service, host and environment names above this are dropped (they name things, they are not text). */
export const MAX_NAME_LENGTH = 256;

/** Defaults applied where a record does not say (see normalizer.ts LogDefaults). */
export interface BuilderDefaults {
  service: string;
  env?: string | undefined;
  host?: string | undefined;
  nowMs: number;
}

// Plain number constants, not a TS enum: Node's type stripping (used by `pnpm dev`) rejects enums.
const BUSINESS_KEY = 1;
const TRACE_ID = 2;
const SPAN_ID = 3;
const TRACEPARENT = 4;
const ROUTING = 5;

/**
 * The attribute the gateway's scale overlay (gateway/otel-config.scale.yaml) writes so that its
 * load balancer sends a trace's spans and logs to one engine: routing, not data, so never kept.
 */
export const ROUTING_ATTRIBUTE = 'obs.route';

// One map lookup routes a field name. Several spellings of the trace fields are common:
// `trace_id` (pino, our apps), `traceId` (OTLP JSON habit), `traceid` (log4j MDC).
const FIELD_KINDS = new Map<string, number>([
  ['circuit_id', BUSINESS_KEY],
  ['product_id', BUSINESS_KEY],
  ['resource_id', BUSINESS_KEY],
  ['resource_type_id', BUSINESS_KEY],
  ['request_id', BUSINESS_KEY],
  ['trace_id', TRACE_ID],
  ['traceId', TRACE_ID],
  ['traceid', TRACE_ID],
  ['span_id', SPAN_ID],
  ['spanId', SPAN_ID],
  ['spanid', SPAN_ID],
  ['traceparent', TRACEPARENT],
  [ROUTING_ATTRIBUTE, ROUTING],
]);
/** The field names routed above (the scanners match them in place, see normalize-fields.ts keyAt). */
export const FIELD_NAMES: readonly string[] = [...FIELD_KINDS.keys()];

export class LogBuilder {
  // All fields are initialised in the constructor so every builder has the same hidden class.
  timeMs: number | undefined = undefined;
  severity: Severity | undefined = undefined;
  service: string | undefined = undefined;
  host: string | undefined = undefined;
  message: string | undefined = undefined;
  traceId: string | undefined = undefined;
  spanId: string | undefined = undefined;
  keys: BusinessKeys = {};
  attributes: Record<string, AttributeValue> = {};
  attributeCount = 0;
  format: LogFormat = 'plain';
  /** Key=value pairs found in free text (decides the 'keyvalue' format). */
  pairCount = 0;
  /** Set when the record's text is long: what is kept of it must not share its memory (normalize-flat.ts). */
  copyKept = false;

  /** `s` as it may be kept: an own copy when it may be cut from a long text. */
  private keep(s: string): string {
    return this.copyKept ? ownCopy(s) : s;
  }

  /**
   * Routes one field. Without `override` the first value found wins (header before body, explicit
   * JSON fields before text scanned from the message); with it the value replaces (explicit
   * record/OTLP fields over parsed ones).
   */
  field(key: string, value: AttributeValue, override: boolean): void {
    const kind = FIELD_KINDS.get(key);
    if (kind === undefined) {
      this.attribute(key, value, override);
      return;
    }
    const text = typeof value === 'string' ? value : String(value);
    switch (kind) {
      case BUSINESS_KEY:
        this.businessKey(key as BusinessKey, text, override);
        return;
      case TRACE_ID: {
        const id = normalizeTraceId(text);
        if (id === undefined) this.attribute(key, value, override);
        else if (override || this.traceId === undefined) this.traceId = this.keep(id);
        return;
      }
      case SPAN_ID: {
        const id = normalizeSpanId(text);
        if (id === undefined) this.attribute(key, value, override);
        else if (override || this.spanId === undefined) this.spanId = this.keep(id);
        return;
      }
      case TRACEPARENT: {
        const tp = parseTraceparent(text);
        // An invalid traceparent is kept visible as an attribute instead of vanishing.
        if (tp === undefined) {
          this.attribute(key, value, override);
        } else if (override || this.traceId === undefined) {
          this.traceId = this.keep(tp.traceId);
          this.spanId = this.keep(tp.spanId);
        }
        return;
      }
      case ROUTING:
        return;
    }
  }

  businessKey(key: BusinessKey, value: string, override: boolean): void {
    if (value.length === 0 || value.length > MAX_BUSINESS_KEY_LENGTH) return;
    if (override || this.keys[key] === undefined) this.keys[key] = this.keep(value);
  }

  /** Bounded attribute set: at most MAX_ATTRIBUTES keys, long keys dropped, long values cut. */
  attribute(key: string, value: AttributeValue, override: boolean): void {
    if (key.length === 0 || key.length > MAX_ATTRIBUTE_KEY_LENGTH || key === '__proto__') return;
    const v =
      typeof value !== 'string'
        ? value
        : value.length > MAX_ATTRIBUTE_VALUE_LENGTH
          ? ownPrefix(value, MAX_ATTRIBUTE_VALUE_LENGTH)
          : this.keep(value);
    if (Object.hasOwn(this.attributes, key)) {
      if (override) this.attributes[key] = v;
      return;
    }
    if (this.attributeCount >= MAX_ATTRIBUTES) return;
    // No copy of the key: V8 stores property names as internalized strings of their own.
    this.attributes[key] = v;
    this.attributeCount++;
  }

  setTime(ms: number | undefined, override: boolean): void {
    if (ms !== undefined && Number.isFinite(ms) && (override || this.timeMs === undefined)) this.timeMs = ms;
  }

  setSeverity(s: Severity | undefined, override: boolean): void {
    if (s !== undefined && (override || this.severity === undefined)) this.severity = s;
  }

  setService(s: unknown, override: boolean): void {
    if (typeof s === 'string' && s.length > 0 && s.length <= MAX_NAME_LENGTH && (override || this.service === undefined)) {
      this.service = this.keep(s);
    }
  }

  setHost(h: unknown, override: boolean): void {
    if (typeof h === 'string' && h.length > 0 && h.length <= MAX_NAME_LENGTH && (override || this.host === undefined)) {
      this.host = this.keep(h);
    }
  }

  /**
   * Explicit trace context (record fields, OTLP ids) over what the text said. A span id parsed from
   * the text belongs to the parsed trace, so it is dropped when the explicit trace differs.
   */
  setTraceContext(traceId: string | undefined, spanId: string | undefined): void {
    if (traceId !== undefined) {
      if (traceId !== this.traceId) this.spanId = undefined;
      this.traceId = traceId;
    }
    if (spanId !== undefined) this.spanId = spanId;
  }

  setMessage(m: string, override: boolean): void {
    if (override || this.message === undefined) this.message = m;
  }

  build(defaults: BuilderDefaults, source: NormalizedLog['source']): NormalizedLog {
    return this.buildWith(defaults.service, defaults.env, defaults.host, defaults.nowMs, source);
  }

  /** build() with the defaults as arguments: the API path saves a defaults object per record. */
  buildWith(
    service: string,
    env: string | undefined,
    host: string | undefined,
    nowMs: number,
    source: NormalizedLog['source'],
  ): NormalizedLog {
    const whole = this.message ?? '';
    const message = whole.length > MAX_MESSAGE_LENGTH ? ownPrefix(whole, MAX_MESSAGE_LENGTH) : this.keep(whole);
    if (message.length < whole.length) this.attribute('message_truncated', true, true);
    // Every property is always present (possibly undefined): one object shape for the whole
    // pipeline keeps the correlator's property accesses monomorphic.
    return {
      timeUnixMs: this.timeMs ?? nowMs,
      severity: this.severity ?? 'INFO',
      service: this.service ?? service,
      env,
      host: this.host ?? host,
      message,
      traceId: this.traceId,
      spanId: this.spanId,
      keys: this.keys,
      attributes: this.attributes,
      format: this.format,
      source,
    };
  }
}
