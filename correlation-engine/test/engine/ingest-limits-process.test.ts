// Issue 13 acceptance, against the built engine as a real process with its heap capped the way
// `mem_limit: 512m` caps it in compose: (1) ~100 requests of one 4 MB message each leave it up,
// answering HTTP statuses only, RSS under 512 MiB; (2) every malformed OTLP/JSON case the issue
// lists answers 400 naming the field, or 200 with partial success, on all three OTLP routes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEngine, EngineProcess } from '../sinks/engine-process.js';
import { createLokiSink } from '../sinks/loki-sink.js';

const MiB = 1024 * 1024;
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const loki = createLokiSink();
let engine: EngineProcess;
let dir: string;

beforeAll(async () => {
  buildEngine();
  await loki.up();
  dir = mkdtempSync(join(tmpdir(), 'ingest-limits-'));
  engine = await EngineProcess.start({
    NODE_OPTIONS: '--max-old-space-size=384',
    BODY_LIMIT_BYTES: String(6 * MiB),
    LOKI_URL: loki.url,
    ENGINE_DATA_DIR: dir,
  });
}, 120_000);

afterAll(async () => {
  await engine?.kill9();
  await loki.down();
  rmSync(dir, { recursive: true, force: true });
});

async function postJson(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${engine.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('large messages', () => {
  it('100 requests of one 4 MB message each: the engine stays up, answers statuses, RSS < 512 MiB', async () => {
    const statuses = new Map<number, number>();
    for (let i = 0; i < 100; i++) {
      // A prefix the normalizer parses, so the kept message is cut from the middle of the 4 MB.
      const message = `2026-11-25T10:00:00.000Z INFO request ${i} circuit_id=CKT-${i} ${String(i % 10).repeat(4 * MiB)}`;
      const res = await fetch(`${engine.url}/api/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resource: { service: 'big' }, records: [{ message, labels: { tail: message.slice(0, MiB) } }] }),
      });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    const health = await fetch(`${engine.url}/health`);
    expect(health.status).toBe(200);
    expect(engine.child.exitCode).toBeNull();
    // 202 accepted; 429/503 are the documented refusals. Nothing else.
    for (const status of statuses.keys()) expect([202, 429, 503]).toContain(status);
    expect(statuses.get(202) ?? 0).toBeGreaterThan(0);
    engine.sampleRss();
    expect(engine.peakRssBytes).toBeLessThan(512 * MiB);
  }, 240_000);
});

/** A JSON body with `value` as the AnyValue of a resource attribute, or of the record's own attribute. */
function bodies(value: unknown, where: 'resource' | 'record'): Record<'traces' | 'logs' | 'metrics', unknown> {
  const attr = [{ key: 'circuit_id', value }];
  const resource = where === 'resource' ? { attributes: attr } : { attributes: [] };
  const own = where === 'record' ? attr : [];
  return {
    traces: {
      resourceSpans: [{ resource, scopeSpans: [{ spans: [{ traceId: TRACE_ID, spanId: SPAN_ID, name: 'op', attributes: own }] }] }],
    },
    logs: { resourceLogs: [{ resource, scopeLogs: [{ logRecords: [{ body: value, attributes: own }] }] }] },
    metrics: {
      resourceMetrics: [
        { resource, scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ asDouble: 1, attributes: own }] } }] }] },
      ],
    },
  };
}

const MALFORMED: ReadonlyArray<readonly [string, unknown]> = [
  ['stringValue object', { stringValue: { toString: null } }],
  ['intValue object', { intValue: { toString: null } }],
  ['doubleValue object', { doubleValue: { toString: null } }],
  ['boolValue object', { boolValue: { toString: null } }],
  ['intValue not a number', { intValue: 'twelve' }],
  ['arrayValue of objects', { arrayValue: { values: [{ stringValue: { toString: null } }] } }],
  ['kvlistValue with an object key', { kvlistValue: { values: [{ key: { toString: null }, value: { stringValue: 'x' } }] } }],
  ['AnyValue as an array', [{ stringValue: 'x' }]],
  ['AnyValue nested 40 levels deep', nested(40)],
];

/** An arrayValue inside an arrayValue, `levels` deep. */
function nested(levels: number): unknown {
  let value: unknown = { stringValue: 'leaf' };
  for (let i = 0; i < levels; i++) value = { arrayValue: { values: [value] } };
  return value;
}

describe('malformed OTLP/JSON values', () => {
  for (const [name, value] of MALFORMED) {
    for (const where of ['resource', 'record'] as const) {
      it(`${name} in a ${where} attribute: 400 naming the field or 200 with partial success`, async () => {
        for (const [signal, body] of Object.entries(bodies(value, where))) {
          const { status, json } = await postJson(`/api/otlp/v1/${signal}`, body);
          expect([200, 400], `${signal}: ${status} ${JSON.stringify(json)}`).toContain(status);
          if (status === 400) expect(json.message).toMatch(/attributes\[0\]\.value|body/);
          else if (signal !== 'metrics') expect(json.partialSuccess, signal).toBeDefined();
        }
      });
    }
  }

  it('numbers written as strings are valid OTLP/JSON: accepted whole', async () => {
    for (const value of [{ intValue: '12' }, { doubleValue: '1.5' }, { doubleValue: 'NaN' }, { boolValue: true }]) {
      for (const [signal, body] of Object.entries(bodies(value, 'record'))) {
        const { status, json } = await postJson(`/api/otlp/v1/${signal}`, body);
        expect(status, signal).toBe(200);
        expect(json.partialSuccess, signal).toBeUndefined();
      }
    }
  });

  it('the engine is still up after all of them', async () => {
    expect((await fetch(`${engine.url}/health`)).status).toBe(200);
  });
});
