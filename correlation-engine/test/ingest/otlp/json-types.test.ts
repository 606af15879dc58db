// OTLP/JSON values of the wrong type, through HTTP: every shape a sender may put where a scalar,
// an AnyValue or a list belongs gets 200 (possibly with partial success) or a 4xx naming the
// field; never a 5xx, which OTLP senders do not retry.

import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/app.js';

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
