// OTLP/HTTP traces stand-in (Tempo's /v1/traces): decodes ExportTraceServiceRequest protobuf with
// a schema written here from opentelemetry-proto v1 field numbers (only the fields we assert).
import type { IncomingHttpHeaders } from 'node:http';
import protobuf from 'protobufjs';
import { HttpSink } from './http-sink.js';

const TRACE_PROTO = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message InstrumentationScope { string name = 1; string version = 2; }
message Status { string message = 2; int32 code = 3; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
  repeated Link links = 13; Status status = 15;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`;
const Request = protobuf.parse(TRACE_PROTO, { keepCase: true }).root.lookupType('otlp.ExportTraceServiceRequest');

export type AttrValue = string | number | boolean | AttrValue[];

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: string;
  endNs: string;
  attributes: Record<string, AttrValue>;
  resource: Record<string, AttrValue>;
  scope: string;
  links: { traceId: string; spanId: string; attributes: Record<string, AttrValue> }[];
  status: { code: number; message: string };
}

interface RawAny {
  string_value?: string;
  bool_value?: boolean;
  int_value?: string;
  double_value?: number;
  array_value?: { values: RawAny[] };
}
interface RawKv {
  key: string;
  value?: RawAny;
}

function anyValue(v: RawAny | undefined): AttrValue {
  if (!v) return '';
  if (v.string_value !== undefined) return v.string_value;
  if (v.bool_value !== undefined) return v.bool_value;
  if (v.int_value !== undefined) return Number(v.int_value);
  if (v.double_value !== undefined) return v.double_value;
  if (v.array_value) return (v.array_value.values ?? []).map(anyValue);
  return '';
}

function attrs(list: RawKv[] | undefined): Record<string, AttrValue> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('hex');

function decodeTraces(raw: Buffer, headers: IncomingHttpHeaders): ReceivedSpan[] {
  if (headers['content-type'] !== 'application/x-protobuf') throw new Error(`unexpected content-type ${headers['content-type']}`);
  const msg = Request.toObject(Request.decode(raw), { longs: String, oneofs: false }) as {
    resource_spans?: {
      resource?: { attributes?: RawKv[] };
      scope_spans?: { scope?: { name: string }; spans?: Record<string, unknown>[] }[];
    }[];
  };
  const out: ReceivedSpan[] = [];
  for (const rs of msg.resource_spans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of rs.scope_spans ?? []) {
      for (const s of ss.spans ?? []) {
        const span = s as {
          trace_id: Uint8Array;
          span_id: Uint8Array;
          parent_span_id?: Uint8Array;
          name: string;
          kind?: number;
          start_time_unix_nano: string;
          end_time_unix_nano: string;
          attributes?: RawKv[];
          links?: { trace_id: Uint8Array; span_id: Uint8Array; attributes?: RawKv[] }[];
          status?: { code?: number; message?: string };
        };
        out.push({
          traceId: hex(span.trace_id),
          spanId: hex(span.span_id),
          parentSpanId: hex(span.parent_span_id),
          name: span.name,
          kind: span.kind ?? 0,
          startNs: String(span.start_time_unix_nano),
          endNs: String(span.end_time_unix_nano),
          attributes: attrs(span.attributes),
          resource,
          scope: ss.scope?.name ?? '',
          links: (span.links ?? []).map((l) => ({ traceId: hex(l.trace_id), spanId: hex(l.span_id), attributes: attrs(l.attributes) })),
          status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
        });
      }
    }
  }
  return out;
}

/** An OTLP/HTTP traces endpoint: `accepted` holds every span of every 2xx-answered export. */
export function createOtlpTraceSink(): HttpSink<ReceivedSpan> {
  return new HttpSink(decodeTraces, 200);
}
