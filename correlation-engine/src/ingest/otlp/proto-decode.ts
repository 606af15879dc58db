// OTLP protobuf requests (opentelemetry-proto v1), decoded with ProtoReader. Field numbers below
// come from the published .proto files:
//   collector/{trace,logs,metrics}/v1/*_service.proto  Export*ServiceRequest: 1 resource_{spans,logs,metrics}
//   trace/v1/trace.proto  ResourceSpans: 1 resource, 2 scope_spans | ScopeSpans: 1 scope, 2 spans
//     Span: 1 trace_id, 2 span_id, 3 trace_state, 4 parent_span_id, 5 name, 6 kind, 7 start_time_unix_nano,
//     8 end_time_unix_nano, 9 attributes, 10-14 counts/events/links, 15 status, 16 flags
//     Status: 2 message, 3 code
//   logs/v1/logs.proto  ResourceLogs: 1 resource, 2 scope_logs | ScopeLogs: 1 scope, 2 log_records
//     LogRecord: 1 time_unix_nano, 2 severity_number, 3 severity_text, 5 body, 6 attributes,
//     7 dropped_attributes_count, 8 flags, 9 trace_id, 10 span_id, 11 observed_time_unix_nano, 12 event_name
//   metrics/v1/metrics.proto  ResourceMetrics: 1 resource, 2 scope_metrics | ScopeMetrics: 2 metrics
//     Metric: 5 gauge, 7 sum, 9 histogram, 10 exponential_histogram, 11 summary; each: 1 data_points
//   common/v1/common.proto  KeyValue: 1 key, 2 value | AnyValue: 1 string, 2 bool, 3 int, 4 double,
//     5 array, 6 kvlist, 7 bytes | ArrayValue/KeyValueList: 1 values
//   resource/v1/resource.proto  Resource: 1 attributes
// Unknown fields (events, links, scopes, schema urls, future additions) are skipped by wire type.

import { Buffer } from 'node:buffer';
import { BUSINESS_KEYS, type BusinessKey, type NormalizedLog, type NormalizedSpan, UNKNOWN_SERVICE } from '../../model/types.js';
import { OtlpDecodeError } from '../../wire/decode-error.js';
import { ProtoReader, WIRE_I64, WIRE_LEN, WIRE_VARINT } from '../../wire/proto-reader.js';
import { TRACE_ID_BYTES } from '../../wire/recurring-trace-ids.js';
import { LogBuilder } from '../normalize/normalize-builder.js';
import { toAttributeValue } from '../normalize/normalize-fields.js';
import { completeLog, finishLog, LogRecordFields, MAX_ANY_VALUE_DEPTH, ResourceInfo, SpanDraft } from './model.js';
import { type DecodedLogs, RejectionCounter, type Rejections } from './rejections.js';

// Every reader switches on the field number (literal cases compile to a jump table) and checks
// the wire type of a known field with `r.expect`: a known field with the wrong wire type is
// malformed input, not an unknown field to skip.

/**
 * Reads one AnyValue message into a JS value; undefined when no value field is set. With `keep`
 * false it only checks the value (wire types, lengths, nesting depth: what makes a message
 * malformed) and builds nothing: a value no one will read costs no strings, arrays or objects.
 */
function readAnyValue(r: ProtoReader, depth: number, keep = true): unknown {
  if (depth > MAX_ANY_VALUE_DEPTH) throw new OtlpDecodeError(`AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  const outer = r.enter();
  let value: unknown;
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, WIRE_LEN, 'AnyValue.string_value');
        if (keep) value = r.string();
        else r.skipLength();
        break;
      case 2:
        r.expect(tag, WIRE_VARINT, 'AnyValue.bool_value');
        value = r.bool();
        break;
      case 3:
        r.expect(tag, WIRE_VARINT, 'AnyValue.int_value');
        value = r.int64();
        break;
      case 4:
        r.expect(tag, WIRE_I64, 'AnyValue.double_value');
        value = r.double();
        break;
      case 5:
        r.expect(tag, WIRE_LEN, 'AnyValue.array_value');
        value = readArrayValue(r, depth, keep);
        break;
      case 6:
        r.expect(tag, WIRE_LEN, 'AnyValue.kvlist_value');
        value = readKeyValueList(r, depth, keep);
        break;
      case 7:
        r.expect(tag, WIRE_LEN, 'AnyValue.bytes_value');
        if (keep) value = r.base64();
        else r.skipLength();
        break;
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
  return keep ? value : undefined;
}

/** ArrayValue { repeated AnyValue values = 1 } -> array (nothing when not kept). */
function readArrayValue(r: ProtoReader, depth: number, keep: boolean): unknown[] | undefined {
  const items: unknown[] | undefined = keep ? [] : undefined;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag, WIRE_LEN, 'ArrayValue.values');
      const item = readAnyValue(r, depth + 1, keep);
      items?.push(item);
    } else r.skip(tag);
  }
  r.leave(outer);
  return items;
}

/** KeyValueList { repeated KeyValue values = 1 } -> plain object (nothing when not kept). */
function readKeyValueList(r: ProtoReader, depth: number, keep: boolean): Record<string, unknown> | undefined {
  const obj: Record<string, unknown> | undefined = keep ? {} : undefined;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag, WIRE_LEN, 'KeyValueList.values');
      const { key, value } = readKeyValue(r, depth + 1, keep);
      if (obj !== undefined && key !== '__proto__') obj[key] = value;
    } else r.skip(tag);
  }
  r.leave(outer);
  return obj;
}

/** What readKeyValue read; one object reused (read it before the next call), not a tuple per attribute. */
const keyValue: { key: string; value: unknown } = { key: '', value: undefined };

/** KeyValue { key = 1, value = 2 } -> `keyValue` (a kvlist value's own pairs are read before it is set). */
function readKeyValue(r: ProtoReader, depth: number, keep = true): typeof keyValue {
  const outer = r.enter();
  let key = '';
  let value: unknown;
  while (r.pos < r.limit) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1) {
      r.expect(tag, WIRE_LEN, 'KeyValue.key');
      if (keep) key = r.recurringString();
      else r.skipLength();
    } else if (field === 2) {
      r.expect(tag, WIRE_LEN, 'KeyValue.value');
      value = readAnyValue(r, depth, keep);
    } else r.skip(tag);
  }
  r.leave(outer);
  keyValue.key = key;
  keyValue.value = value;
  return keyValue;
}

/** Business keys as bytes, to know a span attribute's key without decoding it (all ASCII). */
const BUSINESS_KEY_BYTES: readonly Uint8Array[] = BUSINESS_KEYS.map((k) => Buffer.from(k, 'latin1'));

/** The business key spelled by `buf[start, end)`, or undefined. */
function businessKeyAt(buf: Uint8Array, start: number, end: number): BusinessKey | undefined {
  const n = end - start;
  for (let k = 0; k < BUSINESS_KEY_BYTES.length; k++) {
    const name = BUSINESS_KEY_BYTES[k] as Uint8Array;
    if (name.length !== n) continue;
    let i = 0;
    while (i < n && buf[start + i] === name[i]) i++;
    if (i === n) return BUSINESS_KEYS[k];
  }
  return undefined;
}

/**
 * One span attribute. Only business keys are kept: the correlator reads nothing else of a span's
 * attributes and the engine exports no spans (they reach Tempo through the gateway), so other
 * values are checked as readAnyValue checks them and not decoded. A value that arrives before its
 * key (the wire allows either order) is checked, and read again once the key says to keep it.
 */
function readSpanAttribute(r: ProtoReader, d: SpanDraft): void {
  const outer = r.enter();
  let key: BusinessKey | undefined;
  let value: unknown;
  let valueAt = -1;
  while (r.pos < r.limit) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1) {
      r.expect(tag, WIRE_LEN, 'KeyValue.key');
      const start = r.bytesStart();
      key = businessKeyAt(r.buffer, start, r.pos);
    } else if (field === 2) {
      r.expect(tag, WIRE_LEN, 'KeyValue.value');
      valueAt = r.pos;
      value = readAnyValue(r, 0, key !== undefined);
    } else r.skip(tag);
  }
  if (key !== undefined && valueAt >= 0 && value === undefined) {
    const end = r.pos;
    r.pos = valueAt;
    value = readAnyValue(r, 0);
    r.pos = end;
  }
  r.leave(outer);
  if (key !== undefined && value !== undefined) d.businessKey(key, value);
}

function readResource(r: ProtoReader, info: ResourceInfo): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag, WIRE_LEN, 'Resource.attributes');
      const { key, value } = readKeyValue(r, 0);
      if (value !== undefined) info.attribute(key, value);
    } else r.skip(tag);
  }
  r.leave(outer);
}

/**
 * Where an item sits in the request. One mutable instance per request: the text path is only
 * built when an item is rejected, not for every span/log record.
 */
class ItemPosition {
  resource = 0;
  scope = 0;
  item = 0;
  private readonly names: { resource: string; scope: string; item: string };

  // A plain field, not a constructor parameter property: Node's type stripping rejects those.
  constructor(names: { resource: string; scope: string; item: string }) {
    this.names = names;
  }

  path(): string {
    const n = this.names;
    return `${n.resource}[${this.resource}].${n.scope}[${this.scope}].${n.item}[${this.item}]`;
  }
}

/**
 * Walks Export*ServiceRequest -> Resource* -> Scope* and calls `item` for each item field
 * (span / log record / metric) with its position; `done` runs once per resource after all its
 * items, when the resource (which may follow the items on the wire) is known.
 */
function walk(
  body: Uint8Array,
  names: { resource: string; scope: string; item: string },
  onResource: (resource: ResourceInfo) => { item: (r: ProtoReader, where: ItemPosition) => void; done: () => void },
): void {
  const r = new ProtoReader(body);
  const position = new ItemPosition(names);
  let ri = 0;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag >>> 3 !== 1) {
      r.skip(tag);
      continue;
    }
    r.expect(tag, WIRE_LEN, names.resource);
    const resource = new ResourceInfo();
    const handler = onResource(resource);
    position.resource = ri++;
    const outerR = r.enter();
    let si = 0;
    while (r.pos < r.limit) {
      const rTag = r.tag();
      const rField = rTag >>> 3;
      if (rField === 1) {
        r.expect(rTag, WIRE_LEN, 'resource');
        readResource(r, resource);
      } else if (rField === 2) {
        r.expect(rTag, WIRE_LEN, names.scope);
        position.scope = si++;
        const outerS = r.enter();
        let ii = 0;
        while (r.pos < r.limit) {
          const sTag = r.tag();
          if (sTag >>> 3 === 2) {
            r.expect(sTag, WIRE_LEN, names.item);
            position.item = ii++;
            handler.item(r, position);
          } else {
            r.skip(sTag);
          }
        }
        r.leave(outerS);
      } else {
        r.skip(rTag);
      }
    }
    r.leave(outerR);
    handler.done();
  }
}

/** An id bytes field: 0 bytes = absent, all-zero = absent, wrong length = false (invalid). */
function readId(r: ProtoReader, length: number): string | undefined | false {
  const start = r.bytesStart();
  const end = r.pos;
  if (end === start) return undefined;
  if (end - start !== length) return false;
  return length === TRACE_ID_BYTES ? r.traceIdHex(start) : r.hexId(start, end);
}

function readSpan(r: ProtoReader): SpanDraft {
  const d = new SpanDraft();
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1: {
        r.expect(tag, WIRE_LEN, 'Span.trace_id');
        const id = readId(r, 16);
        if (id === false) d.invalid = 'trace id must be 16 bytes';
        else d.traceId = id;
        break;
      }
      case 2: {
        r.expect(tag, WIRE_LEN, 'Span.span_id');
        const id = readId(r, 8);
        if (id === false) d.invalid = 'span id must be 8 bytes';
        else d.spanId = id;
        break;
      }
      case 4: {
        r.expect(tag, WIRE_LEN, 'Span.parent_span_id');
        const id = readId(r, 8);
        if (id === false) d.invalid = 'parent span id must be 8 bytes';
        else d.parentSpanId = id;
        break;
      }
      case 5:
        r.expect(tag, WIRE_LEN, 'Span.name');
        d.name = r.string();
        break;
      case 6:
        r.expect(tag, WIRE_VARINT, 'Span.kind');
        d.kind = r.varint();
        break;
      case 7:
        r.expect(tag, WIRE_I64, 'Span.start_time_unix_nano');
        d.startMs = r.fixed64Millis();
        break;
      case 8:
        r.expect(tag, WIRE_I64, 'Span.end_time_unix_nano');
        d.endMs = r.fixed64Millis();
        break;
      case 9: {
        r.expect(tag, WIRE_LEN, 'Span.attributes');
        readSpanAttribute(r, d);
        break;
      }
      case 15:
        r.expect(tag, WIRE_LEN, 'Span.status');
        readStatus(r, d);
        break;
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
  return d;
}

function readStatus(r: ProtoReader, d: SpanDraft): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 2) {
      r.expect(tag, WIRE_LEN, 'Status.message');
      const message = r.string();
      if (message.length > 0) d.statusMessage = message;
    } else if (field === 3) {
      r.expect(tag, WIRE_VARINT, 'Status.code');
      d.statusCode = r.varint();
    } else r.skip(tag);
  }
  r.leave(outer);
}

export function decodeTracesProtobuf(body: Uint8Array): { spans: NormalizedSpan[] } & Rejections {
  const spans: NormalizedSpan[] = [];
  const rejections = new RejectionCounter();
  walk(body, { resource: 'resource_spans', scope: 'scope_spans', item: 'spans' }, (resource) => {
    const drafts: SpanDraft[] = [];
    return {
      item: (r, where) => {
        const d = readSpan(r);
        const problem = d.problem();
        if (problem === undefined) drafts.push(d);
        else rejections.reject(where.path(), problem);
      },
      done: () => {
        for (const d of drafts) spans.push(d.toSpan(resource));
      },
    };
  });
  return { spans, ...rejections.result('spans') };
}

function readLogRecord(r: ProtoReader, b: LogBuilder, f: LogRecordFields): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag, WIRE_I64, 'LogRecord.time_unix_nano');
        f.timeMs = r.fixed64Millis();
        break;
      case 2:
        r.expect(tag, WIRE_VARINT, 'LogRecord.severity_number');
        f.severityNumber = r.varint();
        break;
      case 3:
        r.expect(tag, WIRE_LEN, 'LogRecord.severity_text');
        f.severityText = r.recurringString();
        break;
      case 5:
        r.expect(tag, WIRE_LEN, 'LogRecord.body');
        f.body = readAnyValue(r, 0);
        break;
      case 6: {
        r.expect(tag, WIRE_LEN, 'LogRecord.attributes');
        const { key, value } = readKeyValue(r, 0);
        const v = toAttributeValue(value);
        if (v !== undefined) b.field(key, v, true);
        break;
      }
      case 9: {
        r.expect(tag, WIRE_LEN, 'LogRecord.trace_id');
        const id = readId(r, 16);
        if (id === false) f.invalid = 'trace id must be 16 bytes';
        else f.traceId = id;
        break;
      }
      case 10: {
        r.expect(tag, WIRE_LEN, 'LogRecord.span_id');
        const id = readId(r, 8);
        if (id === false) f.invalid = 'span id must be 8 bytes';
        else f.spanId = id;
        break;
      }
      case 11:
        r.expect(tag, WIRE_I64, 'LogRecord.observed_time_unix_nano');
        // Read only when it may be used: completeLog takes the observed time when the record has
        // no time of its own, and time_unix_nano (field 1) comes first in a serializer's output.
        if (f.timeMs > 0) r.skip(tag);
        else f.observedMs = r.fixed64Millis();
        break;
      case 12: {
        r.expect(tag, WIRE_LEN, 'LogRecord.event_name');
        const name = r.string();
        if (name.length > 0) b.attribute('event.name', name, true);
        break;
      }
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
}

export function decodeLogsProtobuf(body: Uint8Array, nowMs: number): DecodedLogs {
  const logs: NormalizedLog[] = [];
  const dropped: number[] = [];
  let ordinal = 0;
  const rejections = new RejectionCounter();
  // Read afresh for each record; completeLog keeps none of it (the builder holds what stays).
  const fields = new LogRecordFields();
  walk(body, { resource: 'resource_logs', scope: 'scope_logs', item: 'log_records' }, (resource) => {
    const builders: LogBuilder[] = [];
    return {
      item: (r, where) => {
        const at = ordinal++;
        const b = new LogBuilder();
        const f = fields.reset();
        readLogRecord(r, b, f);
        if (f.invalid !== undefined) {
          dropped.push(at);
          return rejections.reject(where.path(), f.invalid);
        }
        completeLog(b, f, nowMs);
        builders.push(b);
      },
      done: () => {
        for (const b of builders) logs.push(finishLog(b, resource, nowMs));
      },
    };
  });
  return { logs, dropped, ...rejections.result('log records') };
}

// Metric fields holding data (gauge 5, sum 7, histogram 9, exponential_histogram 10, summary 11):
// each is a message whose field 1 is the repeated data_points.
function isMetricData(field: number): boolean {
  return field === 5 || field === 7 || field === 9 || field === 10 || field === 11;
}

function countDataPoints(r: ProtoReader): number {
  let count = 0;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (isMetricData(tag >>> 3)) {
      r.expect(tag, WIRE_LEN, `Metric field ${tag >>> 3}`);
      const inner = r.enter();
      while (r.pos < r.limit) {
        const t = r.tag();
        if (t >>> 3 === 1) {
          r.expect(t, WIRE_LEN, 'data_points');
          count++;
        }
        r.skip(t);
      }
      r.leave(inner);
    } else {
      r.skip(tag);
    }
  }
  r.leave(outer);
  return count;
}

export function decodeMetricsProtobuf(body: Uint8Array): { dataPoints: number; services: string[] } & Rejections {
  let dataPoints = 0;
  const services = new Set<string>();
  walk(body, { resource: 'resource_metrics', scope: 'scope_metrics', item: 'metrics' }, (resource) => ({
    item: (r) => {
      dataPoints += countDataPoints(r);
    },
    done: () => {
      services.add(resource.service ?? UNKNOWN_SERVICE);
    },
  }));
  return { dataPoints, services: [...services], rejected: 0 };
}
