// Bad input gets a clear 4xx naming the problem, never a 5xx or a crash.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protobufTraceRequest } from '../../fixtures/otlp-sdk-bodies.js';
import { testApp } from '../../helpers/app.js';

const LIMIT = 64 * 1024;
let app: FastifyInstance;
let validProtobuf: Uint8Array;

beforeAll(async () => {
  app = await testApp({ env: { BODY_LIMIT_BYTES: String(LIMIT), CORR_WINDOW_SECONDS: '0.05' } });
  validProtobuf = await protobufTraceRequest();
});
afterAll(async () => {
  await app?.close();
});

const post = (url: string, payload: string | Buffer | Uint8Array, headers: Record<string, string>) =>
  app.inject({ method: 'POST', url, payload: Buffer.from(payload), headers });

const json = { 'content-type': 'application/json' };
const protobuf = { 'content-type': 'application/x-protobuf' };

describe('explicit bad input', () => {
  it.each([
    ['malformed JSON', '{"resource": {', 'not valid JSON'],
    ['empty JSON body', '', 'cannot be empty'],
    ['body not an object', '[1,2]', 'body: must be object'],
    ['missing resource', '{"records":[{"message":"x"}]}', 'resource: is required'],
    ['missing service', '{"resource":{},"records":[{"message":"x"}]}', 'resource.service: is required'],
    ['no records', '{"resource":{"service":"s"},"records":[]}', 'records: must NOT have fewer than 1 items'],
    ['records not an array', '{"resource":{"service":"s"},"records":{"message":"x"}}', 'records: must be array'],
    ['message not a string', '{"resource":{"service":"s"},"records":[{"message":5}]}', 'records[0].message: must be string'],
    ['missing message', '{"resource":{"service":"s"},"records":[{"message":"a"},{"severity":"INFO"}]}', 'records[1].message: is required'],
    ['label not scalar', '{"resource":{"service":"s"},"records":[{"message":"a","labels":{"x":{}}}]}', 'records[0].labels.x'],
  ])('POST /api/logs %s -> 400 naming the problem', async (_name, body, expected) => {
    const res = await post('/api/logs', body, json);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain(expected);
  });

  it('names the record with an invalid trace_id or span_id', async () => {
    const records = [0, 1, 2].map(() => ({ message: 'ok', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }));
    const bad = [...records, { message: 'bad', trace_id: 'not-a-trace' }];
    const res = await post('/api/logs', JSON.stringify({ resource: { service: 's' }, records: bad }), json);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('records[3].trace_id: not a 32-hex trace id');
    const span = await post('/api/logs', JSON.stringify({ resource: { service: 's' }, records: [{ message: 'x', span_id: 'zz' }] }), json);
    expect(span.json().message).toBe('records[0].span_id: not a 16-hex span id');
  });

  it('415 for a wrong content type, on logs and OTLP routes', async () => {
    for (const url of ['/api/logs', '/api/otlp/v1/traces']) {
      const res = await post(url, 'hello', { 'content-type': 'text/plain' });
      expect(res.statusCode, url).toBe(415);
      expect(res.body, url).toContain('unsupported Content-Type \\"text/plain\\"');
    }
    expect((await post('/api/logs', validProtobuf, protobuf)).statusCode).toBe(415);
    expect((await post('/api/logs', '{}', { ...json, 'content-encoding': 'br' })).json().message).toContain('Content-Encoding');
  });

  it('413 for a body over the limit, plain or compressed', async () => {
    const big = JSON.stringify({ resource: { service: 's' }, records: [{ message: 'x'.repeat(LIMIT) }] });
    expect((await post('/api/logs', big, json)).statusCode).toBe(413);
    expect((await post('/api/otlp/v1/traces', Buffer.alloc(LIMIT + 1), protobuf)).statusCode).toBe(413);
  });

  it('413 for a gzip bomb (small on the wire, huge inflated)', async () => {
    const smallBomb = gzipSync(Buffer.alloc(50 * LIMIT)); // inflates 50x past the limit
    expect(smallBomb.length).toBeLessThan(LIMIT);
    for (const [url, type] of [
      ['/api/logs', json],
      ['/api/otlp/v1/logs', protobuf],
    ] as const) {
      const res = await post(url, smallBomb, { ...type, 'content-encoding': 'gzip' });
      expect(res.statusCode, url).toBe(413);
    }
  });

  it('accepts gzip bodies and rejects corrupt gzip with 400', async () => {
    const body = gzipSync(JSON.stringify({ resource: { service: 's' }, records: [{ message: 'zipped' }] }));
    expect((await post('/api/logs', body, { ...json, 'content-encoding': 'gzip' })).statusCode).toBe(202);
    const corrupt = await post('/api/logs', Buffer.from('not gzip at all'), { ...json, 'content-encoding': 'gzip' });
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json().message).toContain('gzip');
    const pb = await post('/api/otlp/v1/traces', gzipSync(validProtobuf), { ...protobuf, 'content-encoding': 'gzip' });
    expect(pb.statusCode).toBe(200);
  });

  it('400 for truncated protobuf, answered as a google.rpc.Status in protobuf', async () => {
    const truncated = validProtobuf.subarray(0, Math.floor(validProtobuf.length / 2));
    const res = await post('/api/otlp/v1/traces', truncated, protobuf);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/x-protobuf');
    // Status: field 1 (code) = 3 INVALID_ARGUMENT, field 2 = message text.
    expect(res.rawPayload[0]).toBe(0x08);
    expect(res.rawPayload[1]).toBe(3);
    expect(res.rawPayload.subarray(4).toString('utf8').length).toBeGreaterThan(0);
  });

  it('400 for an undecodable OTLP JSON body, answered as {code, message}', async () => {
    const res = await post('/api/otlp/v1/traces', '{"resourceSpans": 5}', json);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 3 });
    expect(res.json().message.length).toBeGreaterThan(0);
  });

  it('404 naming the unknown route', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/nope?x=1', payload: '{}', headers: json });
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toBe('no route POST /api/nope');
    expect((await app.inject({ method: 'DELETE', url: '/api/logs' })).statusCode).toBe(404);
  });
});

describe('property: random bodies never produce a 5xx', () => {
  const routes = ['/api/logs', '/api/otlp/v1/traces', '/api/otlp/v1/logs', '/api/otlp/v1/metrics'];
  const contentTypes = [
    'application/json',
    'application/json; charset=utf-8',
    'application/x-protobuf',
    'application/protobuf',
    'text/plain',
    'application/octet-stream',
    'multipart/form-data; boundary=x',
    '',
  ];
  const anyScalar = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  // Shapes close to the real ones reach deeper into validation and decoding than random JSON.
  const seedShaped = fc.record(
    {
      resource: fc.oneof(anyScalar, fc.record({ service: anyScalar, host: anyScalar, env: anyScalar }, { requiredKeys: [] })),
      records: fc.oneof(
        anyScalar,
        fc.array(
          fc.record(
            {
              message: fc.oneof(fc.string(), anyScalar),
              timestamp: anyScalar,
              severity: anyScalar,
              trace_id: fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: 40 }), anyScalar),
              span_id: anyScalar,
              circuit_id: anyScalar,
              labels: fc.oneof(anyScalar, fc.dictionary(fc.string(), anyScalar)),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 5 },
        ),
      ),
    },
    { requiredKeys: [] },
  );
  const otlpShaped = fc.record(
    {
      resourceSpans: fc.oneof(anyScalar, fc.array(fc.jsonValue(), { maxLength: 3 })),
      resourceLogs: fc.oneof(anyScalar, fc.array(fc.jsonValue(), { maxLength: 3 })),
      resourceMetrics: fc.oneof(anyScalar, fc.array(fc.jsonValue(), { maxLength: 3 })),
    },
    { requiredKeys: [] },
  );

  const body = fc.oneof(
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    seedShaped.map((v) => Buffer.from(JSON.stringify(v))),
    otlpShaped.map((v) => Buffer.from(JSON.stringify(v))),
    fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
    fc.string().map((s) => Buffer.from(s)),
    // A real request with bytes flipped or cut: exercises every branch of the protobuf reader.
    fc.tuple(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 })).map(([cut, flips]) => {
      const b = Buffer.from(validProtobuf);
      for (const [pos, val] of flips) b[pos % b.length] = val;
      return b.subarray(0, b.length - (cut % b.length));
    }),
  );

  it('thousands of random requests to every ingest route get 2xx or 4xx', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.constantFrom(...contentTypes),
        body,
        fc.boolean(),
        async (url, type, payload, gzip) => {
          runs += 1;
          const headers: Record<string, string> = {};
          if (type) headers['content-type'] = type;
          if (gzip) headers['content-encoding'] = 'gzip';
          const res = await app.inject({ method: 'POST', url, headers, payload: gzip ? gzipSync(payload) : payload });
          expect(res.statusCode, `${url} ${type} -> ${res.body.slice(0, 200)}`).toBeLessThan(500);
          expect([200, 202, 400, 413, 415]).toContain(res.statusCode);
        },
      ),
      { numRuns: 5000 },
    );
    expect(runs).toBe(5000);
    // Windows opened by random valid records close and the app still answers.
    app.engine.pipeline.tick();
    expect((await app.inject('/health')).statusCode).toBe(200);
  }, 120_000);
});
