// Loki push API stand-in: decodes JSON (+gzip) and protobuf (+snappy) push bodies into entries.
// The protobuf schema is written here from Loki's logproto (push.proto), independently of the
// engine's hand-written encoder, so a wrong field number fails the test. Loki's OTLP endpoint
// (/otlp/v1/logs) too: each record an entry whose labels are its resource's `service` and `env`
// (the only attributes observability-stack/loki indexes), its line the body, the record kept whole.

import type { IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { uncompressSync } from 'snappy';
import { HttpSink } from './http-sink.js';
import { decodeOtlpLogsRequest, type OtlpLogRecord } from './otlp-logs-decode.js';

export interface LokiReceivedEntry {
  labels: Record<string, string>;
  /** Unix ns as a decimal string. */
  tsNs: string;
  line: string;
  metadata: Record<string, string>;
  /** Which body format carried it (`otlp`: a request to the OTLP endpoint, protobuf or JSON). */
  format: 'json' | 'protobuf' | 'otlp';
  /** The record as sent to the OTLP endpoint. */
  otlp?: OtlpLogRecord;
}

const PUSH_PROTO = `
syntax = "proto3";
package logproto;
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message LabelPairAdapter { string name = 1; string value = 2; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
`;
const PushRequest = protobuf.parse(PUSH_PROTO).root.lookupType('logproto.PushRequest');

/** Parses Prometheus label-set text `{a="x", b="y"}` (with \\ \" \n escapes). */
export function parseLabelSet(text: string): Record<string, string> {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) throw new Error(`not a label set: ${text}`);
  const out: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/gy;
  const body = trimmed.slice(1, -1);
  let consumed = 0;
  for (;;) {
    const m = re.exec(body);
    if (m === null) break;
    out[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    consumed = re.lastIndex;
    if (consumed >= body.length) break;
  }
  if (consumed !== body.length && body.trim() !== '') throw new Error(`bad label set: ${text}`);
  return out;
}

/** Loki's OTLP endpoint as configured here: `service` and `env` resource attributes are the labels. */
function decodeOtlp(raw: Buffer, headers: IncomingHttpHeaders): LokiReceivedEntry[] {
  return decodeOtlpLogsRequest(raw, headers).map((r) => {
    const labels: Record<string, string> = {};
    for (const name of ['service', 'env']) if (typeof r.resource[name] === 'string') labels[name] = r.resource[name] as string;
    if (Object.keys(labels).length === 0) throw new Error('a stream without labels'); // Loki refuses those
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.attributes)) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
    if (r.traceId) metadata.trace_id = r.traceId;
    if (r.spanId) metadata.span_id = r.spanId;
    const line = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    return { labels, tsNs: r.timeNs !== '0' ? r.timeNs : r.observedNs, line, metadata, format: 'otlp' as const, otlp: r };
  });
}

function decodeLoki(raw: Buffer, headers: IncomingHttpHeaders, path = '/loki/api/v1/push'): LokiReceivedEntry[] {
  if (path === '/otlp/v1/logs') return decodeOtlp(raw, headers);
  if (path !== '/loki/api/v1/push') throw new Error(`no route ${path}`);
  const type = String(headers['content-type'] ?? '');
  if (type.startsWith('application/x-protobuf')) {
    const msg = PushRequest.toObject(PushRequest.decode(uncompressSync(raw) as Buffer), { longs: String, defaults: true }) as {
      streams: {
        labels: string;
        entries: { timestamp?: { seconds: string; nanos: number }; line: string; structuredMetadata: { name: string; value: string }[] }[];
      }[];
    };
    return msg.streams.flatMap((s) => {
      const labels = parseLabelSet(s.labels);
      return s.entries.map((e) => ({
        labels,
        tsNs: (BigInt(e.timestamp?.seconds ?? '0') * 1_000_000_000n + BigInt(e.timestamp?.nanos ?? 0)).toString(),
        line: e.line,
        metadata: Object.fromEntries(e.structuredMetadata.map((p) => [p.name, p.value])),
        format: 'protobuf' as const,
      }));
    });
  }
  if (!type.startsWith('application/json')) throw new Error(`unexpected content-type ${type}`);
  const text = headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  const body = JSON.parse(text) as { streams: { stream: Record<string, string>; values: [string, string, Record<string, string>?][] }[] };
  return body.streams.flatMap((s) =>
    s.values.map(([tsNs, line, metadata]) => {
      if (typeof tsNs !== 'string' || !/^\d+$/.test(tsNs)) throw new Error(`timestamp must be a ns string, got ${JSON.stringify(tsNs)}`);
      return { labels: s.stream, tsNs, line, metadata: metadata ?? {}, format: 'json' as const };
    }),
  );
}

/** A Loki push endpoint: `accepted` holds every entry of every 2xx-answered push. */
export function createLokiSink(): HttpSink<LokiReceivedEntry> {
  return new HttpSink(decodeLoki, 204);
}
