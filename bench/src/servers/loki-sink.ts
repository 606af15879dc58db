// A Loki push API stand-in for the benchmark: accepts /loki/api/v1/push (JSON, gzip or not, or
// protobuf with snappy, the two bodies Loki takes), counts entries, answers 204. GET /count reports what arrived so the bench can time a drain.
// Also the collector's OTLP/HTTP logs exporter target in workload 3 (POST /v1/logs): answers an
// empty ExportLogsServiceResponse (200, zero bytes of protobuf) and counts the requests.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { uncompressSync } from 'snappy';

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
function protobufEntries(buf: Buffer): number {
  let count = 0;
  const varint = (at: { i: number }): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = buf[at.i++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  const skip = (at: { i: number }, wireType: number): void => {
    if (wireType === 0) varint(at);
    else if (wireType === 1) at.i += 8;
    else if (wireType === 2) {
      const length = varint(at); // read before the position it moves
      at.i += length;
    } else if (wireType === 5) at.i += 4;
    else throw new Error(`unexpected wire type ${wireType}`);
  };
  const at = { i: 0 };
  while (at.i < buf.length) {
    const tag = varint(at);
    if (tag >>> 3 !== 1 || (tag & 7) !== 2) {
      skip(at, tag & 7);
      continue;
    }
    const end = varint(at) + at.i;
    while (at.i < end) {
      const inner = varint(at);
      if (inner >>> 3 === 2 && (inner & 7) === 2) count++;
      skip(at, inner & 7);
    }
  }
  return count;
}

server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.once('SIGTERM', () => server.close());
