// Starts the gateway as shipped (gateway/otel-config.yaml) on the collector distribution the
// gateway's builder manifest produces (.cache/bin/otelcol-obs, built by
// scripts/lib/ensure-otelcol.sh), every listener on a free local port, and reads its own
// telemetry (the :8888 endpoint Prometheus scrapes as job otel-gateway).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './engine-process.js';
import { CACHE_BIN, repoPath } from './paths.js';

export interface RunningGateway {
  otlpHttpUrl: string;
  telemetryUrl: string;
  output: () => string;
  stop: () => Promise<void>;
}

export const COLLECTOR_BINARY = join(CACHE_BIN, 'otelcol-obs');

/** `engineOtlpUrl` receives traces/logs/metrics; Tempo and Loki point at closed ports (they fail fast). */
export async function startGateway(engineOtlpUrl: string): Promise<RunningGateway> {
  if (!existsSync(COLLECTOR_BINARY)) throw new Error(`${COLLECTOR_BINARY} is missing: run scripts/lib/ensure-otelcol.sh (bootstrap does)`);
  const [http, grpc, health, telemetry, promExporter, closed] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const storage = mkdtempSync(join(tmpdir(), 'gateway-storage-'));
  const child = spawn(COLLECTOR_BINARY, [`--config=${repoPath('gateway', 'otel-config.yaml')}`], {
    env: {
      PATH: process.env.PATH,
      GATEWAY_OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
      GATEWAY_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
      GATEWAY_HEALTH_ENDPOINT: `127.0.0.1:${health}`,
      GATEWAY_TELEMETRY_HOST: '127.0.0.1',
      GATEWAY_TELEMETRY_PORT: String(telemetry),
      GATEWAY_PROMETHEUS_ENDPOINT: `127.0.0.1:${promExporter}`,
      GATEWAY_STORAGE_DIR: storage,
      ENGINE_OTLP_ENDPOINT: engineOtlpUrl,
      TEMPO_OTLP_GRPC_ENDPOINT: `127.0.0.1:${closed}`,
      LOKI_OTLP_ENDPOINT: `http://127.0.0.1:${closed}/otlp`,
      GATEWAY_RETRY_INITIAL_INTERVAL: '100ms',
      GATEWAY_RETRY_MAX_INTERVAL: '200ms',
      GATEWAY_RETRY_MAX_ELAPSED: '1s',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const append = (c: Buffer): void => {
    log = (log + c.toString()).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(storage, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`gateway exited with ${child.exitCode}:\n${log}`);
    }
    try {
      if ((await fetch(`http://127.0.0.1:${health}/`)).ok) break;
    } catch {
      // starting
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`gateway not healthy in time:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { otlpHttpUrl: `http://127.0.0.1:${http}`, telemetryUrl: `http://127.0.0.1:${telemetry}/metrics`, output: () => log, stop };
}
