// A Loki push API stand-in for the benchmark: accepts /loki/api/v1/push (JSON, gzip or not, or
// protobuf with snappy, the two bodies Loki takes), counts entries, answers 204. GET /count
// reports what arrived so the bench can time a drain.
// Also the collector's OTLP/HTTP logs exporter target in workload 3 (POST /v1/logs): answers an
// empty ExportLogsServiceResponse (200, zero bytes of protobuf) and counts the requests and their
// log records; and Loki's own OTLP endpoint (POST /otlp/v1/logs), where the engine forwards the
// OTLP logs it ships, counted apart (`lokiOtlpRecords`). Loki entries of the engine's correlation events (stream service="correlation-engine")
// are counted apart too, so the bench can tell when every accepted log was delivered.
// And Datadog's logs intake (POST /api/v2/logs, a gzipped JSON array, answered 202): its entries
// count as entries, the engine's events (service correlation-engine) as eventEntries too, so the
// exporter micro-benchmark drains either exporter into the same stand-in.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { uncompressSync } from 'snappy';
import { distModule } from '../micro/engine-dist.ts';

// The engine's own protobuf reader, from its build (the bench builds the engine before any phase).
const { ProtoReader, WIRE_LEN } = (await import(
  distModule('wire/proto-reader.js')
)) as typeof import('../../../correlation-engine/src/wire/proto-reader.ts');

interface PushBody {
  streams?: { stream?: Record<string, string>; values?: unknown[] }[];
}

let entries = 0;
let pushes = 0;
let firstAt = 0;
let firstPushEntries = 0;
let lastAt = 0;
let otlpPushes = 0;
let otlpRecords = 0;
let lokiOtlpRecords = 0;
let eventEntries = 0;
/** The stream label set the engine gives its correlation events (loki-encoding.ts). */
const EVENT_SERVICE = 'correlation-engine';

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ entries, pushes, firstAt, firstPushEntries, lastAt, otlpPushes, otlpRecords, lokiOtlpRecords, eventEntries }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/v1/logs' || req.url === '/otlp/v1/logs') {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
      const raw = Buffer.concat(chunks);
      const records = otlpLogRecords(req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw);
      if (req.url === '/v1/logs') {
        otlpRecords += records;
        otlpPushes++;
      } else lokiOtlpRecords += records;
      lastAt = Date.now();
      return;
    }
    if (req.url === '/api/v2/logs') {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{}');
      const raw = Buffer.concat(chunks);
      const intake = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as {
        service?: string;
      }[];
      entries += intake.length;
      for (const e of intake) if (e.service === EVENT_SERVICE) eventEntries++;
      counted();
      return;
    }
    // Answer first, count after: the exporter's measured throughput should not include the
    // stand-in's own decoding time (the counting still happens, on the sink's core).
    res.writeHead(204);
    res.end();
    let raw = Buffer.concat(chunks);
    if (req.headers['content-type'] === 'application/x-protobuf') {
      const counted = protobufEntries(uncompressSync(raw) as Buffer);
      entries += counted.entries;
      eventEntries += counted.events;
    } else {
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const body = JSON.parse(raw.toString('utf8')) as PushBody;
      for (const s of body.streams ?? []) {
        const n = s.values?.length ?? 0;
        entries += n;
        if (s.stream?.service === EVENT_SERVICE) eventEntries += n;
      }
    }
    counted();
  });
});

/** A push of entries was counted: when the first and the last arrived. */
function counted(): void {
  pushes++;
  const now = Date.now();
  if (firstAt === 0) {
    firstAt = now;
    firstPushEntries = entries;
  }
  lastAt = now;
}

/**
 * Entries in a Loki PushRequest (logproto), and how many are the engine's events: field 1 of the
 * request is a stream, its field 1 the label set text, its field 2 an entry. Walks the wire format
 * without decoding the rest.
 */
function protobufEntries(buf: Uint8Array): { entries: number; events: number } {
  const r = new ProtoReader(buf);
  let entries = 0;
  let events = 0;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag !== ((1 << 3) | WIRE_LEN)) {
      r.skip(tag);
      continue;
    }
    const outer = r.enter();
    let isEvent = false;
    let count = 0;
    while (r.pos < r.limit) {
      const inner = r.tag();
      if (inner === ((1 << 3) | WIRE_LEN)) isEvent = r.string().includes(`service="${EVENT_SERVICE}"`);
      else {
        if (inner === ((2 << 3) | WIRE_LEN)) count++;
        r.skip(inner);
      }
    }
    r.leave(outer);
    entries += count;
    if (isEvent) events += count;
  }
  return { entries, events };
}

/** Log records in an ExportLogsServiceRequest: ResourceLogs (1) > ScopeLogs (2) > LogRecord (2). */
function otlpLogRecords(buf: Uint8Array): number {
  const r = new ProtoReader(buf);
  let count = 0;
  const within = (field: number, inside: () => void): void => {
    while (r.pos < r.limit) {
      const tag = r.tag();
      if (tag !== ((field << 3) | WIRE_LEN)) {
        r.skip(tag);
        continue;
      }
      const end = r.enter();
      inside();
      r.leave(end);
    }
  };
  within(1, () =>
    within(2, () => {
      while (r.pos < r.limit) {
        const tag = r.tag();
        if (tag === ((2 << 3) | WIRE_LEN)) count++;
        r.skip(tag);
      }
    }),
  );
  return count;
}

server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.once('SIGTERM', () => server.close());
