// The shipped gateway config, run by the real collector built from gateway/builder-config.yaml:
// `validate` accepts it (and refuses what the distribution lacks), and a running gateway adds the
// resource attributes, fans traces/logs/metrics out to the engine, Tempo and Loki, exposes its
// metrics, and — with the overlays — sends BasicAuth to the engine and requires client certs.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CaptureServer } from '../src/capture-server.js';
import { postJson, type RunningGateway, startGateway, startSinkCollector } from '../src/collectors.js';
import {
  basicAuthOverlay,
  gatewayConfig,
  gatewayEnv,
  mtlsOverlay,
  otelcolBinary,
  repoRoot,
  scaleOverlay,
  writeSinkConfig,
} from '../src/otelcol.js';
import { readLogs, readSpans } from '../src/otlp-json.js';
import { counterRequest, logsRequest, newTraceId, tracesRequest } from '../src/otlp-payloads.js';
import { namedPorts } from '../src/ports.js';
import { ProcessSet } from '../src/processes.js';
import { waitFor } from '../src/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'obs-gateway-'));
let failed = false;
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});
// The collectors' logs stay for a failed run (the path is printed); a green run leaves nothing.
afterAll(() => {
  if (failed) console.log(`gateway test artifacts: ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

describe('gateway config: validate', () => {
  const env = { GATEWAY_STORAGE_DIR: join(dir, 'validate'), ENGINE_AUTHORIZATION: 'Basic dGVzdDp0ZXN0' };

  it('accepts the shipped config alone and with the BasicAuth, mTLS and scale overlays', () => {
    for (const configs of [
      [gatewayConfig],
      [gatewayConfig, basicAuthOverlay],
      [gatewayConfig, mtlsOverlay],
      [gatewayConfig, scaleOverlay],
    ]) {
      const run = spawnSync(otelcolBinary(), ['validate', ...configs.map((c) => `--config=${c}`)], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      expect(run.status, `${configs.join(' + ')}\n${run.stderr}`).toBe(0);
    }
  });

  it('refuses a component the distribution does not have (the removed `loki` exporter)', () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(
      broken,
      readFileSync(gatewayConfig, 'utf8').replace('exporters:\n', 'exporters:\n  loki:\n    endpoint: http://loki:3100/loki/api/v1/push\n'),
    );
    const run = spawnSync(otelcolBinary(), ['validate', `--config=${broken}`], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/loki/);
  });
});

describe('gateway: running with the shipped config', () => {
  let set: ProcessSet;
  const engine = new CaptureServer();
  let gateway: RunningGateway;
  let sink: ReturnType<typeof writeSinkConfig>;
  let promUrl: string;
  let telemetryUrl: string;

  beforeAll(async () => {
    set = new ProcessSet(join(dir, 'shipped'));
    const p = await namedPorts(['grpc', 'http', 'health', 'telemetry', 'prometheus', 'tempoGrpc', 'tempoHttp', 'lokiOtlp']);
    sink = writeSinkConfig(join(dir, 'shipped'), { tempoGrpc: p.tempoGrpc, tempoHttp: p.tempoHttp, lokiOtlpHttp: p.lokiOtlp });
    await startSinkCollector(set, 'sink', sink.config, `http://127.0.0.1:${p.tempoHttp}/`);
    const engineUrl = await engine.listen();
    const env = {
      ...gatewayEnv(
        p,
        { engine: `${engineUrl}/api/otlp`, tempoGrpc: `127.0.0.1:${p.tempoGrpc}`, lokiOtlp: `http://127.0.0.1:${p.lokiOtlp}/otlp` },
        join(dir, 'storage'),
      ),
      DEPLOYMENT_ENV: 'e2e',
    };
    gateway = await startGateway(set, 'gateway', env);
    promUrl = `http://127.0.0.1:${p.prometheus}/metrics`;
    telemetryUrl = `http://127.0.0.1:${p.telemetry}/metrics`;
  });

  afterAll(async () => {
    await set?.stopAll();
    await engine.close();
  });

  it('answers its health check, also through the image healthcheck binary', () => {
    const healthcheck = join(repoRoot, '.cache/bin/otelcol-healthcheck');
    expect(execFileSync(healthcheck, [gateway.healthUrl], { encoding: 'utf8' })).toContain('healthy');
    expect(spawnSync(healthcheck, ['http://127.0.0.1:1/']).status).toBe(1);
  });

  it('accepts the seed curl (empty resourceSpans) on /v1/traces', async () => {
    const res = await postJson(`${gateway.httpUrl}/v1/traces`, { resourceSpans: [] });
    expect(res.status).toBe(200);
  });

  it('adds resource attributes and delivers traces to the engine and Tempo, logs to the engine and Loki', async () => {
    const traceId = newTraceId();
    // deployment.environment from the sender is overwritten (upsert); service.version kept (insert).
    const appResource = { 'service.name': 'gw-app', 'service.version': '9.9.9', 'deployment.environment': 'laptop' };
    const bareResource = { 'service.name': 'gw-bare' };
    for (const [resource, name] of [
      [appResource, 'GET /a'],
      [bareResource, 'GET /b'],
    ] as const) {
      expect((await postJson(`${gateway.httpUrl}/v1/traces`, tracesRequest(resource, traceId, name))).status).toBe(200);
    }
    expect((await postJson(`${gateway.httpUrl}/v1/logs`, logsRequest(appResource, traceId, 'hello from gw-app'))).status).toBe(200);

    const spans = await waitFor(
      'both spans in the Tempo sink',
      () => {
        const found = readSpans(sink.tempoFile).filter((s) => s.traceId === traceId);
        return found.length === 2 && found;
      },
      15_000,
    );
    const byService = Object.fromEntries(spans.map((s) => [s.resource['service.name'], s.resource]));
    expect(byService['gw-app']).toMatchObject({
      'deployment.environment': 'e2e',
      'service.version': '9.9.9',
      'telemetry.sdk.language': 'nodejs',
    });
    expect(byService['gw-bare']).toMatchObject({ 'deployment.environment': 'e2e', 'service.version': '1.0.0' });

    const logs = await waitFor(
      'the log in the Loki OTLP sink',
      () => {
        const found = readLogs(sink.lokiOtlpFile).filter((l) => l.traceId === traceId);
        return found.length > 0 && found;
      },
      15_000,
    );
    // The two resource attributes Loki indexes as its only labels.
    expect(logs[0]?.resource).toMatchObject({ service: 'gw-app', env: 'e2e', 'service.name': 'gw-app' });
    expect(logs[0]?.body).toBe('hello from gw-app');
    // Only the Loki path gets the label copies; Tempo spans keep the plain resource.
    expect(byService['gw-app']).not.toHaveProperty('service');

    await waitFor(
      'the engine to receive traces and logs',
      () => {
        const paths = new Set(engine.requests.map((r) => r.path));
        return paths.has('/api/otlp/v1/traces') && paths.has('/api/otlp/v1/logs');
      },
      15_000,
    );
    const traces = engine.requests.find((r) => r.path === '/api/otlp/v1/traces');
    expect(traces?.headers['content-type']).toBe('application/x-protobuf');
    expect(traces?.headers['content-encoding']).toBe('gzip');
    expect(traces?.headers.authorization).toBeUndefined();
  });

  it('re-exposes app metrics for Prometheus on the prometheus exporter and sends them to the engine', async () => {
    const res = await postJson(`${gateway.httpUrl}/v1/metrics`, counterRequest({ 'service.name': 'gw-app' }, 'gw_test_requests', 7));
    expect(res.status).toBe(200);
    const text = await waitFor(
      'gw_test_requests_total on the prometheus exporter',
      async () => {
        const body = await (await fetch(promUrl)).text();
        return body.includes('gw_test_requests_total') && body;
      },
      15_000,
    );
    expect(text).toMatch(/gw_test_requests_total\{[^}]*job="gw-app"[^}]*\} 7/);
    await waitFor('the engine to receive metrics', () => engine.requests.some((r) => r.path === '/api/otlp/v1/metrics'), 15_000);
  });

  it('exposes its own telemetry (otelcol_*) for Prometheus', async () => {
    const text = await waitFor(
      'otelcol_receiver_accepted_spans',
      async () => {
        const body = await (await fetch(telemetryUrl)).text();
        return body.includes('otelcol_receiver_accepted_spans') && body;
      },
      15_000,
    );
    expect(text).toMatch(/otelcol_exporter_sent_spans[^\n]*exporter="otlp_http\/engine"/);
  });
});

describe('gateway: persistent queue across a gateway crash', () => {
  let set: ProcessSet;
  const engine = new CaptureServer();
  let env: Record<string, string>;
  let telemetryUrl: string;

  beforeAll(async () => {
    set = new ProcessSet(join(dir, 'crash'));
    const p = await namedPorts(['grpc', 'http', 'health', 'telemetry', 'prometheus', 'tempoGrpc', 'lokiOtlp']);
    const engineUrl = await engine.listen();
    env = gatewayEnv(
      p,
      { engine: `${engineUrl}/api/otlp`, tempoGrpc: `127.0.0.1:${p.tempoGrpc}`, lokiOtlp: `http://127.0.0.1:${p.lokiOtlp}/otlp` },
      join(dir, 'storage-crash'),
    );
    telemetryUrl = `http://127.0.0.1:${p.telemetry}/metrics`;
  });

  afterAll(async () => {
    await set?.stopAll();
    await engine.close();
  });

  const sentToEngine = async (): Promise<number> => {
    const text = await (await fetch(telemetryUrl)).text();
    const line = text.split('\n').find((l) => l.startsWith('otelcol_exporter_sent_spans') && l.includes('exporter="otlp_http/engine"'));
    return Number(line?.split(' ').at(-1) ?? 0);
  };

  it('spans accepted while the engine answers 503 survive SIGKILL of the gateway and arrive after its restart', async () => {
    engine.status = 503;
    const first = await startGateway(set, 'gateway-crash-1', env);
    const spans = 5;
    for (let i = 0; i < spans; i += 1) {
      const res = await postJson(
        `${first.httpUrl}/v1/traces`,
        tracesRequest({ 'service.name': 'crash-app' }, newTraceId(), `GET /crash/${i}`),
      );
      expect(res.status).toBe(200);
    }
    // The engine has been asked (and refused) at least once: the spans are in the queue.
    await waitFor('a refused export', () => engine.requests.length > 0, 10_000);
    expect(await sentToEngine()).toBe(0);
    await set.stop(first.proc, 1_000, 'SIGKILL');

    engine.status = 200;
    const before = engine.requests.length;
    await startGateway(set, 'gateway-crash-2', env);
    // The new process received nothing itself: everything it sends came from the queue on disk.
    const sent = await waitFor(
      'the restarted gateway to deliver the queued spans',
      async () => {
        const n = await sentToEngine();
        return n >= spans && n;
      },
      20_000,
    );
    expect(sent).toBe(spans);
    expect(engine.requests.length).toBeGreaterThan(before);
  }, 40_000);
});

describe('gateway overlays: BasicAuth to the engine, mTLS on the receivers', () => {
  let set: ProcessSet;
  const engine = new CaptureServer();
  const certs = join(dir, 'certs');
  let httpsPort: number;
  let gateway: RunningGateway;

  beforeAll(async () => {
    set = new ProcessSet(join(dir, 'overlays'));
    makeCerts(certs);
    const p = await namedPorts(['grpc', 'http', 'health', 'telemetry', 'prometheus', 'tempoGrpc', 'lokiOtlp']);
    httpsPort = p.http;
    const engineUrl = await engine.listen();
    const env = {
      ...gatewayEnv(
        p,
        // Nothing listens on the Tempo/Loki ports: only the engine path matters here.
        { engine: `${engineUrl}/api/otlp`, tempoGrpc: `127.0.0.1:${p.tempoGrpc}`, lokiOtlp: `http://127.0.0.1:${p.lokiOtlp}/otlp` },
        join(dir, 'storage-overlays'),
      ),
      ENGINE_AUTHORIZATION: `Basic ${Buffer.from('obs-admin:s3cret').toString('base64')}`,
      GATEWAY_TLS_CERT_FILE: join(certs, 'server.crt'),
      GATEWAY_TLS_KEY_FILE: join(certs, 'server.key'),
      GATEWAY_TLS_CLIENT_CA_FILE: join(certs, 'ca.crt'),
    };
    gateway = await startGateway(set, 'gateway-overlays', env, [basicAuthOverlay, mtlsOverlay]);
  });

  afterAll(async () => {
    await set?.stopAll();
    await engine.close();
  });

  it('accepts OTLP over TLS with a client certificate and forwards it with the Authorization header', async () => {
    const traceId = newTraceId();
    const status = await httpsPost(httpsPort, '/v1/traces', tracesRequest({ 'service.name': 'mtls-app' }, traceId, 'GET /tls'), {
      ca: readFileSync(join(certs, 'ca.crt')),
      cert: readFileSync(join(certs, 'client.crt')),
      key: readFileSync(join(certs, 'client.key')),
    });
    expect(status).toBe(200);
    const forwarded = await waitFor(
      'the engine to receive the trace',
      () => engine.requests.find((r) => r.path === '/api/otlp/v1/traces'),
      15_000,
    );
    expect(forwarded.headers.authorization).toBe(`Basic ${Buffer.from('obs-admin:s3cret').toString('base64')}`);
    expect(gateway.proc.tail(200)).not.toContain('s3cret');
  });

  it('refuses a TLS client without a certificate, and plain HTTP', async () => {
    await expect(httpsPost(httpsPort, '/v1/traces', { resourceSpans: [] }, { ca: readFileSync(join(certs, 'ca.crt')) })).rejects.toThrow();
    await expect(postJson(`http://127.0.0.1:${httpsPort}/v1/traces`, { resourceSpans: [] }).then((r) => r.status)).resolves.toBe(400);
  });
});

function makeCerts(out: string): void {
  const sh = (args: string[]) => execFileSync('openssl', args, { cwd: out, stdio: 'pipe' });
  execFileSync('mkdir', ['-p', out]);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  sh(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=e2e-ca']);
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'],
    ['client', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    writeFileSync(join(out, `${name}.ext`), ext);
    sh(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=e2e-${name}`]);
    sh([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    ]);
  }
}

function httpsPost(port: number, path: string, body: unknown, tls: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 5_000, ...tls },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(JSON.stringify(body));
  });
}
