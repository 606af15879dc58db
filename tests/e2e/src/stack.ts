// The whole pipeline on loopback, every part real: stand-ins for Tempo and Loki (a collector with
// `file` exporters, plus the Loki push decoder), the correlation engine (built dist), the gateway
// (shipped config), the three sense apps exporting to the gateway, and Prometheus with the
// shipped scrape config. Start order follows the data flow backwards, so nothing sends to a
// port that is not listening yet.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningGateway, readyOrExited, startGateway, startSinkCollector } from './collectors.js';
import { LokiStandIn } from './loki-stand-in.js';
import { gatewayEnv, repoRoot, writeSinkConfig } from './otelcol.js';
import { namedPorts } from './ports.js';
import type { ManagedProcess, ProcessSet } from './processes.js';
import { startPrometheus } from './prometheus.js';
import { waitForHttpOk } from './wait.js';

export const APPS = ['beorn', 'palantir', 'arda'] as const;
export type AppName = (typeof APPS)[number];
export const E2E_ENV = 'e2e';
/** Short windows so events close within the test; the engine's default is 60 s. */
export const WINDOW_SECONDS = 3;

export class MissingBuildError extends Error {
  override name = 'MissingBuildError';
}

export interface Stack {
  dir: string;
  gateway: RunningGateway;
  engineUrl: string;
  appUrls: Record<AppName, string>;
  lokiUrl: string;
  loki: LokiStandIn;
  tempoFile: string;
  /** Base URL whose GET /ready is the Tempo stand-in's readiness. */
  tempoUrl: string;
  lokiOtlpFile: string;
  prometheusUrl: string;
  gatewayPorts: { health: number; telemetry: number; prometheus: number };
  prometheusTargets: string[];
  /** Stops the engine (SIGTERM, like `docker stop`) and resolves once it has exited. */
  stopEngine(): Promise<void>;
  /** Starts the engine again on the same port and data folder. */
  startEngine(): Promise<void>;
  timings: Record<string, number>;
}

function requireBuilt(file: string): void {
  if (!existsSync(file)) throw new MissingBuildError(`${file} is missing: run \`pnpm build\` first`);
}

/** The app's own `start` script (e.g. `node --import @obs/sense-common/telemetry dist/server.js`). */
function startCommand(pkgDir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const start = pkg.scripts?.start;
  if (!start) throw new MissingBuildError(`${pkgDir}/package.json has no start script`);
  return start.split(/\s+/).filter(Boolean);
}

export async function startStack(set: ProcessSet, dir: string): Promise<Stack> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const engineDir = join(repoRoot, 'correlation-engine');
  requireBuilt(join(engineDir, 'dist/server.js'));
  for (const app of APPS) requireBuilt(join(repoRoot, 'sense-apps', app, 'dist/server.js'));

  const p = await namedPorts([
    'gwGrpc',
    'gwHttp',
    'gwHealth',
    'gwTelemetry',
    'gwProm',
    'tempoGrpc',
    'tempoHttp',
    'tempoReady',
    'lokiOtlp',
    'loki',
    'engine',
    'prometheus',
    ...APPS,
  ]);

  const sink = writeSinkConfig(dir, { tempoGrpc: p.tempoGrpc, tempoHttp: p.tempoHttp, lokiOtlpHttp: p.lokiOtlp, ready: p.tempoReady });
  await startSinkCollector(set, 'sink-collector', sink.config, `http://127.0.0.1:${p.tempoHttp}/`);
  const loki = new LokiStandIn(`http://127.0.0.1:${p.lokiOtlp}/otlp/v1/logs`);
  const lokiUrl = await loki.listen(p.loki);
  timings.sinks = Date.now() - t0;

  const engineUrl = `http://127.0.0.1:${p.engine}`;
  const [node, ...engineArgs] = startCommand(engineDir);
  let engine: ManagedProcess | undefined;
  const startEngine = async (): Promise<void> => {
    engine = set.start({
      name: 'correlation-engine',
      command: node === 'node' ? process.execPath : String(node),
      args: engineArgs,
      cwd: engineDir,
      env: {
        PORT: String(p.engine),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        CORR_WINDOW_SECONDS: String(WINDOW_SECONDS),
        DEFAULT_ENV: E2E_ENV,
        LOKI_URL: lokiUrl,
        TEMPO_OTLP_URL: `http://127.0.0.1:${p.tempoHttp}`,
        ENGINE_DATA_DIR: join(dir, 'engine-data'),
        ENABLE_BASIC_AUTH: 'false',
      },
    });
    await readyOrExited(engine, waitForHttpOk(`${engineUrl}/health`, 20_000));
  };
  const stopEngine = async (): Promise<void> => {
    if (engine) await set.stop(engine, 15_000);
  };
  await startEngine();
  timings.engine = Date.now() - t0;

  const gateway = await startGateway(set, 'gateway', {
    ...gatewayEnv(
      { grpc: p.gwGrpc, http: p.gwHttp, health: p.gwHealth, telemetry: p.gwTelemetry, prometheus: p.gwProm },
      { engine: `${engineUrl}/api/otlp`, tempoGrpc: `127.0.0.1:${p.tempoGrpc}`, lokiOtlp: `${lokiUrl}/otlp` },
      join(dir, 'gateway-storage'),
    ),
    DEPLOYMENT_ENV: E2E_ENV,
  });
  timings.gateway = Date.now() - t0;

  // Last hop first, so each app's next hop is already listening.
  const appUrls = {} as Record<AppName, string>;
  for (const app of [...APPS].reverse()) {
    const appDir = join(repoRoot, 'sense-apps', app);
    const [cmd, ...args] = startCommand(appDir);
    const proc = set.start({
      name: app,
      command: cmd === 'node' ? process.execPath : String(cmd),
      args,
      cwd: appDir,
      env: {
        PORT: String(p[app]),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        PALANTIR_URL: `http://127.0.0.1:${p.palantir}`,
        ARDA_URL: `http://127.0.0.1:${p.arda}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: gateway.httpUrl,
        OTEL_SERVICE_NAME: app,
        DEPLOYMENT_ENVIRONMENT: E2E_ENV,
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_METRIC_EXPORT_INTERVAL: '2000',
      },
    });
    appUrls[app] = `http://127.0.0.1:${p[app]}`;
    await readyOrExited(proc, waitForHttpOk(`${appUrls[app]}/health`, 20_000));
  }
  timings.apps = Date.now() - t0;

  const prometheus = await startPrometheus(set, dir, p.prometheus, {
    'correlation-engine:8080': `127.0.0.1:${p.engine}`,
    'otel-gateway:8888': `127.0.0.1:${p.gwTelemetry}`,
    'otel-gateway:8889': `127.0.0.1:${p.gwProm}`,
    'loki:3100': `127.0.0.1:${p.loki}`,
    'tempo:3200': `127.0.0.1:${p.tempoReady}`,
  });
  await readyOrExited(prometheus.proc, waitForHttpOk(`${prometheus.url}/-/ready`, 20_000));
  timings.prometheus = Date.now() - t0;

  return {
    dir,
    gateway,
    engineUrl,
    appUrls,
    lokiUrl,
    loki,
    tempoFile: sink.tempoFile,
    tempoUrl: `http://127.0.0.1:${p.tempoReady}`,
    lokiOtlpFile: sink.lokiOtlpFile,
    prometheusUrl: prometheus.url,
    gatewayPorts: { health: p.gwHealth, telemetry: p.gwTelemetry, prometheus: p.gwProm },
    prometheusTargets: prometheus.rewritten,
    stopEngine,
    startEngine,
    timings,
  };
}
