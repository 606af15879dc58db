// OTLP logs shipped by the engine (LOKI_EXPORT_OTLP_LOGS=true) in the default OTLP form: each
// request the engine accepted is forwarded to Loki's OTLP endpoint as it arrived, with the
// `service`/`env` resource attributes Loki indexes, less the records the engine refused. Through
// the real routes (HTTP by app.inject, gRPC on a socket), the real durable queue and exporter,
// and Loki stand-ins on real sockets that decode OTLP with a schema of their own
// (sinks/otlp-logs-decode.ts). Also: the push form still on request, Datadog next to it, a
// refused request dead-lettered, and the queued request surviving kill -9 of the built engine.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricSum } from '@obs/test-support/prometheus-text';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { otlpJsonToProto } from '../../fixtures/otlp-json-to-proto.js';
import { metricValue } from '../../helpers/app.js';
import { type DurableTestApp, durableTestApp } from '../../helpers/durable-app.js';
import { closeClients, grpcCall } from '../../helpers/grpc-client.js';
import { createDatadogSink } from '../../sinks/datadog-sink.js';
import { buildEngine, EngineProcess } from '../../sinks/engine-process.js';
import type { HttpSink } from '../../sinks/http-sink.js';
import { createLokiSink, type LokiReceivedEntry } from '../../sinks/loki-sink.js';
import { decodeOtlpLogsJson, decodeOtlpLogsProtobuf, type OtlpLogRecord } from '../../sinks/otlp-logs-decode.js';

async function lokiUp(): Promise<HttpSink<LokiReceivedEntry>> {
  const sink = await createLokiSink().up();
  onTestFinished(() => sink.down());
  return sink;
}

async function engine(env: Record<string, string>): Promise<DurableTestApp> {
  const started = await durableTestApp({
    LOKI_EXPORT_OTLP_LOGS: 'true',
    EXPORT_RETRY_INITIAL_MS: '50',
    EXPORT_RETRY_MAX_MS: '200',
    ...env,
  });
  onTestFinished(() => started.close());
  return started;
}

const NOW_NS = String(BigInt(Date.now()) * 1_000_000n);

/** Two resources (one naming service and environment, one naming neither), records with and without trace context. */
function request(tag: string): Record<string, unknown> {
  const record = (i: number, traced: boolean) => ({
    timeUnixNano: NOW_NS,
    severityNumber: 9,
    severityText: 'INFO',
    body: { stringValue: `${tag} record ${i} circuit_id=CKT-${tag}-${i}` },
    attributes: [
      { key: 'circuit_id', value: { stringValue: `CKT-${tag}-${i}` } },
      { key: 'attempt', value: { intValue: String(i) } },
    ],
    ...(traced ? { traceId: `${'ab'.repeat(15)}${String(i).padStart(2, '0')}`, spanId: 'cd'.repeat(8) } : {}),
  });
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'beorn' } },
            { key: 'deployment.environment.name', value: { stringValue: 'prod' } },
            { key: 'host.name', value: { stringValue: 'server-124' } },
          ],
        },
        scopeLogs: [{ scope: { name: 'sense' }, logRecords: [record(0, true), record(1, true), record(2, false)] }],
      },
      {
        resource: { attributes: [{ key: 'host.name', value: { stringValue: 'mdso-dev' } }] },
        scopeLogs: [{ scope: { name: 'bp' }, logRecords: [record(3, false), record(4, false)] }],
      },
    ],
  };
}

async function post(app: FastifyInstance, body: unknown, format: 'protobuf' | 'json') {
  const res = await app.inject({
    method: 'POST',
    url: '/api/otlp/v1/logs',
    headers: { 'content-type': format === 'protobuf' ? 'application/x-protobuf' : 'application/json' },
    payload: format === 'protobuf' ? Buffer.from(otlpJsonToProto('logs', body)) : JSON.stringify(body),
  });
  return res;
}

const forwarded = (sink: HttpSink<LokiReceivedEntry>) => sink.accepted.filter((e) => e.format === 'otlp');
const own = ({ resource: _r, ...rest }: OtlpLogRecord) => rest;

describe('Loki, OTLP logs forwarded as received (LOKI_OTLP_LOGS_FORM=otlp, the default)', () => {
  it('protobuf: every record as sent, under the labels service/env, on the OTLP endpoint; no push line for them', async () => {
    const loki = await lokiUp();
    const { app, delivery } = await engine({ LOKI_URL: loki.url });
    const body = request('p');
    expect((await post(app, body, 'protobuf')).statusCode).toBe(200);
    await delivery.exporters[0]?.forceFlush();

    const otlp = loki.received.filter((r) => r.path === '/otlp/v1/logs');
    expect(otlp.length).toBeGreaterThan(0);
    expect(otlp.every((r) => r.headers['content-type'] === 'application/x-protobuf' && r.headers['content-encoding'] === 'gzip')).toBe(
      true,
    );
    const sent = decodeOtlpLogsProtobuf(otlpJsonToProto('logs', body));
    const got = forwarded(loki);
    expect(got.map((e) => own(e.otlp as OtlpLogRecord))).toEqual(sent.map(own));
    expect(got.map((e) => e.labels)).toEqual([
      ...Array(3).fill({ service: 'beorn', env: 'prod' }),
      ...Array(2).fill({ service: 'unknown_service', env: 'test' }),
    ]);
    // The resource keeps what the sender put there; the two labels are added.
    expect(got[0]?.otlp?.resource).toEqual({
      'service.name': 'beorn',
      'deployment.environment.name': 'prod',
      'host.name': 'server-124',
      service: 'beorn',
      env: 'prod',
    });
    expect(loki.accepted.filter((e) => e.format !== 'otlp' && e.line.includes('record'))).toEqual([]);
    expect(await metricValue(app, 'correlation_records_received_total', { signal: 'logs' })).toBe(5);
  });

  it('JSON, with a record refused for its trace id: the others forwarded as JSON, the refused one not', async () => {
    const loki = await lokiUp();
    const { app, delivery } = await engine({ LOKI_URL: loki.url });
    const body = request('j') as { resourceLogs: { scopeLogs: { logRecords: Record<string, unknown>[] }[] }[] };
    const bad = body.resourceLogs[0]?.scopeLogs[0]?.logRecords[1] as Record<string, unknown>;
    bad.traceId = 'abc'; // not 16 bytes of hex
    const res = await post(app, body, 'json');
    expect(res.statusCode).toBe(200);
    expect(res.json().partialSuccess.rejectedLogRecords).toBe('1');
    await delivery.exporters[0]?.forceFlush();

    const otlp = loki.received.filter((r) => r.path === '/otlp/v1/logs');
    expect(otlp.every((r) => r.headers['content-type'] === 'application/json')).toBe(true);
    const sent = decodeOtlpLogsJson(body).filter((_, i) => i !== 1);
    expect(forwarded(loki).map((e) => own(e.otlp as OtlpLogRecord))).toEqual(sent.map(own));
  });

  it('OTLP/gRPC, gzip on the wire: the message forwarded as received', async () => {
    const loki = await lokiUp();
    const { app, delivery } = await engine({ LOKI_URL: loki.url, ENGINE_OTLP_GRPC_PORT: '0', HOST: '127.0.0.1' });
    await app.ready();
    onTestFinished(() => closeClients());
    const message = otlpJsonToProto('logs', request('g'));
    const { error } = await grpcCall(`127.0.0.1:${app.engine.state.otlpGrpcPort}`, 'logs', message, { gzip: true });
    expect(error).toBeUndefined();
    await delivery.exporters[0]?.forceFlush();
    expect(forwarded(loki).map((e) => own(e.otlp as OtlpLogRecord))).toEqual(decodeOtlpLogsProtobuf(message).map(own));
  });

  it('several requests join into one forward, in the order accepted', async () => {
    const loki = await lokiUp();
    const { app, delivery } = await engine({ LOKI_URL: loki.url, EXPORT_LINGER_MS: '300' });
    for (const tag of ['a', 'b', 'c']) expect((await post(app, request(tag), 'protobuf')).statusCode).toBe(200);
    await delivery.exporters[0]?.forceFlush();
    expect(loki.received.filter((r) => r.path === '/otlp/v1/logs')).toHaveLength(1);
    const sent = ['a', 'b', 'c'].flatMap((tag) => decodeOtlpLogsProtobuf(otlpJsonToProto('logs', request(tag))));
    expect(forwarded(loki).map((e) => own(e.otlp as OtlpLogRecord))).toEqual(sent.map(own));
  });

  it('LOKI_OTLP_LOGS_FORM=push: each record a push line, as before; nothing on the OTLP endpoint', async () => {
    const loki = await lokiUp();
    const { app, delivery } = await engine({ LOKI_URL: loki.url, LOKI_OTLP_LOGS_FORM: 'push' });
    expect((await post(app, request('q'), 'protobuf')).statusCode).toBe(200);
    await delivery.exporters[0]?.forceFlush();
    expect(loki.received.filter((r) => r.path === '/otlp/v1/logs')).toEqual([]);
    const lines = loki.accepted.filter((e) => e.format === 'json' && e.labels.service !== 'correlation-engine');
    expect(lines.map((e) => JSON.parse(e.line).message)).toEqual([0, 1, 2, 3, 4].map((i) => `q record ${i} circuit_id=CKT-q-${i}`));
  });

  it('with Datadog too: Datadog gets each record, Loki the request, each once', async () => {
    const loki = await lokiUp();
    const datadog = await createDatadogSink('dd-key').up();
    onTestFinished(() => datadog.down());
    const { app, delivery } = await engine({
      LOKI_URL: loki.url,
      DATADOG_API_KEY: 'dd-key',
      DATADOG_LOGS_URL: `${datadog.url}/api/v2/logs`,
    });
    expect((await post(app, request('d'), 'protobuf')).statusCode).toBe(200);
    for (const exporter of delivery.exporters) await exporter.forceFlush();
    expect(forwarded(loki)).toHaveLength(5);
    expect(loki.accepted.filter((e) => e.format !== 'otlp' && e.line.includes('record'))).toEqual([]);
    const ddMessages = datadog.accepted.map((e) => String(e.entry.message)).filter((m) => m.includes(' record '));
    expect(ddMessages.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `d record ${i} circuit_id=CKT-d-${i}`));
  });

  it('a request Loki refuses (400) goes to the dead-letter file whole, counted in records', async () => {
    const loki = await lokiUp();
    loki.script.push({ status: 400, body: 'entry too far behind' });
    const { app, delivery, metrics } = await engine({ LOKI_URL: loki.url });
    expect((await post(app, request('x'), 'protobuf')).statusCode).toBe(200);
    const loki0 = delivery.exporters[0];
    await loki0?.forceFlush();
    expect(metricSum(await metrics.registry.metrics(), 'exporter_dead_letter_total', { exporter: 'loki' })).toBe(5);
    const file = loki0?.deadLetterPath ?? '';
    expect(existsSync(file)).toBe(true);
    const entry = JSON.parse(readFileSync(file, 'utf8').trim().split('\n')[0] ?? '{}');
    expect(entry.status).toBe(400);
    const [queued] = entry.records;
    expect(queued).toMatchObject({ kind: 'otlp-logs', format: 'protobuf', records: 5 });
    expect(decodeOtlpLogsProtobuf(Buffer.from(queued.body, 'base64')).map(own)).toEqual(
      decodeOtlpLogsProtobuf(otlpJsonToProto('logs', request('x'))).map(own),
    );
  });
});

describe('Loki, OTLP logs forwarded, the built engine killed', () => {
  beforeAll(() => buildEngine(), 120_000);

  it('a request acknowledged while Loki was down is forwarded after kill -9 and a restart', async () => {
    const loki = createLokiSink();
    await loki.up();
    await loki.down(); // its port, nothing listening
    onTestFinished(() => loki.down());
    const dir = mkdtempSync(join(tmpdir(), 'otlp-forward-kill-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const env = {
      ENGINE_DATA_DIR: dir,
      LOKI_URL: loki.url,
      LOKI_EXPORT_OTLP_LOGS: 'true',
      EXPORT_RETRY_INITIAL_MS: '100',
      EXPORT_RETRY_MAX_MS: '200',
    };
    const first = await EngineProcess.start(env);
    onTestFinished(() => first.kill9());
    const res = await fetch(`${first.url}/api/otlp/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from(otlpJsonToProto('logs', request('k'))),
    });
    expect(res.status).toBe(200);
    await first.kill9();
    await loki.up();
    const second = await EngineProcess.start(env);
    onTestFinished(() => second.kill9());
    await loki.waitFor(() => forwarded(loki).length >= 5, 20_000, 'the forwarded request');
    expect(forwarded(loki).map((e) => own(e.otlp as OtlpLogRecord))).toEqual(
      decodeOtlpLogsProtobuf(otlpJsonToProto('logs', request('k'))).map(own),
    );
  }, 60_000);
});
