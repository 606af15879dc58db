import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOnce } from '@obs/test-support/build';
import { freePort } from '@obs/test-support/ports';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, metricValue, testApp } from '../helpers/app.js';
import { RecordingDelivery } from '../helpers/delivery.js';
import { eventually } from '../helpers/listen.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const logWithTrace = (service = 'svc') => ({
  method: 'POST' as const,
  url: '/api/logs',
  payload: { resource: { service }, records: [{ message: 'm', trace_id: TRACE }] },
});

describe('app wiring', () => {
  it('hands accepted logs to delivery before answering, and closed-window events after', async () => {
    const delivery = new RecordingDelivery();
    const clock = new ManualClock();
    app = await testApp({ delivery, clock });
    expect((await app.inject(logWithTrace())).statusCode).toBe(202);
    expect(delivery.logs).toHaveLength(1);
    expect(delivery.logs[0]?.traceId).toBe(TRACE);
    expect(delivery.events).toHaveLength(0);
    clock.advance(60_000);
    app.engine.pipeline.tick();
    expect(delivery.events.map((e) => e.traceId)).toEqual([TRACE]);
  });

  it('closes every open window on app.close() and delivers the events', async () => {
    const delivery = new RecordingDelivery();
    app = await testApp({ delivery, clock: new ManualClock() });
    await app.inject(logWithTrace());
    expect((await app.inject('/health')).json().openWindows).toBe(1);
    await app.close();
    app = undefined;
    expect(delivery.events).toHaveLength(1);
    expect(delivery.events[0]).toMatchObject({ traceId: TRACE, logCount: 1 });
  });

  it('closes windows by itself with the interval and the real clock', async () => {
    app = await testApp({ env: { CORR_WINDOW_SECONDS: '0.2' } });
    await app.inject(logWithTrace());
    const events = await eventually(async () => {
      const list = (await app?.inject('/api/correlations'))?.json() as unknown[];
      return list.length ? list : undefined;
    }, 5000);
    expect(events).toHaveLength(1);
    expect((await app.inject('/health')).json().openWindows).toBe(0);
  });

  it('labels request durations with the route pattern, never the raw URL', async () => {
    app = await testApp();
    await app.inject(`/api/logs?trace_id=${TRACE}`);
    await app.inject('/no/such/path/123');
    const text = (await app.inject('/metrics')).body;
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/api\/logs"[^}]*status_code="200"/);
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="unmatched"[^}]*status_code="404"/);
    expect(text).not.toContain(TRACE);
    expect(text).not.toContain('/no/such/path');
  });

  it('bounds the service label: past the cap, services fold into "other"', async () => {
    app = await testApp();
    for (let i = 0; i < 205; i += 1) {
      await app.inject({ method: 'POST', url: '/api/logs', payload: { resource: { service: `svc-${i}` }, records: [{ message: 'x' }] } });
    }
    expect(await metricValue(app, 'correlation_records_received_total', { service: 'svc-0' })).toBe(1);
    expect(await metricValue(app, 'correlation_records_received_total', { service: 'other' })).toBe(5);
  });

  it('passes promtool check metrics (apart from prom-client default-metric names)', async (ctx) => {
    const which = spawnSync('promtool', ['--version']);
    // Installed by scripts/lib/ensure-prometheus.sh (bootstrap); CI must not pass without it.
    if (which.error) {
      if (process.env.CI) throw new Error('promtool is missing: run scripts/bootstrap.sh');
      ctx.skip();
    }
    const { buildApp } = await import('../../src/http/app.js');
    const { createMetrics } = await import('../../src/metrics.js');
    const { testConfig } = await import('../helpers/app.js');
    const config = testConfig();
    app = await buildApp({ config, metrics: createMetrics({ instanceId: 'promtool' }) });
    await app.inject(logWithTrace('beorn'));
    app.engine.pipeline.tick();
    const text = (await app.inject('/metrics')).body;
    const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const problems = `${run.stdout}${run.stderr}`
      .split('\n')
      .filter((l) => l.trim() !== '')
      // prom-client's default metrics (process_*/nodejs_*) use names promtool dislikes; not ours.
      .filter((l) => !/^(process_|nodejs_)/.test(l.trim()));
    expect(problems).toEqual([]);
  });
});

describe('server process (dist/server.js)', () => {
  const engineDir = join(import.meta.dirname, '../..');
  let cwd: string;

  beforeAll(() => {
    // Test what `pnpm start` runs: the compiled server.
    buildOnce('correlation-engine');
    // An empty working directory: no developer .env is picked up.
    cwd = mkdtempSync(join(tmpdir(), 'engine-server-'));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('exits 1 with a message naming every bad variable', () => {
    const run = spawnSync(process.execPath, [join(engineDir, 'dist/server.js')], {
      cwd,
      env: { PATH: process.env.PATH, PORT: 'eighty', ENABLE_BASIC_AUTH: 'true' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('PORT: must be a whole number');
    expect(run.stderr).toContain('BASIC_AUTH_USER: must be set when ENABLE_BASIC_AUTH=true');
  });

  it('exits 1 when the port is taken, without hanging', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const run = spawnSync(process.execPath, [join(engineDir, 'dist/server.js')], {
        cwd,
        env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(run.signal).toBeNull(); // ended by itself, not by the timeout
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('cannot listen');
    } finally {
      blocker.close();
    }
  });

  it('serves, then on SIGTERM closes open windows and exits 0', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(engineDir, 'dist/server.js')], {
      cwd,
      env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', ENGINE_INSTANCE_ID: 'proc-test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      const health = await eventually(
        async () => {
          try {
            const res = await fetch(`${base}/health`);
            return res.ok ? await res.json() : undefined;
          } catch {
            return undefined;
          }
        },
        15_000,
        'the engine to listen',
      );
      expect(health).toMatchObject({ status: 'healthy', instance: 'proc-test' });
      const res = await fetch(`${base}/api/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resource: { service: 'demo' }, records: [{ message: 'x', trace_id: TRACE }] }),
      });
      expect(res.status).toBe(202);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('"msg":"closed all open windows"');
      expect(out).toMatch(/"events":1[,}]/);
      expect(out).toContain('shutdown complete');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
