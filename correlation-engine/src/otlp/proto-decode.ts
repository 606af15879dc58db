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
import { bytesToHexId } from '../pipeline/ids.js';
import { LogBuilder } from '../pipeline/normalize-builder.js';
import { toAttributeValue } from '../pipeline/normalize-fields.js';
import type { NormalizedLog, NormalizedSpan } from '../pipeline/types.js';
import { OtlpDecodeError } from './errors.js';
import { completeLog, finishLog, LogRecordFields, MAX_ANY_VALUE_DEPTH, ResourceInfo, SpanDraft, UNKNOWN_SERVICE } from './model.js';
import { ProtoReader, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './proto-reader.js';
import { RejectionCounter, type Rejections } from './rejections.js';

// Tags precomputed as (field << 3 | wire type), so the field switch compares one number.
const LEN = (field: number): number => (field << 3) | WIRE_LEN;
const VARINT = (field: number): number => (field << 3) | WIRE_VARINT;
const I64 = (field: number): number => (field << 3) | WIRE_I64;

/** Reads one AnyValue message into a JS value; undefined when no value field is set. */
function readAnyValue(r: ProtoReader, depth: number): unknown {
  if (depth > MAX_ANY_VALUE_DEPTH) throw new OtlpDecodeError(`AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  const outer = r.enter();
  let value: unknown;
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case LEN(1):
        value = r.string();
        break;
      case VARINT(2):
        value = r.bool();
        break;
      case VARINT(3):
        value = r.int64();
        break;
      case I64(4):
        value = r.double();
        break;
      case LEN(5): {
        const items: unknown[] = [];
        const inner = r.enter();
        while (r.pos < r.limit) {
          const t = r.tag();
          if (t === LEN(1)) items.push(readAnyValue(r, depth + 1));
          else r.skip(t);
        }
        r.leave(inner);
        value = items;
        break;
      }
      case LEN(6): {
        const obj: Record<string, unknown> = {};
        const inner = r.enter();
        while (r.pos < r.limit) {
          const t = r.tag();
          if (t === LEN(1)) {
            const [key, v] = readKeyValue(r, depth + 1);
            if (key !== '__proto__') obj[key] = v;
          } else r.skip(t);
        }
        r.leave(inner);
        value = obj;
        break;
      }
      case LEN(7):
        value = r.base64();
        break;
      default:
        checkKnown(r, tag, ANY_VALUE_WIRE_TYPES, 'AnyValue');
        r.skip(tag);
    }
  }
  r.leave(outer);
  return value;
}

function readKeyValue(r: ProtoReader, depth: number): [string, unknown] {
  const outer = r.enter();
  let key = '';
  let value: unknown;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === LEN(1)) key = r.string();
    else if (tag === LEN(2)) value = readAnyValue(r, depth);
    else {
      if (tag >>> 3 <= 2) r.expect(tag, WIRE_LEN, `KeyValue field ${tag >>> 3}`);
      r.skip(tag);
    }
  }
  r.leave(outer);
  return [key, value];
}

function readResource(r: ProtoReader, info: ResourceInfo): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === LEN(1)) {
      const [key, value] = readKeyValue(r, 0);
      if (value !== undefined) info.attribute(key, value);
    } else {
      known(r, tag, 1, WIRE_LEN, 'Resource.attributes');
      r.skip(tag);
    }
  }
  r.leave(outer);
}

/** A known field number with an unexpected wire type is malformed, not unknown. */
function known(r: ProtoReader, tag: number, field: number, wireType: number, what: string): void {
  if (tag >>> 3 === field) r.expect(tag, wireType, what);
}

/**
 * Walks Export*ServiceRequest -> Resource* -> Scope* and calls `item` for each item field
 * (span / log record / metric) with its index path; `done` runs once per resource after all its
 * items, when the resource (which may follow the items on the wire) is known.
 */
function walk(
  body: Uint8Array,
  names: { resource: string; scope: string; item: string },
  onResource: (resource: ResourceInfo, path: string) => { item: (r: ProtoReader, path: string) => void; done: () => void },
): void {
  const r = new ProtoReader(body);
  let ri = 0;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag !== LEN(1)) {
      known(r, tag, 1, WIRE_LEN, names.resource);
      r.skip(tag);
      continue;
    }
    const rPath = `${names.resource}[${ri++}]`;
    const resource = new ResourceInfo();
    const handler = onResource(resource, rPath);
    const outerR = r.enter();
    let si = 0;
    while (r.pos < r.limit) {
      const rTag = r.tag();
      if (rTag === LEN(1)) {
        readResource(r, resource);
      } else if (rTag === LEN(2)) {
        const sPath = `${rPath}.${names.scope}[${si++}]`;
        const outerS = r.enter();
        let ii = 0;
        while (r.pos < r.limit) {
          const sTag = r.tag();
          if (sTag === LEN(2)) handler.item(r, `${sPath}.${names.item}[${ii++}]`);
          else {
            known(r, sTag, 2, WIRE_LEN, names.item);
            r.skip(sTag);
          }
        }
        r.leave(outerS);
      } else {
        known(r, rTag, 1, WIRE_LEN, 'resource');
        known(r, rTag, 2, WIRE_LEN, names.scope);
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
  return bytesToHexId(r.buffer, start, end);
}

function readSpan(r: ProtoReader): SpanDraft {
  const d = new SpanDraft();
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case LEN(1): {
        const id = readId(r, 16);
        if (id === false) d.invalid = 'trace id must be 16 bytes';
        else d.traceId = id;
        break;
      }
      case LEN(2): {
        const id = readId(r, 8);
        if (id === false) d.invalid = 'span id must be 8 bytes';
        else d.spanId = id;
        break;
      }
      case LEN(4): {
        const id = readId(r, 8);
        if (id === false) d.invalid = 'parent span id must be 8 bytes';
        else d.parentSpanId = id;
        break;
      }
      case LEN(5):
        d.name = r.string();
        break;
      case VARINT(6):
        d.kind = r.varint();
        break;
      case I64(7):
        d.startMs = r.fixed64Millis();
        break;
      case I64(8):
        d.endMs = r.fixed64Millis();
        break;
      case LEN(9): {
        const [key, value] = readKeyValue(r, 0);
        if (value !== undefined) d.attribute(key, value);
        break;
      }
      case LEN(15):
        readStatus(r, d);
        break;
      default:
        checkKnown(r, tag, SPAN_WIRE_TYPES, 'Span');
        r.skip(tag);
    }
  }
  r.leave(outer);
  return d;
}

// Wire types of the Span/LogRecord fields we read, to tell "known field, wrong type" from unknown.
const SPAN_WIRE_TYPES: Record<number, number> = { 1: 2, 2: 2, 4: 2, 5: 2, 6: 0, 7: 1, 8: 1, 9: 2, 15: 2 };
const ANY_VALUE_WIRE_TYPES: Record<number, number> = { 1: 2, 2: 0, 3: 0, 4: 1, 5: 2, 6: 2, 7: 2 };
const LOG_WIRE_TYPES: Record<number, number> = { 1: 1, 2: 0, 3: 2, 5: 2, 6: 2, 9: 2, 10: 2, 11: 1, 12: 2 };

function checkKnown(r: ProtoReader, tag: number, types: Record<number, number>, message: string): void {
  const field = tag >>> 3;
  const want = types[field];
  if (want !== undefined) r.expect(tag, want, `${message} field ${field}`);
}

function readStatus(r: ProtoReader, d: SpanDraft): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === LEN(2)) {
      const message = r.string();
      if (message.length > 0) d.statusMessage = message;
    } else if (tag === VARINT(3)) {
      d.statusCode = r.varint();
    } else {
      known(r, tag, 2, WIRE_LEN, 'Status.message');
      known(r, tag, 3, WIRE_VARINT, 'Status.code');
      r.skip(tag);
    }
  }
  r.leave(outer);
}

export function decodeTracesProtobuf(body: Uint8Array): { spans: NormalizedSpan[] } & Rejections {
  const spans: NormalizedSpan[] = [];
  const rejections = new RejectionCounter();
  walk(body, { resource: 'resource_spans', scope: 'scope_spans', item: 'spans' }, (resource) => {
    const drafts: SpanDraft[] = [];
    return {
      item: (r, path) => {
        const d = readSpan(r);
        const problem = d.problem();
        if (problem === undefined) drafts.push(d);
        else rejections.reject(path, problem);
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
    switch (tag) {
      case I64(1):
        f.timeMs = r.fixed64Millis();
        break;
      case VARINT(2):
        f.severityNumber = r.varint();
        break;
      case LEN(3):
        f.severityText = r.string();
        break;
      case LEN(5):
        f.body = readAnyValue(r, 0);
        break;
      case LEN(6): {
        const [key, value] = readKeyValue(r, 0);
        const v = toAttributeValue(value);
        if (v !== undefined) b.field(key, v, true);
        break;
      }
      case LEN(9): {
        const id = readId(r, 16);
        if (id === false) f.invalid = 'trace id must be 16 bytes';
        else f.traceId = id;
        break;
      }
      case LEN(10): {
        const id = readId(r, 8);
        if (id === false) f.invalid = 'span id must be 8 bytes';
        else f.spanId = id;
        break;
      }
      case I64(11):
        f.observedMs = r.fixed64Millis();
        break;
      case LEN(12): {
        const name = r.string();
        if (name.length > 0) b.attribute('event.name', name, true);
        break;
      }
      default:
        checkKnown(r, tag, LOG_WIRE_TYPES, 'LogRecord');
        r.skip(tag);
    }
  }
  r.leave(outer);
}

export function decodeLogsProtobuf(body: Uint8Array, nowMs: number): { logs: NormalizedLog[] } & Rejections {
  const logs: NormalizedLog[] = [];
  const rejections = new RejectionCounter();
  walk(body, { resource: 'resource_logs', scope: 'scope_logs', item: 'log_records' }, (resource) => {
    const builders: LogBuilder[] = [];
    return {
      item: (r, path) => {
        const b = new LogBuilder();
        const f = new LogRecordFields();
        readLogRecord(r, b, f);
        if (f.invalid !== undefined) return rejections.reject(path, f.invalid);
        completeLog(b, f, nowMs);
        builders.push(b);
      },
      done: () => {
        for (const b of builders) logs.push(finishLog(b, resource, nowMs));
      },
    };
  });
  return { logs, ...rejections.result('log records') };
}

// Metric fields holding data (gauge, sum, histogram, exponential_histogram, summary): each is a
// message whose field 1 is the repeated data_points.
const METRIC_DATA_TAGS = new Set([LEN(5), LEN(7), LEN(9), LEN(10), LEN(11)]);

function countDataPoints(r: ProtoReader): number {
  let count = 0;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (METRIC_DATA_TAGS.has(tag)) {
      const inner = r.enter();
      while (r.pos < r.limit) {
        const t = r.tag();
        if (t === LEN(1)) count++;
        else known(r, t, 1, WIRE_LEN, 'data_points');
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
