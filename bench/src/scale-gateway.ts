// The scale-out phase's routing tier: the real gateway (gateway/otel-config.yaml plus the shipped
// scale overlay with a static resolver listing the engines' gRPC endpoints) and a bench overlay
// with the two differences a benchmark needs: the OTLP/HTTP receiver takes spans on the engine's
// path, so the load generator sends identical requests whoever listens, and the gateway's own
// Tempo pipeline ends in `nop` (nothing listens for Tempo here; its retries would only add noise).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayListenEnv } from '@obs/test-support/gateway-env';
import { namedPorts } from '@obs/test-support/ports';
import { repoPath } from '@obs/test-support/repo';
import { writeStaticScaleOverlay } from '@obs/test-support/scale-overlay';
import { Proc, waitHttp } from './procs.ts';

export interface ScaleGateway {
  proc: Proc;
  /** OTLP/HTTP base URL; spans go to `${url}/api/otlp/v1/traces`. */
  url: string;
}

const BENCH_OVERLAY = `receivers:
  otlp:
    protocols:
      http:
        traces_url_path: /api/otlp/v1/traces
exporters:
  nop: {}
service:
  pipelines:
    traces:
      exporters: [nop]
`;

/**
 * Starts the gateway in front of `engineGrpcEndpoints` (host:port each), its configs and storage in
 * a new folder under `workDir`, and waits for its health check.
 */
export async function startScaleGateway(
  binary: string,
  workDir: string,
  engineGrpcEndpoints: readonly string[],
  core: string | undefined,
): Promise<ScaleGateway> {
  const p = await namedPorts(['grpc', 'http', 'health', 'telemetry', 'prometheus', 'cluster']);
  const dir = mkdtempSync(join(workDir, 'gateway-'));
  const benchOverlay = join(dir, 'otel-config.bench.yaml');
  writeFileSync(benchOverlay, BENCH_OVERLAY);
  const configs = [repoPath('gateway/otel-config.yaml'), writeStaticScaleOverlay(dir, engineGrpcEndpoints), benchOverlay];
  const proc = new Proc(
    binary,
    configs.map((c) => `--config=${c}`),
    {
      core,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        // One core's worth of Go scheduler threads, as the collector baseline gets.
        GOMAXPROCS: '1',
        ...gatewayListenEnv(p, join(dir, 'gateway-storage')),
        // Its own port, so that gateways can run side by side (the overlay's default is fixed).
        GATEWAY_CLUSTER_HTTP_ENDPOINT: `127.0.0.1:${p.cluster}`,
        GATEWAY_LOG_LEVEL: 'warn',
      },
    },
  );
  await waitHttp(`http://127.0.0.1:${p.health}/`);
  return { proc, url: `http://127.0.0.1:${p.http}` };
}
