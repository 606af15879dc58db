// Exporters against protocol sinks on real sockets: what Loki, Tempo and Datadog receive
// (labels, structured metadata, ns timestamps, ids, links, batch limits), retries and dead letters.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createDelivery } from '../../src/delivery/create-delivery.js';
import { type Delivery, NoopDelivery } from '../../src/delivery/delivery.js';
import type { DeliveryLogger } from '../../src/delivery/delivery-logger.js';
import { DurableDelivery } from '../../src/delivery/durable-delivery.js';
import { decodeTraces } from '../../src/ingest/otlp/index.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { createDatadogSink } from '../sinks/datadog-sink.js';
import type { HttpSink } from '../sinks/http-sink.js';
import { createLokiSink } from '../sinks/loki-sink.js';
import { createOtlpTraceSink } from '../sinks/otlp-sink.js';
import { makeEvent, makeLog } from '../sinks/records.js';

function capturingLogger(): DeliveryLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (obj: object, msg: string): void => {
    lines.push(`${msg} ${JSON.stringify(obj)}`);
  };
  return { lines, info: push, warn: push, error: push };
}

interface Harness {
  delivery: DurableDelivery;
  metrics: Metrics;
  dataDir: string;
  logger: ReturnType<typeof capturingLogger>;
}

function startDelivery(env: Record<string, string>, dataDir?: string): Harness {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'exporter-test-'));
  if (!dataDir) onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const config = loadConfig({
    ENGINE_INSTANCE_ID: 'engine-1',
    DEFAULT_ENV: 'test',
    ENGINE_DATA_DIR: dir,
    EXPORT_LINGER_MS: '20',
    EXPORT_RETRY_INITIAL_MS: '50',
    EXPORT_RETRY_MAX_MS: '200',
    ...env,
  });
  const metrics = createMetrics({ instanceId: 'engine-1', defaultMetrics: false });
  const logger = capturingLogger();
  const delivery = createDelivery(config, { metrics, logger, version: '9.9.9' });
  expect(delivery).toBeInstanceOf(DurableDelivery);
  const durable = delivery as DurableDelivery;
  durable.start();
  onTestFinished(() => durable.shutdown(500));
  return { delivery: durable, metrics, dataDir: dir, logger };
}

async function sinkUp<T>(sink: HttpSink<T>): Promise<HttpSink<T>> {
  await sink.up();
  onTestFinished(() => sink.down());
  return sink;
}

async function flushAll(delivery: DurableDelivery): Promise<void> {
  await Promise.all(delivery.exporters.map((e) => e.forceFlush()));
}

async function counter(
  metrics: Metrics,
  name: 'exporterSent' | 'exporterRetries' | 'exporterDeadLetter',
  exporter: string,
): Promise<number> {
  const data = await metrics[name].get();
  return data.values.find((v) => v.labels.exporter === exporter)?.value ?? 0;
}

describe('createDelivery', () => {
  it('is a NoopDelivery when no exporter is configured (and needs no Datadog key)', () => {
    const config = loadConfig({ ENGINE_DATA_DIR: join(tmpdir(), 'never-created') });
    const delivery: Delivery = createDelivery(config, {
      metrics: createMetrics({ instanceId: 'x', defaultMetrics: false }),
      logger: capturingLogger(),
    });
    expect(delivery).toBeInstanceOf(NoopDelivery);
  });

  it('constructs only the exporters whose variables are set', async () => {
    const loki = await sinkUp(createLokiSink());
    const { delivery } = startDelivery({ LOKI_URL: loki.url });
    expect(delivery.exporters.map((e) => e.name)).toEqual(['loki']);
  });
});

describe('Loki exporter', () => {
  it('pushes gzip JSON with service/env labels, metadata and ns timestamps; skips OTLP logs; events get their own stream', async () => {
    const loki = await sinkUp(createLokiSink());
    const { delivery, metrics } = startDelivery({ LOKI_URL: loki.url });
    const logs = Array.from({ length: 20 }, (_, i) => makeLog(i));
    await delivery.acceptLogs([...logs, makeLog(99, { source: 'otlp', message: 'from-otlp' })]);
    await delivery.acceptEvents([makeEvent(1)]);
    await flushAll(delivery);

    const req = loki.received[0];
    expect(req?.path).toBe('/loki/api/v1/push');
    expect(req?.headers['content-encoding']).toBe('gzip');
    const logEntries = loki.accepted.filter((e) => e.labels.service === 'beorn');
    expect(logEntries).toHaveLength(20);
    expect(loki.accepted.some((e) => e.line.includes('from-otlp'))).toBe(false);
    const first = logEntries.find((e) => JSON.parse(e.line).message === 'rec-3');
    expect(first?.labels).toEqual({ service: 'beorn', env: 'test' });
    expect(first?.tsNs).toBe('1764000000003250000');
    expect(first?.metadata).toEqual({
      level: 'info',
      trace_id: '00000000000000000000000000000004',
      span_id: 'aaaaaaaaaaaaaaa4',
      circuit_id: 'CIRCUIT-3',
      request_id: 'req-3',
    });
    expect(JSON.parse(first?.line ?? '{}')).toEqual({
      message: 'rec-3',
      host: 'server-124',
      format: 'json',
      source: 'api',
      logger: 'test',
      n: 3,
    });

    const events = loki.accepted.filter((e) => e.labels.service === 'correlation-engine');
    expect(events).toHaveLength(1);
    expect(events[0]?.labels).toEqual({ service: 'correlation-engine', env: 'test' });
    expect(events[0]?.metadata).toMatchObject({
      trace_id: makeEvent(1).traceId,
      level: 'error',
      circuit_id: 'CIRCUIT-9',
      resource_id: 'R-1,R-2',
    });
    expect(events[0]?.tsNs).toBe(`${Date.parse('2025-11-24T16:01:00.000Z')}000000`);
    expect(JSON.parse(events[0]?.line ?? '{}').id).toBe(makeEvent(1).id);
    expect(await counter(metrics, 'exporterSent', 'loki')).toBe(21);
  });

  it("puts every attribute in the line after the log's own fields, those named like Object.prototype's members too, none overriding them", async () => {
    const loki = await sinkUp(createLokiSink());
    const { delivery } = startDelivery({ LOKI_URL: loki.url });
    const attributes = {
      constructor: 'c',
      toString: 't',
      hasOwnProperty: 1,
      valueOf: false,
      message: 'not mine',
      format: 'x',
      '7': 'seven',
    };
    await delivery.acceptLogs([makeLog(1, { attributes })]);
    await flushAll(delivery);
    expect(loki.accepted).toHaveLength(1);
    const line = loki.accepted[0]?.line ?? '';
    expect(JSON.parse(line)).toEqual({
      '7': 'seven',
      message: 'rec-1',
      host: 'server-124',
      format: 'json',
      source: 'api',
      constructor: 'c',
      toString: 't',
      hasOwnProperty: 1,
      valueOf: false,
    });
    // An integer-like name comes first, as in any object built in JavaScript.
    expect(line.startsWith('{"7":"seven","message":"rec-1","host":"server-124"')).toBe(true);
  });

  it('pushes snappy protobuf (decoded with an independent schema), trace_id label when opted in, truncates long lines, splits by bytes', async () => {
    const loki = await sinkUp(createLokiSink());
    const { delivery } = startDelivery({
      LOKI_URL: loki.url,
      LOKI_FORMAT: 'protobuf',
      LOKI_TRACE_ID_LABEL: 'true',
      LOKI_MAX_LINE_BYTES: '2048',
      LOKI_BATCH_MAX_BYTES: '4096',
      LOKI_EXPORT_OTLP_LOGS: 'true',
      LOKI_OTLP_LOGS_FORM: 'push',
    });
    const logs = Array.from({ length: 30 }, (_, i) => makeLog(i, { message: `rec-${i} ${'é'.repeat(100)}` }));
    logs.push(makeLog(30, { message: `huge ${'x'.repeat(10_000)}`, source: 'otlp' }));
    await delivery.acceptLogs(logs);
    await flushAll(delivery);

    expect(loki.received.every((r) => r.headers['content-type'] === 'application/x-protobuf')).toBe(true);
    expect(loki.received.length).toBeGreaterThan(2); // 30 × ~330 B lines over a 4 KiB request bound
    expect(loki.accepted).toHaveLength(31);
    expect(loki.accepted.every((e) => e.format === 'protobuf')).toBe(true);
    const e5 = loki.accepted.find((e) => e.line.includes('"rec-5 '));
    expect(e5?.labels).toEqual({ service: 'beorn', env: 'test', trace_id: '00000000000000000000000000000006' });
    expect(e5?.tsNs).toBe('1764000000005250000');
    expect(e5?.metadata.span_id).toBe('aaaaaaaaaaaaaaa6');
    const huge = loki.accepted.find((e) => e.line.includes('huge'));
    expect(Buffer.byteLength(huge?.line ?? '')).toBeLessThanOrEqual(2048);
    const parsed = JSON.parse(huge?.line ?? '{}');
    expect(parsed.message).toMatch(/…\[truncated\]$/);
    expect(parsed.truncated).toBe(true);
  });

  it('retries 429/503 honouring Retry-After, then delivers once', async () => {
    const loki = await sinkUp(createLokiSink());
    loki.script.push({ status: 429, headers: { 'Retry-After': '1' } }, { status: 503 });
    const { delivery, metrics } = startDelivery({ LOKI_URL: loki.url });
    const t0 = Date.now();
    await delivery.acceptLogs([makeLog(1), makeLog(2)]);
    await flushAll(delivery);
    expect(loki.received.map((r) => r.status)).toEqual([429, 503, 204]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(loki.accepted).toHaveLength(2);
    expect(await counter(metrics, 'exporterRetries', 'loki')).toBe(2);
    expect(await counter(metrics, 'exporterSent', 'loki')).toBe(2);
  });

  it('sets a 400-rejected batch aside in the dead-letter file and keeps delivering the rest', async () => {
    const loki = await sinkUp(createLokiSink());
    loki.script.push({ status: 400, body: 'entry too far behind' });
    const { delivery, metrics, dataDir } = startDelivery({ LOKI_URL: loki.url });
    await delivery.acceptLogs([makeLog(1), makeLog(2)]);
    await flushAll(delivery);
    await delivery.acceptLogs([makeLog(3)]);
    await flushAll(delivery);
    expect(loki.accepted.map((e) => JSON.parse(e.line).message)).toEqual(['rec-3']);
    const lines = readFileSync(join(dataDir, 'dead-letter', 'loki.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(1);
    const dead = JSON.parse(lines[0] as string);
    expect(dead).toMatchObject({ exporter: 'loki', status: 400, response: 'entry too far behind' });
    expect(dead.records.map((r: { message: string }) => r.message)).toEqual(['rec-1', 'rec-2']);
    expect(await counter(metrics, 'exporterDeadLetter', 'loki')).toBe(2);
  });
});

describe('Tempo exporter', () => {
  it('sends one correlation.window span per event in the same trace, parented to the root span, with links to related traces', async () => {
    const tempo = await sinkUp(createOtlpTraceSink());
    const { delivery } = startDelivery({ TEMPO_OTLP_URL: tempo.url });
    const event = makeEvent(7);
    await delivery.acceptLogs([makeLog(1)]); // logs are not Tempo's business: skipped, still committed
    await delivery.acceptEvents([event, makeEvent(8, { rootSpan: null, relatedTraces: [], errorCount: 0 })]);
    await flushAll(delivery);

    expect(tempo.received[0]?.path).toBe('/v1/traces');
    expect(tempo.accepted).toHaveLength(2);
    const span = tempo.accepted.find((s) => s.traceId === event.traceId);
    expect(span).toMatchObject({
      name: 'correlation.window',
      parentSpanId: '00f067aa0ba902b7',
      startNs: `${Date.parse(event.windowStart)}000000`,
      endNs: `${Date.parse(event.windowEnd)}000000`,
      scope: '@obs/correlation-engine',
      status: { code: 2 },
    });
    expect(span?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span?.spanId).not.toBe('00f067aa0ba902b7');
    expect(span?.resource).toMatchObject({ 'service.name': 'correlation-engine', 'service.instance.id': 'engine-1' });
    expect(span?.attributes).toMatchObject({
      'correlation.span_count': 3,
      'correlation.log_count': 4,
      'correlation.error_count': 1,
      'correlation.services': ['beorn', 'palantir'],
      'correlation.highest_severity': 'ERROR',
      'correlation.continuation': false,
      circuit_id: 'CIRCUIT-9',
      resource_id: ['R-1', 'R-2'],
    });
    expect(span?.links).toEqual([
      {
        traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        spanId: '0000000000000000',
        attributes: { 'correlation.link.key': 'circuit_id', 'correlation.link.value': 'CIRCUIT-9', circuit_id: 'CIRCUIT-9' },
      },
    ]);
    // The engine's own OTLP reader agrees (the span would correlate if it ever came back in).
    const own = decodeTraces(new Uint8Array(tempo.received[0]?.raw ?? []), 'protobuf').spans.find((s) => s.traceId === event.traceId);
    expect(own).toMatchObject({
      spanId: span?.spanId,
      parentSpanId: '00f067aa0ba902b7',
      name: 'correlation.window',
      service: 'correlation-engine',
    });
    expect(own?.keys.circuit_id).toBe('CIRCUIT-9');
    const orphan = tempo.accepted.find((s) => s.traceId !== event.traceId);
    expect(orphan?.parentSpanId).toBe('');
    expect(orphan?.status.code).toBe(0);
  });
});

describe('Datadog exporter', () => {
  const KEY = 'dd-test-key-0123456789';

  it('sends gzip JSON within 1000 entries / 5 MB per request and 1 MB per entry, with trace fields and keys; the key never reaches logs', async () => {
    const dd = await sinkUp(createDatadogSink(KEY));
    const { delivery, logger } = startDelivery({
      DATADOG_API_KEY: KEY,
      DATADOG_LOGS_URL: `${dd.url}/api/v2/logs`,
      EXPORT_BATCH_MAX_RECORDS: '3000',
    });
    const small = Array.from({ length: 2300 }, (_, i) => makeLog(i));
    const big = Array.from({ length: 9 }, (_, i) => makeLog(5000 + i, { message: `big-${i} ${'y'.repeat(700_000)}` }));
    const huge = makeLog(9000, { message: `huge ${'z'.repeat(1_500_000)}` });
    await delivery.acceptLogs([...small, ...big, huge]);
    await delivery.acceptEvents([makeEvent(3)]);
    await flushAll(delivery);

    expect(dd.received.every((r) => r.status === 202 && r.path === '/api/v2/logs')).toBe(true);
    expect(dd.accepted).toHaveLength(2300 + 9 + 1 + 1);
    const sizes = dd.received.map((r) => r.raw.length);
    expect(sizes.length).toBeGreaterThanOrEqual(4); // ≥3 by count, and the 9 × 700 KB entries need ≥2 by bytes
    expect(Math.max(...dd.accepted.map((a) => a.request.entries))).toBeLessThanOrEqual(1000);
    expect(Math.max(...dd.accepted.map((a) => a.request.bytes))).toBeLessThanOrEqual(5_000_000);
    const hugeEntry = dd.accepted.find((a) => String(a.entry.message).startsWith('huge'));
    expect(hugeEntry?.bytes).toBeLessThanOrEqual(1_000_000);
    expect(hugeEntry?.entry.truncated).toBe(true);

    const one = dd.accepted.find((a) => a.entry.message === 'rec-5')?.entry;
    expect(one).toMatchObject({
      ddsource: 'correlation-engine',
      service: 'beorn',
      hostname: 'server-124',
      status: 'info',
      trace_id: '00000000000000000000000000000006',
      'dd.trace_id': '6',
      span_id: 'aaaaaaaaaaaaaaa6',
      circuit_id: 'CIRCUIT-5',
      request_id: 'req-5',
    });
    expect(String(one?.ddtags)).toContain('env:test');
    const ev = dd.accepted.find((a) => a.entry.service === 'correlation-engine')?.entry;
    expect(ev).toMatchObject({ trace_id: makeEvent(3).traceId, circuit_id: 'CIRCUIT-9', resource_id: ['R-1', 'R-2'] });
    expect(logger.lines.join('\n')).not.toContain(KEY);
  });
});

describe('durable delivery', () => {
  it('pushes back when the backlog passes QUEUE_MAX_BYTES and recovers once the backend drains it', async () => {
    const loki = createLokiSink();
    await sinkUp(loki);
    await loki.down();
    const { delivery, metrics } = startDelivery({ LOKI_URL: loki.url, QUEUE_MAX_BYTES: '20000' });
    let accepted = 0;
    let refused: unknown = null;
    for (let i = 0; i < 200 && !refused; i += 1) {
      try {
        await delivery.acceptLogs([makeLog(i)]);
        accepted += 1;
      } catch (err) {
        refused = err;
      }
    }
    expect(refused).toMatchObject({ name: 'BackpressureError' });
    expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(delivery.backpressure()?.reason).toMatch(/QUEUE_MAX_BYTES/);
    expect((await metrics.deliveryBacklogBytes.get()).values[0]?.value).toBeGreaterThanOrEqual(20000);
    await loki.up();
    await loki.waitFor(() => loki.accepted.length === accepted, 10_000, 'backlog to drain');
    await flushAll(delivery);
    expect(delivery.backpressure()).toBeNull();
    expect(new Set(loki.accepted.map((e) => JSON.parse(e.line).message)).size).toBe(accepted);
  });

  it('resumes from the committed position after a restart on the same data dir', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'exporter-restart-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const loki = createLokiSink();
    await sinkUp(loki);
    const first = startDelivery({ LOKI_URL: loki.url, EXPORT_SHUTDOWN_DEADLINE_MS: '300' }, dataDir);
    await first.delivery.acceptLogs([makeLog(1), makeLog(2)]);
    await flushAll(first.delivery);
    await loki.down();
    await first.delivery.acceptLogs([makeLog(3), makeLog(4)]);
    const t0 = Date.now();
    await first.delivery.shutdown(10_000); // backend down: EXPORT_SHUTDOWN_DEADLINE_MS cuts it short, records stay on disk
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(first.delivery.backpressure()?.reason).toBe('shutting down');
    await expect(first.delivery.acceptLogs([makeLog(5)])).rejects.toMatchObject({ name: 'BackpressureError' });
    expect(loki.accepted).toHaveLength(2);

    await loki.up();
    const second = startDelivery({ LOKI_URL: loki.url }, dataDir);
    await flushAll(second.delivery);
    expect(loki.accepted.map((e) => JSON.parse(e.line).message)).toEqual(['rec-1', 'rec-2', 'rec-3', 'rec-4']);
  });
});

describe('exporter log lines (what `docker compose logs correlation-engine | grep datadog` shows)', () => {
  const KEY = 'dd-log-key-9876543210';
  const lifecycle = (lines: string[], exporter: string) =>
    lines
      // The lifecycle lines only; per-attempt retries and dead-letter lines have their own tests.
      .filter((l) => l.includes(`"exporter":"${exporter}"`) && /^exporter (started|first|failing|healthy)/.test(l))
      .map((l) => l.slice(0, l.indexOf(' {')));

  it('one start-up line per exporter with its target (Datadog: and site), never the key; then the first success', async () => {
    const dd = await sinkUp(createDatadogSink(KEY));
    const loki = await sinkUp(createLokiSink());
    const { delivery, logger } = startDelivery({
      DATADOG_API_KEY: KEY,
      DATADOG_SITE: 'datadoghq.eu',
      DATADOG_LOGS_URL: `${dd.url}/api/v2/logs`,
      LOKI_URL: loki.url,
    });
    const started = logger.lines.filter((l) => l.startsWith('exporter started '));
    expect(started).toHaveLength(2);
    const ddStart = JSON.parse(started.find((l) => l.includes('"datadog"'))?.slice('exporter started '.length) ?? '{}');
    expect(ddStart).toEqual({ exporter: 'datadog', target: `${dd.url}/api/v2/logs`, site: 'datadoghq.eu' });
    const lokiStart = JSON.parse(started.find((l) => l.includes('"loki"'))?.slice('exporter started '.length) ?? '{}');
    expect(lokiStart).toEqual({ exporter: 'loki', target: `${loki.url}/loki/api/v1/push` });

    for (let i = 0; i < 3; i += 1) {
      await delivery.acceptLogs([makeLog(i)]);
      await flushAll(delivery);
    }
    expect(dd.accepted.length).toBe(3);
    expect(lifecycle(logger.lines, 'datadog')).toEqual(['exporter started', 'exporter first successful export']);
    const all = logger.lines.join('\n');
    expect(all).not.toContain(KEY);
  });

  it('logs each change between failing and healthy once, however many attempts fail in between', async () => {
    const loki = await sinkUp(createLokiSink());
    loki.script.push(...Array.from({ length: 6 }, () => ({ status: 503 })));
    const { delivery, logger } = startDelivery({ LOKI_URL: loki.url });
    await delivery.acceptLogs([makeLog(1)]);
    await flushAll(delivery);
    expect(loki.received.length).toBe(7);
    // A second outage after recovering: a 400 rejection counts as failing too (e.g. a bad key).
    loki.script.push({ status: 400, body: 'bad request' }, { status: 503 });
    await delivery.acceptLogs([makeLog(2)]);
    await flushAll(delivery);
    await delivery.acceptLogs([makeLog(3)]);
    await flushAll(delivery);
    expect(lifecycle(logger.lines, 'loki')).toEqual([
      'exporter started',
      'exporter failing',
      'exporter healthy again',
      'exporter failing',
      'exporter healthy again',
    ]);
    const firstFailing = logger.lines.find((l) => l.startsWith('exporter failing'));
    expect(firstFailing).toContain('"reason":"http_503"');
    expect(firstFailing).toContain('"since":"no successful export yet"');
    expect(logger.lines.filter((l) => l.startsWith('exporter failing')).at(-1)).toContain('"since":"was healthy"');
    expect(logger.lines.find((l) => l.startsWith('exporter healthy again'))).toMatch(/"downForMs":\d+/);
  });
});
