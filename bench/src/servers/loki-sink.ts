// A Loki push API stand-in for the benchmark: accepts /loki/api/v1/push (JSON, gzip or not, or
// protobuf with snappy, the two bodies Loki takes), counts entries, answers 204. GET /count
// reports what arrived so the bench can time a drain.
// Also the collector's OTLP/HTTP logs exporter target in workload 3 (POST /v1/logs): answers an
// empty ExportLogsServiceResponse (200, zero bytes of protobuf) and counts the requests.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { uncompressSync } from 'snappy';
import { distModule } from '../micro/engine-dist.ts';

// The engine's own protobuf reader, from its build (the bench builds the engine before any phase).
const { ProtoReader, WIRE_LEN } = (await import(
  distModule('wire/proto-reader.js')
)) as typeof import('../../../correlation-engine/src/wire/proto-reader.ts');

interface PushBody {
  streams?: { values?: unknown[] }[];
}

let entries = 0;
let pushes = 0;
let firstAt = 0;
let lastAt = 0;
let otlpPushes = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ entries, pushes, firstAt, lastAt, otlpPushes }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/v1/logs') {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
      otlpPushes++;
      return;
    }
    // Answer first, count after: the exporter's measured throughput should not include the
    // stand-in's own decoding time (the counting still happens, on the sink's core).
    res.writeHead(204);
    res.end();
    let raw = Buffer.concat(chunks);
    if (req.headers['content-type'] === 'application/x-protobuf') {
      entries += protobufEntries(uncompressSync(raw) as Buffer);
    } else {
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const body = JSON.parse(raw.toString('utf8')) as PushBody;
      for (const s of body.streams ?? []) entries += s.values?.length ?? 0;
    }
    pushes++;
    const now = Date.now();
    if (firstAt === 0) firstAt = now;
    lastAt = now;
  });
});

/**
 * Entries in a Loki PushRequest (logproto): field 1 of the request is a stream, field 2 of a
 * stream an entry. Walks the wire format without decoding the rest.
 */
function protobufEntries(buf: Uint8Array): number {
  const r = new ProtoReader(buf);
  let count = 0;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag !== ((1 << 3) | WIRE_LEN)) {
      r.skip(tag);
      continue;
    }
    const outer = r.enter();
    while (r.pos < r.limit) {
      const inner = r.tag();
      if (inner === ((2 << 3) | WIRE_LEN)) count++;
      r.skip(inner);
    }
    r.leave(outer);
  }
  return count;
}

server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.once('SIGTERM', () => server.close());
