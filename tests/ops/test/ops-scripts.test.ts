// ops/health-checks.sh and ops/test-traffic.sh against real local HTTP servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, type Fixture, startFixture } from '../lib/http-fixture.js';
import { runScript } from '../lib/run-script.js';

let healthy: Fixture;
let unhealthy: Fixture;
let beorn: Fixture;
let engine: Fixture;
let failingEngine: Fixture;
let gateway: Fixture;

beforeAll(async () => {
  healthy = await startFixture(() => ({ status: 200, body: '{"status":"healthy"}' }));
  // /ready answers 503 (shutting down), /health 200: the engine row must show both.
  unhealthy = await startFixture((req) => ({ status: req.url === '/ready' ? 503 : 200 }));
  beorn = await startFixture(() => ({ status: 200, body: '{"ok":true}' }));
  engine = await startFixture(() => ({ status: 202, body: '{"accepted":1}' }));
  failingEngine = await startFixture(() => ({ status: 500 }));
  gateway = await startFixture(() => ({ status: 200 }));
});

afterAll(async () => {
  await Promise.all([healthy, unhealthy, beorn, engine, failingEngine, gateway].map((f) => f?.close()));
});

describe('ops/health-checks.sh', () => {
  it('prints a table and exits 0 when every selected component is up', async () => {
    const r = await runScript('ops/health-checks.sh', ['--only', 'engine,beorn,gateway'], {
      env: { ENGINE_URL: healthy.url, BEORN_URL: healthy.url, GATEWAY_HEALTH_URL: `${healthy.url}/` },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^COMPONENT\s+URL\s+STATUS\s+CODE\s+LATENCY/m);
    expect(r.stdout).toMatch(new RegExp(`^engine /health\\s+${healthy.url}/health\\s+UP\\s+200\\s+\\d+ms`, 'm'));
    expect(r.stdout).toMatch(/^engine \/ready\s+\S+\/ready\s+UP\s+200/m);
    expect(r.stdout).toMatch(/^beorn\s+\S+\/health\s+UP/m);
    expect(r.stdout).toContain('health: 4 up, 0 down');
    expect(r.stdout).not.toMatch(/^loki/m);
    expect(healthy.requests.map((q) => q.url)).toEqual(expect.arrayContaining(['/health', '/ready', '/']));
  });

  it('exits non-zero and names what is down (HTTP error and refused connection)', async () => {
    const port = await closedPort();
    const r = await runScript('ops/health-checks.sh', ['--only', 'engine,loki', '--timeout', '2'], {
      env: { ENGINE_URL: unhealthy.url, LOKI_URL: `http://127.0.0.1:${port}` },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^engine \/health\s+\S+\s+UP\s+200/m);
    expect(r.stdout).toMatch(/^engine \/ready\s+\S+\s+DOWN\s+503\s+\d+ms\s+HTTP 503/m);
    expect(r.stdout).toMatch(
      new RegExp(`^loki\\s+http://127\\.0\\.0\\.1:${port}/ready\\s+DOWN\\s+000\\s+\\d+ms\\s+connection refused`, 'm'),
    );
    expect(r.stdout).toContain('health: 1 up, 2 down');
  });

  it('checks all nine components by default, on HOST', async () => {
    const r = await runScript('ops/health-checks.sh', ['--timeout', '1'], { env: { HOST: '127.0.0.1', ENGINE_URL: healthy.url } });
    expect(r.code).toBe(1);
    for (const name of [
      'engine /health',
      'engine /ready',
      'gateway',
      'loki',
      'tempo',
      'prometheus',
      'grafana',
      'beorn',
      'palantir',
      'arda',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    }
    expect(r.stdout).toMatch(/^grafana\s+http:\/\/127\.0\.0\.1:3000\/api\/health/m);
    expect(r.stdout).toMatch(/^prometheus\s+http:\/\/127\.0\.0\.1:9090\/-\/healthy/m);
  });

  it('--wait retries until a starting component comes up', async () => {
    const upAt = Date.now() + 2500;
    const starting = await startFixture(() => ({ status: Date.now() >= upAt ? 200 : 503 }));
    try {
      const r = await runScript('ops/health-checks.sh', ['--only', 'loki', '--wait', '20'], { env: { LOKI_URL: starting.url } });
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toContain('health: 1 up, 0 down');
      expect(starting.requests.length).toBeGreaterThan(1);
      const fast = await runScript('ops/health-checks.sh', ['--only', 'loki'], {
        env: { LOKI_URL: `http://127.0.0.1:${await closedPort()}` },
      });
      expect(fast.code).toBe(1);
    } finally {
      await starting.close();
    }
  });

  it('rejects unknown components and options with exit 64', async () => {
    const r = await runScript('ops/health-checks.sh', ['--only', 'engine,nope']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/unknown component 'nope'/);
    expect((await runScript('ops/health-checks.sh', ['--bogus'])).code).toBe(64);
  });
});

describe('ops/test-traffic.sh', () => {
  it('sends COUNT beorn requests with known trace ids, the demo record and a Blue Planet line', async () => {
    const r = await runScript('ops/test-traffic.sh', [], {
      env: { BEORN_URL: beorn.url, ENGINE_URL: engine.url, GATEWAY_OTLP_URL: gateway.url, COUNT: '3', CIRCUIT_PREFIX: 'E2E' },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const circuits = /^circuits: (.+)$/m.exec(r.stdout)?.[1].split(',') ?? [];
    const traces = /^traces: (.+)$/m.exec(r.stdout)?.[1].split(',') ?? [];
    expect(circuits).toHaveLength(3);
    expect(new Set(circuits).size).toBe(3);
    for (const c of circuits) expect(c).toMatch(/^E2E-\d+-[1-3]$/);
    for (const t of traces) expect(t).toMatch(/^[0-9a-f]{32}$/);

    expect(beorn.requests).toHaveLength(3);
    beorn.requests.forEach((req, i) => {
      const url = new URL(req.url, beorn.url);
      expect(url.pathname).toBe('/api/test');
      expect(url.searchParams.get('circuit_id')).toBe(circuits[i]);
      expect(req.headers.traceparent).toMatch(new RegExp(`^00-${traces[i]}-[0-9a-f]{16}-01$`));
    });

    expect(engine.requests).toHaveLength(2);
    const [demo, bp] = engine.requests.map((q) => JSON.parse(q.body));
    expect(engine.requests[0].url).toBe('/api/logs');
    expect(demo.resource).toEqual({ service: 'demo', host: 'demo-host', env: 'dev' });
    expect(demo.records[0]).toMatchObject({ trace_id: traces[0], circuit_id: circuits[0], product_id: 'PROD-001', severity: 'INFO' });
    expect(Number.isNaN(Date.parse(demo.records[0].timestamp))).toBe(false);
    expect(bp.resource.service).toBe('blueplanet');
    expect(bp.records[0].message).toMatch(
      new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},\\d{3} INFO  \\[.+\\] \\S+ - .*circuit_id=${circuits[0]}$`),
    );
    expect(bp.records[0]).not.toHaveProperty('trace_id');

    const otlp = JSON.parse(gateway.requests[0]?.body ?? '{}');
    expect(gateway.requests[0]?.url).toBe('/v1/logs');
    expect(otlp.resourceLogs[0].scopeLogs[0].logRecords[0].traceId).toBe(traces[0]);
  });

  it('exits 1 and says which request failed when the engine answers 500', async () => {
    const r = await runScript('ops/test-traffic.sh', ['--no-apps'], {
      env: { ENGINE_URL: failingEngine.url, COUNT: '1', GATEWAY_OTLP_URL: '' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAIL {2}engine \/api\/logs demo record .* HTTP 500/);
    expect(r.stdout).toMatch(/^circuits: DEMO-\d+-1$/m);
  });

  it('--verify polls /api/correlations until an event names the first circuit', async () => {
    let polls = 0;
    const correlating = await startFixture((req) => {
      if (!req.url.startsWith('/api/correlations')) return { status: 202, body: '{"accepted":1}' };
      polls += 1;
      const circuit = new URL(req.url, 'http://x').searchParams.get('circuit_id');
      const event = { id: 'e1', traceId: 'a'.repeat(32), windowStart: 'x', keys: { circuit_id: [circuit] } };
      return { status: 200, body: polls < 2 ? '[]' : JSON.stringify([event]) };
    });
    try {
      const r = await runScript('ops/test-traffic.sh', ['--no-apps', '--verify', '20'], {
        env: { ENGINE_URL: correlating.url, COUNT: '2' },
      });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const circuit = /^circuits: ([^,\n]+)/m.exec(r.stdout)?.[1];
      expect(r.stdout).toContain(`correlated: ${circuit} (1 event(s))`);
      expect(polls).toBe(2);
      const never = await runScript('ops/test-traffic.sh', ['--no-apps', '--verify', '1'], { env: { ENGINE_URL: engine.url, COUNT: '1' } });
      expect(never.code).toBe(1);
      expect(never.stderr).toMatch(/no correlation event for DEMO-\d+-1 after 1s/);
    } finally {
      await correlating.close();
    }
  });

  it('rejects unsafe CIRCUIT_PREFIX and COUNT values', async () => {
    const r = await runScript('ops/test-traffic.sh', [], { env: { CIRCUIT_PREFIX: 'a"b', BEORN_URL: beorn.url } });
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/CIRCUIT_PREFIX may contain only/);
    expect((await runScript('ops/test-traffic.sh', [], { env: { COUNT: 'x' } })).code).toBe(64);
  });
});
