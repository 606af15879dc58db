// Decodes OTLP ExportLogsServiceRequest bodies (protobuf, or OTLP/JSON; gzip or not) with a schema
// written here from opentelemetry-proto's logs/v1 field numbers, independently of the engine's
// reader and of its rewriting code, so a frame the engine gets wrong fails the tests.
import type { IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

const LOGS_PROTO = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message LogRecord {
  fixed64 time_unix_nano = 1; fixed64 observed_time_unix_nano = 11; int32 severity_number = 2; string severity_text = 3;
  AnyValue body = 5; repeated KeyValue attributes = 6; uint32 dropped_attributes_count = 7; fixed32 flags = 8;
  bytes trace_id = 9; bytes span_id = 10; string event_name = 12;
}
message ScopeLogs { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; string schema_url = 3; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; string schema_url = 3; }
message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
`;
const Request = protobuf.parse(LOGS_PROTO, { keepCase: true }).root.lookupType('otlp.ExportLogsServiceRequest');

export type OtlpValue = string | number | boolean | null | OtlpValue[] | { [key: string]: OtlpValue };

/** One log record with its resource and scope, values in plain JS. */
export interface OtlpLogRecord {
  resource: Record<string, OtlpValue>;
  scope: string;
  timeNs: string;
  observedNs: string;
  severityNumber: number;
  severityText: string;
  body: OtlpValue;
  attributes: Record<string, OtlpValue>;
  /** Lowercase hex, '' when absent. */
  traceId: string;
  spanId: string;
}

type Raw = Record<string, unknown>;

function anyValue(v: Raw | undefined): OtlpValue {
  if (!v) return null;
  if (v.string_value !== undefined) return v.string_value as string;
  if (v.bool_value !== undefined) return v.bool_value as boolean;
  if (v.int_value !== undefined) return Number(v.int_value);
  if (v.double_value !== undefined) return v.double_value as number;
  if (v.bytes_value !== undefined) return Buffer.from(v.bytes_value as Uint8Array).toString('base64');
  if (v.array_value) return (((v.array_value as Raw).values as Raw[]) ?? []).map(anyValue);
  if (v.kvlist_value) return attrs((v.kvlist_value as Raw).values as Raw[]);
  return null;
}

function attrs(list: Raw[] | undefined): Record<string, OtlpValue> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key as string, anyValue(kv.value as Raw)]));
}

const hex = (b: unknown): string => Buffer.from((b as Uint8Array | undefined) ?? new Uint8Array()).toString('hex');

/** The records of a request in protobufjs's object form (snake_case names, ids as bytes), in wire order. */
function recordsOf(msg: Raw): OtlpLogRecord[] {
  const out: OtlpLogRecord[] = [];
  for (const rl of (msg.resource_logs as Raw[]) ?? []) {
    const resource = attrs(((rl.resource as Raw | undefined)?.attributes as Raw[]) ?? []);
    for (const sl of (rl.scope_logs as Raw[]) ?? []) {
      const scope = ((sl.scope as Raw | undefined)?.name as string) ?? '';
      for (const r of (sl.log_records as Raw[]) ?? []) {
        out.push({
          resource,
          scope,
          timeNs: String(r.time_unix_nano ?? '0'),
          observedNs: String(r.observed_time_unix_nano ?? '0'),
          severityNumber: (r.severity_number as number) ?? 0,
          severityText: (r.severity_text as string) ?? '',
          body: anyValue(r.body as Raw),
          attributes: attrs(r.attributes as Raw[]),
          traceId: hex(r.trace_id),
          spanId: hex(r.span_id),
        });
      }
    }
  }
  return out;
}

/** The records of a protobuf ExportLogsServiceRequest, in wire order. */
export function decodeOtlpLogsProtobuf(bytes: Uint8Array): OtlpLogRecord[] {
  return recordsOf(Request.toObject(Request.decode(bytes), { longs: String, oneofs: false }) as Raw);
}

const jsonAny = (a: Raw | undefined): Raw | undefined => {
  if (!a) return undefined;
  if (a.stringValue !== undefined) return { string_value: a.stringValue };
  if (a.boolValue !== undefined) return { bool_value: a.boolValue };
  if (a.intValue !== undefined) return { int_value: a.intValue };
  if (a.doubleValue !== undefined) return { double_value: a.doubleValue };
  if (a.arrayValue) return { array_value: { values: (((a.arrayValue as Raw).values as Raw[]) ?? []).map(jsonAny) } };
  if (a.kvlistValue) return { kvlist_value: { values: jsonKvs((a.kvlistValue as Raw).values as Raw[]) } };
  return undefined;
};
const jsonKvs = (list: Raw[] | undefined): Raw[] => (list ?? []).map((kv) => ({ key: kv.key, value: jsonAny(kv.value as Raw) }));
const jsonId = (v: unknown): Uint8Array | undefined => (typeof v === 'string' ? Buffer.from(v, 'hex') : undefined);

/** OTLP/JSON (camelCase names, hex ids) made into protobufjs's object form, then as above. */
export function decodeOtlpLogsJson(value: unknown): OtlpLogRecord[] {
  const v = value as Raw;
  return recordsOf({
    resource_logs: ((v.resourceLogs as Raw[]) ?? []).map((rl) => ({
      resource: { attributes: jsonKvs((rl.resource as Raw | undefined)?.attributes as Raw[]) },
      scope_logs: ((rl.scopeLogs as Raw[]) ?? []).map((sl) => ({
        scope: sl.scope,
        log_records: ((sl.logRecords as Raw[]) ?? []).map((r) => ({
          time_unix_nano: r.timeUnixNano,
          observed_time_unix_nano: r.observedTimeUnixNano,
          severity_number: r.severityNumber,
          severity_text: r.severityText,
          body: jsonAny(r.body as Raw),
          attributes: jsonKvs(r.attributes as Raw[]),
          trace_id: jsonId(r.traceId),
          span_id: jsonId(r.spanId),
        })),
      })),
    })),
  });
}

/** The records of an OTLP/HTTP logs request as a server receives it (gzip or not, protobuf or JSON). */
export function decodeOtlpLogsRequest(raw: Buffer, headers: IncomingHttpHeaders): OtlpLogRecord[] {
  const body = headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
  const type = String(headers['content-type'] ?? '');
  if (type.startsWith('application/x-protobuf')) return decodeOtlpLogsProtobuf(body);
  if (type.startsWith('application/json')) return decodeOtlpLogsJson(JSON.parse(body.toString('utf8')));
  throw new Error(`unexpected content-type ${type}`);
}
