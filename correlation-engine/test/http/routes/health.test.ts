import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { BackpressureError } from '../../../src/delivery/delivery.js';
import { ManualClock, metricValue, testApp } from '../../helpers/app.js';
import { RecordingDelivery } from '../../helpers/delivery.js';
import { captureLog } from '../../helpers/log-capture.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

// The seed's "Send test log" body, as curl sends it (timestamp from `date -u +%Y-%m-%dT%H:%M:%S.%3NZ`).
const seedTestLog = `{
    "resource": {"service": "test", "host": "server-124", "env": "dev"},
    "records": [{
      "timestamp": "2026-11-25T04:31:07.123Z",
      "severity": "INFO",
      "message": "Test log from curl",
      "labels": {"test": "true"}
    }]
  }`;

// The demo scenario's body with its shell substitutions filled in.
const demoLog = `{
    "resource": {"service": "demo", "host": "demo-host", "env": "dev"},
    "records": [{
      "timestamp": "2026-11-25T04:31:07.123Z",
      "severity": "INFO",
      "message": "Demo: Order processing started",
      "trace_id": "${TRACE}",
      "circuit_id": "DEMO-1795000000",
      "product_id": "PROD-001",
      "request_id": "REQ-1a2b3c4d"
    }]
  }`;

describe('health, ready, metrics', () => {
  it('GET /health answers healthy with instance and open windows', async () => {
    app = await testApp();
    const res = await app.inject('/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'healthy', instance: 'test-engine', openWindows: 0 });
    expect(typeof res.json().uptimeSeconds).toBe('number');
  });

  it('GET /ready is 200, then 503 with Retry-After under backpressure', async () => {
    const delivery = new RecordingDelivery();
    app = await testApp({ delivery });
    expect((await app.inject('/ready')).statusCode).toBe(200);
    delivery.pressure = { retryAfterSeconds: 7, reason: 'queue full' };
    const res = await app.inject('/ready');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json()).toEqual({ status: 'backpressure', reason: 'queue full' });
  });

  it('GET /metrics exposes the contract names', async () => {
    app = await testApp();
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    for (const name of [
      'correlation_events_total',
      'correlation_records_received_total',
      'correlation_open_windows',
      'correlation_window_records',
      'correlation_records_dropped_total',
      'correlation_linked_logs_total',
      'exporter_sent_total',
      'exporter_failed_total',
      'exporter_queue_depth',
      'http_request_duration_seconds',
    ]) {
      expect(res.body).toContain(`# TYPE ${name} `);
    }
    expect(res.body).toContain('engine_instance="test-engine"');
  });
});

describe('POST /api/logs', () => {
  it('accepts the seed test-log body verbatim and lists it in GET /api/logs', async () => {
    app = await testApp();
    const res = await app.inject({
      method: 'POST',
      url: '/api/logs',
      headers: { 'content-type': 'application/json' },
      payload: seedTestLog,
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 1 });
    const logs = (await app.inject('/api/logs')).json();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ service: 'test', host: 'server-124', env: 'dev', message: 'Test log from curl', severity: 'INFO' });
    expect(logs[0].attributes).toMatchObject({ test: 'true' });
    expect(await metricValue(app, 'correlation_records_received_total', { signal: 'logs', service: 'test' })).toBe(1);
  });

  it('accepts the demo-scenario body and correlates it by trace_id when the window closes', async () => {
    const clock = new ManualClock();
    app = await testApp({ clock, env: { CORR_WINDOW_SECONDS: '2' } });
    const res = await app.inject({ method: 'POST', url: '/api/logs', headers: { 'content-type': 'application/json' }, payload: demoLog });
    expect(res.statusCode).toBe(202);
    expect((await app.inject(`/api/logs?trace_id=${TRACE.toUpperCase()}`)).json()).toHaveLength(1);
    expect((await app.inject('/health')).json().openWindows).toBe(1);
    expect((await app.inject('/api/correlations')).json()).toEqual([]);
    clock.advance(2000);
    app.engine.pipeline.tick();
    const events = (await app.inject('/api/correlations?limit=5')).json();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      traceId: TRACE,
      logCount: 1,
      spanCount: 0,
      services: ['demo'],
      keys: { circuit_id: ['DEMO-1795000000'], product_id: ['PROD-001'], request_id: ['REQ-1a2b3c4d'] },
    });
    expect(await metricValue(app, 'correlation_events_total')).toBe(1);
  });

  it('filters GET /api/logs by service and limit, newest first', async () => {
    app = await testApp();
    for (const service of ['a', 'b', 'a']) {
      await app.inject({
        method: 'POST',
        url: '/api/logs',
        payload: { resource: { service }, records: [{ message: `from ${service}` }, { message: 'second' }] },
      });
    }
    const all = (await app.inject('/api/logs')).json();
    expect(all).toHaveLength(6);
    expect(all[0].message).toBe('second');
    expect(all[0].env).toBe('dev');
    expect((await app.inject('/api/logs?service=a')).json()).toHaveLength(4);
    expect((await app.inject('/api/logs?service=b&limit=1')).json()).toHaveLength(1);
  });

  it('answers 429 with Retry-After when delivery refuses, and does not correlate the refused batch', async () => {
    const delivery = new RecordingDelivery();
    delivery.refuseLogs = new BackpressureError('queue over bound', 3);
    app = await testApp({ delivery });
    const res = await app.inject({ method: 'POST', url: '/api/logs', payload: JSON.parse(demoLog) });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.json().message).toContain('queue over bound');
    expect((await app.inject('/health')).json().openWindows).toBe(0);
  });
  it('answers 503 with Retry-After, hiding the cause, when delivery fails otherwise', async () => {
    const delivery = new RecordingDelivery();
    delivery.refuseLogs = new Error('SQLITE_FULL: database or disk is full at /secret/path');
    app = await testApp({ delivery });
    const res = await app.inject({ method: 'POST', url: '/api/logs', payload: JSON.parse(demoLog) });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json().message).toBe('records could not be persisted; retry later');
    expect(res.body).not.toContain('secret');
  });
  it('logs a failing delivery once per 10 s however many requests it fails, with the count left out', async () => {
    const delivery = new RecordingDelivery();
    delivery.refuseLogs = new Error('SQLITE_FULL: database or disk is full');
    const clock = new ManualClock();
    const log = captureLog();
    app = await testApp({ delivery, clock, env: { LOG_LEVEL: 'info' }, logStream: log.stream });
    const failed = () => log.lines().filter((l) => String(l.msg).startsWith('delivery could not persist logs'));
    const post = () => app.inject({ method: 'POST', url: '/api/logs', payload: JSON.parse(demoLog) });
    for (let i = 0; i < 20; i += 1) expect((await post()).statusCode).toBe(503);
    expect(failed().map((l) => [l.level, l.requestsNotLogged])).toEqual([[50, 0]]);
    clock.advance(10_000);
    expect((await post()).statusCode).toBe(503);
    expect(failed().map((l) => l.requestsNotLogged)).toEqual([0, 19]);
  });
});

describe('GET /api/correlations filters', () => {
  it('filters by trace_id, circuit_id, service and since; rejects bad limit/since', async () => {
    const clock = new ManualClock();
    app = await testApp({ clock, env: { CORR_WINDOW_SECONDS: '1' } });
    const post = (service: string, trace: string, circuit: string) =>
      app.inject({
        method: 'POST',
        url: '/api/logs',
        payload: { resource: { service }, records: [{ message: 'x', trace_id: trace, circuit_id: circuit }] },
      });
    await post('a', '1'.repeat(32), 'C-1');
    await post('b', '2'.repeat(32), 'C-2');
    clock.advance(1000);
    app.engine.pipeline.tick();
    await post('a', '3'.repeat(32), 'C-1');
    clock.advance(1000);
    app.engine.pipeline.tick();

    const ids = async (q: string) => (await app.inject(`/api/correlations${q}`)).json().map((e: { traceId: string }) => e.traceId[0]);
    expect(await ids('')).toEqual(['3', '2', '1']);
    expect(await ids('?limit=2')).toEqual(['3', '2']);
    expect(await ids(`?trace_id=${'2'.repeat(32)}`)).toEqual(['2']);
    expect(await ids('?circuit_id=C-1')).toEqual(['3', '1']);
    expect(await ids('?service=b')).toEqual(['2']);
    const since = new Date(clock.ms - 500).toISOString();
    expect(await ids(`?since=${since}`)).toEqual(['3']);
    expect(await ids(`?since=${clock.ms - 500}`)).toEqual(['3']);

    for (const [q, field] of [
      ['?limit=0', 'querystring.limit: must be a whole number from 1'],
      ['?limit=abc', 'querystring.limit: must be a whole number from 1'],
      ['?since=yesterday', 'querystring.since'],
      ['?trace_id=xyz', 'querystring.trace_id'],
    ]) {
      const res = await app.inject(`/api/correlations${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().message, q).toContain(field);
    }
  });
});

describe('OTLP routes', () => {
  const resource = (service: string) => ({ attributes: [{ key: 'service.name', value: { stringValue: service } }] });

  it('OTLP/JSON logs are normalized, listed and counted; the answer is an ExportLogsServiceResponse', async () => {
    app = await testApp();
    const res = await app.inject({
      method: 'POST',
      url: '/api/otlp/v1/logs',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: {
        resourceLogs: [
          {
            resource: resource('palantir'),
            scopeLogs: [{ logRecords: [{ severityText: 'WARN', body: { stringValue: 'slow' }, traceId: TRACE }] }],
          },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.json()).not.toHaveProperty('partialSuccess.rejectedLogRecords');
    const [log] = (await app.inject('/api/logs?service=palantir')).json();
    expect(log).toMatchObject({ service: 'palantir', severity: 'WARN', message: 'slow', traceId: TRACE, env: 'dev', source: 'otlp' });
    expect(await metricValue(app, 'correlation_records_received_total', { signal: 'logs', service: 'palantir' })).toBe(1);
  });

  it('reports rejected spans as partial success and keeps the good ones', async () => {
    app = await testApp();
    const span = (traceId: string) => ({ traceId, spanId: '00f067aa0ba902b7', name: 'op', startTimeUnixNano: '1', endTimeUnixNano: '2' });
    const res = await app.inject({
      method: 'POST',
      url: '/api/otlp/v1/traces',
      payload: { resourceSpans: [{ resource: resource('arda'), scopeSpans: [{ spans: [span(TRACE), span('nope')] }] }] },
    });
    expect(res.statusCode).toBe(200);
    // int64 fields are strings in proto3 JSON.
    expect(Number(res.json().partialSuccess.rejectedSpans)).toBe(1);
    expect(await metricValue(app, 'correlation_records_received_total', { signal: 'traces', service: 'arda' })).toBe(1);
    expect((await app.inject('/health')).json().openWindows).toBe(1);
  });

  it('counts OTLP metric data points', async () => {
    app = await testApp();
    const res = await app.inject({
      method: 'POST',
      url: '/api/otlp/v1/metrics',
      payload: {
        resourceMetrics: [
          {
            resource: resource('beorn'),
            scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ asDouble: 1 }, { asDouble: 2 }] } }] }],
          },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(await metricValue(app, 'correlation_records_received_total', { signal: 'metrics', service: 'beorn' })).toBe(2);
  });

  it('sheds load with 429 + Retry-After while delivery is over its bound, and /ready says so', async () => {
    const delivery = new RecordingDelivery();
    delivery.pressure = { retryAfterSeconds: 5, reason: 'backlog 300 MiB' };
    app = await testApp({ delivery });
    const res = await app.inject({ method: 'POST', url: '/api/otlp/v1/traces', payload: { resourceSpans: [] } });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ code: 8 });
    expect((await app.inject('/ready')).statusCode).toBe(503);
  });

  it('/ready answers 503 once shutdown has begun', async () => {
    app = await testApp();
    app.engine.state.shuttingDown = true;
    const res = await app.inject('/ready');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'shutting_down' });
  });
});
