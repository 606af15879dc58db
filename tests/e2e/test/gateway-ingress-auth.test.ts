// Gateway ingress auth (gateway/otel-config.ingress-auth.yaml) with the built collector: an
// Alloy-like sender (OTLP/HTTP with the Basic header otelcol.auth.basic sends) gets through with
// the right credentials and is refused with wrong or missing ones, over OTLP/HTTP and OTLP/gRPC;
// a real sense app configured the way sense-apps/docker-compose.yml configures it
// (OTEL_EXPORTER_OTLP_HEADERS) gets its traces in.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CaptureServer } from '../src/capture-server.js';
import { type RunningGateway, readyOrExited, startGateway, startSinkCollector } from '../src/collectors.js';
import { gatewayConfig, gatewayEnv, otelcolBinary, repoRoot, writeSinkConfig } from '../src/otelcol.js';
import { readSpans } from '../src/otlp-json.js';
import { newTraceId, tracesRequest } from '../src/otlp-payloads.js';
import { namedPorts } from '../src/ports.js';
import { ProcessSet } from '../src/processes.js';
import { waitFor, waitForHttpOk } from '../src/wait.js';

const ingressAuthOverlay = join(repoRoot, 'gateway/otel-config.ingress-auth.yaml');
const USER = 'mdso-alloy';
const PASSWORD = 'pa55 w0rd:with colon';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const CREDENTIALS = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

const dir = mkdtempSync(join(tmpdir(), 'obs-ingress-auth-'));
let failed = false;
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});
afterAll(() => {
  if (failed) console.log(`ingress auth test artifacts: ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

function post(url: string, body: unknown, authorization?: string): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) }).then((r) => r.status);
}

describe('gateway ingress auth: config', () => {
  const validate = (credentials: string) =>
    spawnSync(otelcolBinary(), ['validate', `--config=${gatewayConfig}`, `--config=${ingressAuthOverlay}`], {
      env: { ...process.env, GATEWAY_STORAGE_DIR: join(dir, 'validate'), GATEWAY_INGRESS_CREDENTIALS: credentials },
      encoding: 'utf8',
    });

  it('the built distribution accepts the overlay', () => {
    const run = validate(CREDENTIALS);
    expect(run.status, run.stderr).toBe(0);
  });

  it('refuses to start with the overlay but no credentials (auth on cannot silently mean open)', () => {
    const run = validate('');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/bearertokenauth\/ingress/);
  });
});

describe('gateway ingress auth: running', () => {
  let set: ProcessSet;
  const engine = new CaptureServer();
  let gateway: RunningGateway;
  let sink: ReturnType<typeof writeSinkConfig>;
  let ardaPort: number;
  let grpcTarget: string;

  beforeAll(async () => {
    set = new ProcessSet(join(dir, 'run'));
    const p = await namedPorts(['grpc', 'http', 'health', 'telemetry', 'prometheus', 'tempoGrpc', 'tempoHttp', 'lokiOtlp', 'arda']);
    ardaPort = p.arda;
    grpcTarget = `http://127.0.0.1:${p.grpc}`;
    sink = writeSinkConfig(join(dir, 'run'), { tempoGrpc: p.tempoGrpc, tempoHttp: p.tempoHttp, lokiOtlpHttp: p.lokiOtlp });
    await startSinkCollector(set, 'sink', sink.config, `http://127.0.0.1:${p.tempoHttp}/`);
    const engineUrl = await engine.listen();
    gateway = await startGateway(
      set,
      'gateway-ingress-auth',
      {
        ...gatewayEnv(
          p,
          { engine: `${engineUrl}/api/otlp`, tempoGrpc: `127.0.0.1:${p.tempoGrpc}`, lokiOtlp: `http://127.0.0.1:${p.lokiOtlp}/otlp` },
          join(dir, 'storage'),
        ),
        GATEWAY_INGRESS_CREDENTIALS: CREDENTIALS,
      },
      [ingressAuthOverlay],
    );
  });

  afterAll(async () => {
    await set?.stopAll();
    await engine.close();
  });

  it('an Alloy-like sender: wrong or missing credentials get 401 and deliver nothing; the right ones get through', async () => {
    const url = `${gateway.httpUrl}/v1/traces`;
    const refused = { wrongPassword: newTraceId(), wrongUser: newTraceId(), none: newTraceId(), bearer: newTraceId() };
    expect(await post(url, tracesRequest({ 'service.name': 'alloy' }, refused.wrongPassword, 'x'), basic(USER, 'guess'))).toBe(401);
    expect(await post(url, tracesRequest({ 'service.name': 'alloy' }, refused.wrongUser, 'x'), basic('admin', PASSWORD))).toBe(401);
    expect(await post(url, tracesRequest({ 'service.name': 'alloy' }, refused.none, 'x'))).toBe(401);
    expect(await post(url, tracesRequest({ 'service.name': 'alloy' }, refused.bearer, 'x'), `Bearer ${CREDENTIALS}`)).toBe(401);

    const accepted = newTraceId();
    expect(await post(url, tracesRequest({ 'service.name': 'alloy' }, accepted, 'GET /ok'), basic(USER, PASSWORD))).toBe(200);
    // Everything before the accepted span was refused at the receiver: once the accepted one is
    // in the Tempo sink, none of the refused ones can still be on its way.
    await waitFor('the accepted span in the Tempo sink', () => readSpans(sink.tempoFile).some((s) => s.traceId === accepted), 15_000);
    const delivered = new Set(readSpans(sink.tempoFile).map((s) => s.traceId));
    for (const [name, traceId] of Object.entries(refused)) expect(delivered.has(traceId), name).toBe(false);
    expect(gateway.proc.tail(400)).not.toContain(PASSWORD);
  });

  it('an OTLP/gRPC sender: the same credentials in the authorization metadata; others get UNAUTHENTICATED', async () => {
    /** One finished span of a new trace, exported over gRPC with the given authorization (or none). */
    const exportOne = async (authorization?: string): Promise<{ traceId: string; code: number; grpcCode?: number }> => {
      const memory = new InMemorySpanExporter();
      const provider = new TracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'alloy-grpc' }),
        spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
      });
      const span = provider.getTracer('ingress-auth').startSpan('GET /grpc');
      span.end();
      await provider.forceFlush();
      const metadata = new Metadata();
      if (authorization !== undefined) metadata.set('authorization', authorization);
      const exporter = new OTLPTraceExporter({ url: grpcTarget, metadata });
      const spans: ReadableSpan[] = memory.getFinishedSpans();
      const result = await new Promise<{ code: number; error?: Error & { code?: number } }>((r) => exporter.export(spans, r));
      await exporter.shutdown();
      await provider.shutdown();
      return {
        traceId: span.spanContext().traceId,
        code: result.code,
        ...(result.error?.code !== undefined ? { grpcCode: result.error.code } : {}),
      };
    };
    const refused = [await exportOne(basic(USER, 'guess')), await exportOne(basic('admin', PASSWORD)), await exportOne()];
    for (const r of refused) {
      expect(r.code).not.toBe(0);
      expect(r.grpcCode).toBe(status.UNAUTHENTICATED);
    }
    const accepted = await exportOne(basic(USER, PASSWORD));
    expect(accepted.code).toBe(0);
    await waitFor('the gRPC span in the Tempo sink', () => readSpans(sink.tempoFile).some((s) => s.traceId === accepted.traceId), 15_000);
    const delivered = new Set(readSpans(sink.tempoFile).map((s) => s.traceId));
    for (const r of refused) expect(delivered.has(r.traceId)).toBe(false);
  });

  it('a sense app with the OTEL_EXPORTER_OTLP_HEADERS that compose sets gets its traces in', async () => {
    const appDir = join(repoRoot, 'sense-apps', 'arda');
    const entry = join(appDir, 'dist/server.js');
    expect(existsSync(entry), `${entry} is missing: run pnpm build`).toBe(true);
    const start = (JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const [, ...args] = start.split(/\s+/).filter(Boolean);
    const arda = set.start({
      name: 'arda',
      command: process.execPath,
      args,
      cwd: appDir,
      env: {
        PORT: String(ardaPort),
        HOST: '127.0.0.1',
        OTEL_SERVICE_NAME: 'arda',
        OTEL_EXPORTER_OTLP_ENDPOINT: gateway.httpUrl,
        // The value sense-apps/docker-compose.yml builds from GATEWAY_INGRESS_CREDENTIALS.
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Basic%20${CREDENTIALS}`,
      },
    });
    const appUrl = `http://127.0.0.1:${ardaPort}`;
    await readyOrExited(arda, waitForHttpOk(`${appUrl}/health`, 20_000));
    const res = await fetch(`${appUrl}/api/test?circuit_id=AUTH-1`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { trace_id: string };
    expect(res.status).toBe(200);
    await waitFor(
      "arda's span in the Tempo sink, through the authenticating gateway",
      () => readSpans(sink.tempoFile).some((s) => s.traceId === body.trace_id && s.resource['service.name'] === 'arda'),
      20_000,
    );
  }, 40_000);
});
