// A log no exporter ships is not written to the durable queue. With Loki alone and
// LOKI_EXPORT_OTLP_LOGS=false (the default: the gateway sends OTLP logs to Loki itself), the
// engine's queue holds only what it ships: API logs and correlation events. So OTLP logs cost no
// queue write and no read-to-skip, and a Loki outage cannot fill the queue with them and turn the
// engine's OTLP ingest away. The built engine as a real process, Loki a closed port, the queue
// bound small.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@obs/test-support/ports';
import { metricSum } from '@obs/test-support/prometheus-text';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildEngine, EngineProcess } from '../sinks/engine-process.js';

const engines: { engine: EngineProcess; dir: string }[] = [];
beforeAll(() => buildEngine(), 120_000);
afterEach(async () => {
  for (const { engine, dir } of engines.splice(0)) {
    await engine.kill9();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function start(env: Record<string, string>): Promise<EngineProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'unshipped-logs-'));
  const engine = await EngineProcess.start({
    ENGINE_DATA_DIR: dir,
    LOKI_URL: `http://127.0.0.1:${await freePort()}`, // nothing listens: every push fails
    QUEUE_MAX_BYTES: String(16 * 1024),
    EXPORT_LINGER_MS: '0',
    EXPORT_RETRY_INITIAL_MS: '60000',
    EXPORT_RETRY_MAX_MS: '60000',
    ...env,
  });
  engines.push({ engine, dir });
  return engine;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function metric(engine: EngineProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricSum(await (await fetch(`${engine.url}/metrics`)).text(), name, labels);
}

async function post(engine: EngineProcess, path: string, body: unknown): Promise<number> {
  const res = await fetch(`${engine.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

/** 20 OTLP/JSON log records of ~600 bytes each, with trace context so they open windows. */
const otlpLogs = (n: number) => ({
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'mdso' } }] },
      scopeLogs: [
        {
          logRecords: Array.from({ length: 20 }, (_, i) => ({
            timeUnixNano: String(Date.now() * 1e6),
            severityText: 'INFO',
            body: { stringValue: `request ${n} record ${i} circuit_id=CKT-${n} ${'x'.repeat(600)}` },
          })),
        },
      ],
    },
  ],
});

const postOtlp = (engine: EngineProcess, n: number) => post(engine, '/api/otlp/v1/logs', otlpLogs(n));
const postApi = (engine: EngineProcess, n: number) =>
  post(engine, '/api/logs', { resource: { service: 'mdso' }, records: [{ message: `api ${n} ${'y'.repeat(2000)}` }] });

describe('logs no exporter ships', () => {
  it('are not queued: OTLP logs with Loki down never fill the queue bound, API logs still do', async () => {
    const engine = await start({});
    // An API log first: the exporter takes it, fails (Loki is down) and backs off for a minute,
    // so everything queued after it stays queued.
    expect(await postApi(engine, 0)).toBe(202);
    for (let i = 0; i < 100 && (await metric(engine, 'exporter_failed_total', { exporter: 'loki' })) === 0; i++) await sleep(50);
    expect(await metric(engine, 'exporter_failed_total', { exporter: 'loki' })).toBeGreaterThan(0);
    // 50 OTLP requests of ~12 KB each, 600 KB in all, against a 16 KiB bound: none is queued.
    for (let n = 0; n < 50; n++) expect(await postOtlp(engine, n)).toBe(200);
    expect(await metric(engine, 'correlation_records_received_total', { signal: 'logs' })).toBe(1001);
    await sleep(1100); // the depth gauge refreshes every second
    expect(await metric(engine, 'exporter_queue_depth', { exporter: 'loki' })).toBe(1);
    // API logs are shipped to Loki by the engine: queued, and refused once the bound is reached.
    const statuses: number[] = [];
    for (let n = 1; n < 20; n++) statuses.push(await postApi(engine, n));
    expect(statuses[0]).toBe(202);
    expect(statuses).toContain(429);
  }, 60_000);

  it('are queued when LOKI_EXPORT_OTLP_LOGS=true asks the engine to ship them', async () => {
    const engine = await start({ LOKI_EXPORT_OTLP_LOGS: 'true' });
    const statuses: number[] = [];
    for (let n = 0; n < 10; n++) statuses.push(await postOtlp(engine, n));
    expect(statuses[0]).toBe(200);
    // OTLP/HTTP backpressure: a retryable status once the backlog passes the bound.
    expect(statuses.some((s) => s === 429 || s === 503)).toBe(true);
  }, 60_000);
});
