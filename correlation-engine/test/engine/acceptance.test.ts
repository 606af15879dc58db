// Issue 2 acceptance on a real socket with the real clock: a trace sent as OTLP protobuf by the
// OpenTelemetry JS SDK exporter and as OTLP JSON, logs with the same trace_id, and a Blue Planet
// line that only names the circuit in its text, produce exactly one correlation event.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorrelationEvent } from '../../src/model/types.js';
import { metricValue, testApp } from '../helpers/app.js';
import { eventually, listen } from '../helpers/listen.js';

let app: FastifyInstance;
let base: string;
let provider: TracerProvider;

beforeAll(async () => {
  app = await testApp({ env: { CORR_WINDOW_SECONDS: '2' } });
  base = await listen(app);
});

afterAll(async () => {
  await provider?.shutdown();
  await app?.close();
});

async function postJson(path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('acceptance: one trace over OTLP protobuf + OTLP JSON + /api/logs + a Blue Planet line', () => {
  it('produces exactly one event per window with the right counts, services and keys', async () => {
    const circuit = `CKT-${Date.now()}`;
    const before = await metricValue(app, 'correlation_events_total');

    // 1. Two spans from the real SDK, sent by its OTLP protobuf exporter. The spans are collected
    // first and exported by hand so the test sees the exporter's own verdict on our response.
    const finished = new InMemorySpanExporter();
    provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'beorn' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: finished })],
    });
    const tracer = provider.getTracer('acceptance');
    const root = tracer.startSpan('GET /api/test', {
      kind: SpanKind.SERVER,
      attributes: { circuit_id: circuit, product_id: 'PROD-001', request_id: 'REQ-1' },
    });
    const traceId = root.spanContext().traceId;
    const child = tracer.startSpan('call palantir', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), root));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'palantir timed out' });
    child.end();
    root.end();
    await provider.forceFlush();
    const exporter = new OTLPTraceExporter({ url: `${base}/api/otlp/v1/traces` });
    const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(finished.getFinishedSpans(), resolve));
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(0); // ExportResultCode.SUCCESS: status 200 and a response it could read
    await exporter.shutdown();

    // 2. One more span of the same trace as OTLP JSON (uppercase ids are accepted).
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const json = await postJson('/api/otlp/v1/traces', {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'palantir' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: traceId.toUpperCase(),
                  spanId: '00f067aa0ba902b7',
                  parentSpanId: child.spanContext().spanId,
                  name: 'GET /api/test',
                  kind: 2,
                  startTimeUnixNano: String(nowNs),
                  endTimeUnixNano: String(nowNs + 5_000_000n),
                  attributes: [{ key: 'circuit_id', value: { stringValue: circuit } }],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(await json.json()).not.toHaveProperty('partialSuccess.rejectedSpans');

    // 3. Two logs with the same trace_id through the seed's API.
    const logs = await postJson('/api/logs', {
      resource: { service: 'arda', host: 'server-124', env: 'dev' },
      records: [
        { timestamp: new Date().toISOString(), severity: 'INFO', message: 'handling request', trace_id: traceId },
        { severity: 'WARN', message: 'slow downstream', trace_id: traceId, span_id: child.spanContext().spanId },
      ],
    });
    expect(logs.status).toBe(202);
    expect(await logs.json()).toEqual({ accepted: 2 });

    // 4. A Blue Planet line with no trace context, only circuit_id=... in its text.
    const bp = await postJson('/api/logs', {
      resource: { service: 'blueplanet', host: 'mdso-dev' },
      records: [
        {
          message: `2026-11-25 10:00:01,123 ERROR [pool-3-thread-7] c.c.bp.Orchestrator - activation failed circuit_id=${circuit} state=FAILED`,
        },
      ],
    });
    expect(bp.status).toBe(202);

    // 5. The window closes by itself (the app's interval) about 2 s after the first record.
    const events = await eventually(
      async () => {
        const res = await fetch(`${base}/api/correlations?trace_id=${traceId}`);
        const list = (await res.json()) as CorrelationEvent[];
        return list.length > 0 ? list : undefined;
      },
      10_000,
      'the correlation event',
    );
    // Give a late duplicate a chance to show up before asserting "exactly one".
    await new Promise((r) => setTimeout(r, 300));
    const all = (await (await fetch(`${base}/api/correlations?trace_id=${traceId}`)).json()) as CorrelationEvent[];
    expect(all).toHaveLength(1);
    const e = events[0] as CorrelationEvent;
    expect(e).toMatchObject({
      traceId,
      continuation: false,
      spanCount: 3,
      logCount: 3,
      linkedLogCount: 1,
      errorCount: 2,
      highestSeverity: 'ERROR',
      services: ['arda', 'beorn', 'blueplanet', 'palantir'],
      rootSpan: { name: 'GET /api/test', service: 'beorn', spanId: root.spanContext().spanId },
    });
    expect(e.keys.circuit_id).toEqual([circuit]);
    expect(e.keys.product_id).toEqual(['PROD-001']);
    expect(e.keys.request_id).toEqual(['REQ-1']);
    const linked = e.detail.logs.find((l) => l.linkedBy);
    expect(linked).toMatchObject({ service: 'blueplanet', severity: 'ERROR', linkedBy: { key: 'circuit_id', value: circuit } });
    const windowMs = Date.parse(e.windowEnd) - Date.parse(e.windowStart);
    expect(windowMs).toBe(2000);

    expect(await metricValue(app, 'correlation_events_total')).toBe(before + 1);
    expect(await metricValue(app, 'correlation_records_received_total', { signal: 'traces', service: 'beorn' })).toBe(2);
    expect(await metricValue(app, 'correlation_linked_logs_total')).toBeGreaterThanOrEqual(1);
  });
});
