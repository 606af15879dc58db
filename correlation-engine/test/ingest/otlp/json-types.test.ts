// OTLP/JSON values of the wrong type, through HTTP: every shape a sender may put where a scalar,
// an AnyValue or a list belongs gets 200 (possibly with partial success) or a 4xx naming the
// field; never a 5xx, which OTLP senders do not retry. The same generated payloads, encoded as
// protobuf (wrong types as wrong wire types), and random bytes go to the OTLP/gRPC receiver on
// its three services: only the codes an OTLP sender acts on, never INTERNAL or UNKNOWN.

import { type Metadata, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpJsonToProto } from '../../fixtures/otlp-json-to-proto.js';
import { testApp } from '../../helpers/app.js';
import { basicMetadata, closeClients, grpcCall, type OtlpSignal } from '../../helpers/grpc-client.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const ALLOWED = new Set([200, 400, 413, 415]);

/** Values that do not belong where a scalar is expected, and some that do. */
const hostile = fc.oneof(
  fc.constant({ toString: null }),
  fc.constant({ valueOf: null, toString: null }),
  fc.constant([]),
  fc.constant([{ toString: null }]),
  fc.constant(null),
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e400', '0x10', ' ', ''),
  fc.boolean(),
  fc.double(),
  fc.string({ maxLength: 40 }),
  fc.nat({ max: 200_000 }).map((n) => 'x'.repeat(n)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** An AnyValue, well-formed or not, nested a few levels. */
const tree = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.record({ stringValue: hostile }),
    fc.record({ intValue: hostile }),
    fc.record({ doubleValue: hostile }),
    fc.record({ boolValue: hostile }),
    fc.record({ bytesValue: hostile }),
    fc.record({ arrayValue: fc.oneof(hostile, fc.record({ values: fc.oneof(hostile, fc.array(tie('value'), { maxLength: 3 })) })) }),
    fc.record({ kvlistValue: fc.oneof(hostile, fc.record({ values: fc.oneof(hostile, fc.array(tie('kv'), { maxLength: 3 })) })) }),
    hostile,
  ),
  kv: fc.oneof(fc.record({ key: fc.oneof(fc.string({ maxLength: 12 }), hostile), value: tie('value') }), hostile),
}));
const anyValue = tree.value;
const attributes = fc.oneof(fc.array(tree.kv, { maxLength: 4 }), hostile);
const resource = fc.oneof(fc.record({ attributes }), hostile);

const span = fc.record(
  {
    traceId: fc.oneof(fc.constant(TRACE_ID), hostile),
    spanId: fc.oneof(fc.constant(SPAN_ID), hostile),
    parentSpanId: hostile,
    name: hostile,
    kind: hostile,
    startTimeUnixNano: hostile,
    endTimeUnixNano: hostile,
    status: fc.oneof(fc.record({ code: hostile, message: hostile }), hostile),
    attributes,
  },
  { requiredKeys: ['traceId', 'spanId'] },
);
const logRecord = fc.record(
  {
    timeUnixNano: hostile,
    observedTimeUnixNano: hostile,
    severityNumber: hostile,
    severityText: hostile,
    body: anyValue,
    eventName: hostile,
    traceId: hostile,
    spanId: hostile,
    attributes,
  },
  { requiredKeys: ['body'] },
);
const metric = fc.record({
  name: hostile,
  gauge: fc.oneof(
    fc.record({ dataPoints: fc.oneof(hostile, fc.array(fc.record({ asDouble: hostile, attributes }), { maxLength: 2 })) }),
    hostile,
  ),
});

const traces = fc.record({
  resourceSpans: fc.array(
    fc.record({ resource, scopeSpans: fc.array(fc.record({ spans: fc.array(span, { maxLength: 3 }) }), { maxLength: 2 }) }),
    {
      maxLength: 2,
    },
  ),
});
const logs = fc.record({
  resourceLogs: fc.array(
    fc.record({ resource, scopeLogs: fc.array(fc.record({ logRecords: fc.array(logRecord, { maxLength: 3 }) }), { maxLength: 2 }) }),
    { maxLength: 2 },
  ),
});
const metrics = fc.record({
  resourceMetrics: fc.array(
    fc.record({ resource, scopeMetrics: fc.array(fc.record({ metrics: fc.array(metric, { maxLength: 2 }) }), { maxLength: 2 }) }),
    {
      maxLength: 2,
    },
  ),
});

describe('OTLP/JSON values of any type over HTTP', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp({ env: { BODY_LIMIT_BYTES: String(512 * 1024) } });
  });
  afterAll(() => app.close());

  async function post(url: string, body: unknown) {
    return app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  }

  for (const [signal, shape] of [
    ['traces', traces],
    ['logs', logs],
    ['metrics', metrics],
  ] as const) {
    it(`/api/otlp/v1/${signal} answers only 200/400/413/415`, async () => {
      await fc.assert(
        fc.asyncProperty(shape, async (body) => {
          const res = await post(`/api/otlp/v1/${signal}`, body);
          if (!ALLOWED.has(res.statusCode)) throw new Error(`${res.statusCode}: ${res.body}`);
          if (res.statusCode === 400) expect(res.json().message).toMatch(/\S/);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('/api/logs answers only 202/400/413/415 for records of any shape', async () => {
    const record = fc.record(
      {
        message: hostile,
        severity: hostile,
        timestamp: hostile,
        labels: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), hostile), hostile),
      },
      { requiredKeys: ['message'] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({ resource: fc.oneof(fc.record({ service: hostile }), hostile), records: fc.array(record, { maxLength: 3 }) }),
        async (body) => {
          const res = await post('/api/logs', body);
          if (![202, 400, 413, 415].includes(res.statusCode)) throw new Error(`${res.statusCode}: ${res.body}`);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the same payloads over OTLP/gRPC', () => {
  let app: FastifyInstance;
  let target: string;
  // With auth on, so UNAUTHENTICATED is among the answers; memory pressure may add UNAVAILABLE.
  const GRPC_ALLOWED = new Set([status.OK, status.INVALID_ARGUMENT, status.RESOURCE_EXHAUSTED, status.UNAVAILABLE, status.UNAUTHENTICATED]);
  const good = basicMetadata('otel', 'fuzz-pass');
  const credentials = fc.constantFrom<Metadata | undefined>(good, good, good, undefined, basicMetadata('otel', 'wrong'));

  beforeAll(async () => {
    app = await testApp({
      env: {
        BODY_LIMIT_BYTES: String(512 * 1024),
        ENGINE_OTLP_GRPC_PORT: '0',
        HOST: '127.0.0.1',
        ENABLE_BASIC_AUTH: 'true',
        BASIC_AUTH_USER: 'otel',
        BASIC_AUTH_PASS: 'fuzz-pass',
      },
    });
    await app.ready();
    target = `127.0.0.1:${app.engine.state.otlpGrpcPort}`;
  });
  afterAll(async () => {
    closeClients();
    await app.close();
  });

  /** Sends and checks one message; returns its code. */
  async function send(signal: OtlpSignal, message: Uint8Array, metadata: Metadata | undefined): Promise<number> {
    const { error } = await grpcCall(target, signal, message, metadata ? { metadata } : {});
    const code = error?.code ?? status.OK;
    if (!GRPC_ALLOWED.has(code)) throw new Error(`${signal}: ${status[code]} ${error?.details ?? ''}`);
    return code;
  }

  it('encodes a well-formed payload into an export request the receiver takes', async () => {
    const body = {
      resourceSpans: [
        { scopeSpans: [{ spans: [{ traceId: TRACE_ID, spanId: SPAN_ID, name: 'fuzz', startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] },
      ],
    };
    expect(await send('traces', otlpJsonToProto('traces', body), good)).toBe(status.OK);
    const authorization = good.get('authorization')[0] as string;
    const open = await app.inject({ url: `/api/correlations/${TRACE_ID}`, headers: { authorization } });
    expect(open.json()).toMatchObject({ traceId: TRACE_ID, spanCount: 1 });
  });

  for (const [signal, shape] of [
    ['traces', traces],
    ['logs', logs],
    ['metrics', metrics],
  ] as const) {
    it(`${signal}: the HTTP fuzz's payloads as protobuf get only OK/INVALID_ARGUMENT/RESOURCE_EXHAUSTED/UNAVAILABLE/UNAUTHENTICATED`, async () => {
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(shape, credentials, async (body, metadata) => {
          seen.add(await send(signal, otlpJsonToProto(signal, body), metadata));
        }),
        { numRuns: 100 },
      );
      // The run reached the decoder and past it, not only the credentials check.
      expect(seen).toContain(status.OK);
      expect(seen).toContain(status.UNAUTHENTICATED);
    });
  }

  it('random bytes and payloads cut or spliced with junk get only those codes on every service', async () => {
    const spliced = fc
      .tuple(fc.constantFrom<OtlpSignal>('traces', 'logs', 'metrics'), traces, fc.nat(), fc.uint8Array({ maxLength: 32 }))
      .map(([signal, body, cut, junk]) => {
        const encoded = otlpJsonToProto('traces', body);
        const at = encoded.length === 0 ? 0 : cut % encoded.length;
        return { signal, message: Uint8Array.from([...encoded.subarray(0, at), ...junk]) };
      });
    const randomBytes = fc.record({
      signal: fc.constantFrom<OtlpSignal>('traces', 'logs', 'metrics'),
      message: fc.uint8Array({ maxLength: 1024 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(spliced, randomBytes), async ({ signal, message }) => {
        await send(signal, message, good);
      }),
      { numRuns: 200 },
    );
    // Still up and still taking data.
    expect((await app.inject('/health')).statusCode).toBe(200);
    const body = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'after the fuzz' } }] }] }] };
    expect(await send('logs', otlpJsonToProto('logs', body), good)).toBe(status.OK);
  });
});
