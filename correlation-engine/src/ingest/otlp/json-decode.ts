// OTLP/JSON (the protobuf JSON mapping used by OTLP/HTTP with application/json): lowerCamelCase
// field names (the original snake_case names are accepted too, as protobuf JSON parsers do),
// trace/span ids as hex strings (any case), enums and int64s as numbers or strings.
import { normalizeSpanId, normalizeTraceId } from '../../model/ids.js';
import { type NormalizedLog, type NormalizedSpan, UNKNOWN_SERVICE } from '../../model/types.js';
import { OtlpDecodeError } from '../../wire/decode-error.js';
import { LogBuilder } from '../normalize/normalize-builder.js';
import { toAttributeValue } from '../normalize/normalize-fields.js';
import { nanosToMs } from '../normalize/normalize-time.js';
import {
  isObj,
  jsonAnyValue,
  keyValue,
  keyValueValue,
  type Obj,
  optionalEnum,
  optionalInt64,
  optionalString,
  pick,
  within,
} from './json-values.js';
import { completeLog, finishLog, LogRecordFields, ResourceInfo, SpanDraft } from './model.js';
import { type DecodedLogs, RejectionCounter, type Rejections } from './rejections.js';

function topObject(body: unknown): Obj {
  // Raw bytes here mean the caller skipped JSON parsing: refuse rather than decode nothing.
  if (!isObj(body) || ArrayBuffer.isView(body)) throw new OtlpDecodeError('OTLP/JSON body must be a JSON object');
  return body;
}

/** A repeated field: absent/null = empty, otherwise it must be an array. */
function list(o: Obj, camel: string, snake: string, path: string): unknown[] {
  const v = pick(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${path}.${camel} must be an array`);
  return v;
}

function element(v: unknown, path: string): Obj {
  if (!isObj(v)) throw new OtlpDecodeError(`${path} must be an object`);
  return v;
}

// Enum names as the protobuf JSON mapping writes them (numbers are accepted too).
const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
const SEVERITY_NUMBERS: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((level, i) => {
  SEVERITY_NUMBERS[`SEVERITY_NUMBER_${level}`] = i * 4 + 1;
  for (let step = 2; step <= 4; step++) SEVERITY_NUMBERS[`SEVERITY_NUMBER_${level}${step}`] = i * 4 + step;
});

/** Calls `add(key, value)` for each KeyValue of an attributes array; a malformed one throws. */
function eachAttribute(o: Obj, path: string, add: (key: string, value: unknown) => void): void {
  const items = list(o, 'attributes', 'attributes', path);
  for (let i = 0; i < items.length; i++) {
    let value: unknown;
    let key: string;
    try {
      const kv = keyValue(items[i]);
      key = kv.key;
      value = keyValueValue(kv);
    } catch (err) {
      within(err, `${path}.attributes[${i}]`);
    }
    if (value !== undefined) add(key, value);
  }
}

function resourceOf(r: Obj, path: string): ResourceInfo {
  const info = new ResourceInfo();
  const resource = r.resource;
  if (resource !== undefined && resource !== null && !isObj(resource)) throw new OtlpDecodeError(`${path}.resource must be an object`);
  if (isObj(resource)) eachAttribute(resource, `${path}.resource`, (k, v) => info.attribute(k, v));
  return info;
}

/** An optional id field: '' / absent -> undefined; otherwise it must be valid (else `bad`). */
function optionalId(v: unknown, normalize: (v: unknown) => string | undefined): string | undefined | false {
  if (v === undefined || v === null || v === '') return undefined;
  const id = normalize(v);
  if (id !== undefined) return id;
  // All-zero ids mean "none" (W3C); only a wrongly-shaped id is an error.
  return typeof v === 'string' && /^0+$/.test(v) && (v.length === 32 || v.length === 16) ? undefined : false;
}

/**
 * Reads one item; a malformed item (e.g. `attributes` not an array, AnyValue nested too deep) is
 * rejected on its own instead of failing the whole batch.
 */
function perItem<T>(rejections: RejectionCounter, path: string, read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof OtlpDecodeError)) throw err;
    // "<path>: body.intValue must be ..." rather than the item's path twice.
    const own = err.message.startsWith(`${path}.`) ? err.message.slice(path.length + 1) : err.message;
    rejections.reject(path, own);
    return undefined;
  }
}

export function decodeTracesJson(body: unknown): { spans: NormalizedSpan[] } & Rejections {
  const top = topObject(body);
  const spans: NormalizedSpan[] = [];
  const rejections = new RejectionCounter();
  list(top, 'resourceSpans', 'resource_spans', '$').forEach((rsValue, i) => {
    const rPath = `resourceSpans[${i}]`;
    const rs = element(rsValue, rPath);
    const resource = resourceOf(rs, rPath);
    list(rs, 'scopeSpans', 'scope_spans', rPath).forEach((ssValue, j) => {
      const sPath = `${rPath}.scopeSpans[${j}]`;
      const ss = element(ssValue, sPath);
      list(ss, 'spans', 'spans', sPath).forEach((spanValue, k) => {
        const path = `${sPath}.spans[${k}]`;
        const draft = isObj(spanValue)
          ? perItem(rejections, path, () => spanFromJson(spanValue, path))
          : rejections.reject(path, 'span must be an object');
        const problem = draft?.problem();
        if (problem !== undefined) rejections.reject(path, problem);
        else if (draft !== undefined) spans.push(draft.toSpan(resource));
      });
    });
  });
  return { spans, ...rejections.result('spans') };
}

function spanFromJson(s: Obj, path: string): SpanDraft {
  const d = new SpanDraft();
  d.traceId = normalizeTraceId(pick(s, 'traceId', 'trace_id'));
  d.spanId = normalizeSpanId(pick(s, 'spanId', 'span_id'));
  const parent = optionalId(pick(s, 'parentSpanId', 'parent_span_id'), normalizeSpanId);
  if (parent === false) d.invalid = 'invalid parent span id';
  else d.parentSpanId = parent;
  d.name = optionalString(s, 'name', 'name', path) ?? '';
  d.kind = optionalEnum(s.kind, SPAN_KINDS, `${path}.kind`);
  d.startMs = nanosToMs(optionalInt64(s, 'startTimeUnixNano', 'start_time_unix_nano', path)) ?? 0;
  d.endMs = nanosToMs(optionalInt64(s, 'endTimeUnixNano', 'end_time_unix_nano', path)) ?? 0;
  const status = s.status;
  if (isObj(status)) {
    d.statusCode = optionalEnum(status.code, STATUS_CODES, `${path}.status.code`);
    const message = optionalString(status, 'message', 'message', `${path}.status`);
    if (message !== undefined && message.length > 0) d.statusMessage = message;
  } else if (status !== undefined && status !== null) {
    throw new OtlpDecodeError(`${path}.status must be an object`);
  }
  eachAttribute(s, path, (k, v) => d.attribute(k, v));
  return d;
}

export function decodeLogsJson(body: unknown, nowMs: number): DecodedLogs {
  const top = topObject(body);
  const logs: NormalizedLog[] = [];
  const dropped: number[] = [];
  let ordinal = 0;
  const rejections = new RejectionCounter();
  list(top, 'resourceLogs', 'resource_logs', '$').forEach((rlValue, i) => {
    const rPath = `resourceLogs[${i}]`;
    const rl = element(rlValue, rPath);
    const resource = resourceOf(rl, rPath);
    list(rl, 'scopeLogs', 'scope_logs', rPath).forEach((slValue, j) => {
      const sPath = `${rPath}.scopeLogs[${j}]`;
      const sl = element(slValue, sPath);
      list(sl, 'logRecords', 'log_records', sPath).forEach((recordValue, k) => {
        const path = `${sPath}.logRecords[${k}]`;
        const at = ordinal++;
        const b = new LogBuilder();
        const f = isObj(recordValue)
          ? perItem(rejections, path, () => logFieldsFromJson(recordValue, path, b))
          : rejections.reject(path, 'log record must be an object');
        if (f === undefined || f.invalid !== undefined) dropped.push(at);
        if (f?.invalid !== undefined) rejections.reject(path, f.invalid);
        else if (f !== undefined) {
          completeLog(b, f, nowMs);
          logs.push(finishLog(b, resource, nowMs));
        }
      });
    });
  });
  return { logs, dropped, ...rejections.result('log records') };
}

function logFieldsFromJson(r: Obj, path: string, b: LogBuilder): LogRecordFields {
  const f = new LogRecordFields();
  f.timeMs = nanosToMs(optionalInt64(r, 'timeUnixNano', 'time_unix_nano', path)) ?? 0;
  f.observedMs = nanosToMs(optionalInt64(r, 'observedTimeUnixNano', 'observed_time_unix_nano', path)) ?? 0;
  f.severityNumber = optionalEnum(pick(r, 'severityNumber', 'severity_number'), SEVERITY_NUMBERS, `${path}.severityNumber`);
  const text = optionalString(r, 'severityText', 'severity_text', path);
  if (text !== undefined && text.length > 0) f.severityText = text;
  try {
    f.body = jsonAnyValue(r.body);
  } catch (err) {
    within(err, `${path}.body`);
  }
  const eventName = optionalString(r, 'eventName', 'event_name', path);
  if (eventName !== undefined && eventName.length > 0) b.attribute('event.name', eventName, true);
  const traceId = optionalId(pick(r, 'traceId', 'trace_id'), normalizeTraceId);
  const spanId = optionalId(pick(r, 'spanId', 'span_id'), normalizeSpanId);
  if (traceId === false) f.invalid = 'invalid trace id';
  else if (spanId === false) f.invalid = 'invalid span id';
  else {
    f.traceId = traceId;
    f.spanId = spanId;
  }
  eachAttribute(r, path, (k, v) => {
    const value = toAttributeValue(v);
    if (value !== undefined) b.field(k, value, true);
  });
  return f;
}

export function decodeMetricsJson(body: unknown): { dataPoints: number; services: string[] } & Rejections {
  const top = topObject(body);
  let dataPoints = 0;
  const services = new Set<string>();
  list(top, 'resourceMetrics', 'resource_metrics', '$').forEach((rmValue, i) => {
    const rPath = `resourceMetrics[${i}]`;
    const rm = element(rmValue, rPath);
    services.add(resourceOf(rm, rPath).service ?? UNKNOWN_SERVICE);
    list(rm, 'scopeMetrics', 'scope_metrics', rPath).forEach((smValue, j) => {
      const sPath = `${rPath}.scopeMetrics[${j}]`;
      const sm = element(smValue, sPath);
      list(sm, 'metrics', 'metrics', sPath).forEach((metricValue, k) => {
        const mPath = `${sPath}.metrics[${k}]`;
        const metric = element(metricValue, mPath);
        // Exactly one of these is set per the oneof; count whichever is there.
        for (const [camel, snake] of METRIC_DATA) {
          const data = pick(metric, camel, snake);
          if (isObj(data)) dataPoints += list(data, 'dataPoints', 'data_points', `${mPath}.${camel}`).length;
        }
      });
    });
  });
  return { dataPoints, services: [...services], rejected: 0 };
}

const METRIC_DATA: ReadonlyArray<readonly [string, string]> = [
  ['gauge', 'gauge'],
  ['sum', 'sum'],
  ['histogram', 'histogram'],
  ['exponentialHistogram', 'exponential_histogram'],
  ['summary', 'summary'],
];
