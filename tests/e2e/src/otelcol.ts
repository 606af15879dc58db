// The collector binary built from gateway/builder-config.yaml, the gateway's environment for
// loopback ports, and the small stand-in configs that play Tempo and Loki's OTLP endpoint.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GatewayPorts, gatewayListenEnv } from '@obs/test-support/gateway-env';
import { REPO_ROOT } from '@obs/test-support/repo';

export const repoRoot = REPO_ROOT;
export const gatewayConfig = join(repoRoot, 'gateway/otel-config.yaml');
export const basicAuthOverlay = join(repoRoot, 'gateway/otel-config.basicauth.yaml');
export const mtlsOverlay = join(repoRoot, 'gateway/otel-config.mtls.yaml');
export const scaleOverlay = join(repoRoot, 'gateway/otel-config.scale.yaml');

export class MissingCollectorError extends Error {
  override name = 'MissingCollectorError';
}

/** Path of otelcol-obs; fails with the command that builds it when it is not there. */
export function otelcolBinary(): string {
  const binary = join(repoRoot, '.cache/bin/otelcol-obs');
  if (!existsSync(binary)) {
    throw new MissingCollectorError(`${binary} is missing: run \`bash scripts/lib/ensure-otelcol.sh\` (or make e2e) first`);
  }
  return binary;
}

export interface GatewayTargets {
  /** OTLP/HTTP base URL of the engine, e.g. http://127.0.0.1:8080/api/otlp */
  engine: string;
  /** host:port of Tempo's OTLP gRPC receiver */
  tempoGrpc: string;
  /** base URL of Loki's OTLP endpoint, e.g. http://127.0.0.1:3100/otlp */
  lokiOtlp: string;
}

/** The only thing that differs from compose: addresses, the storage folder and faster retries. */
export function gatewayEnv(ports: GatewayPorts, targets: GatewayTargets, storageDir: string): Record<string, string> {
  return {
    ...gatewayListenEnv(ports, storageDir),
    ENGINE_OTLP_ENDPOINT: targets.engine,
    TEMPO_OTLP_GRPC_ENDPOINT: targets.tempoGrpc,
    LOKI_OTLP_ENDPOINT: targets.lokiOtlp,
    // The test's outage is 20 s: retry often enough to notice the engine is back within seconds.
    GATEWAY_RETRY_INITIAL_INTERVAL: '1s',
    GATEWAY_RETRY_MAX_INTERVAL: '3s',
  };
}

export interface SinkPorts {
  tempoGrpc: number;
  tempoHttp: number;
  lokiOtlpHttp: number;
  /** health_check on GET /ready, like Tempo's readiness endpoint (for ops/health-checks.sh). */
  ready?: number;
}

/**
 * One collector standing in for Tempo's OTLP receivers (gRPC from the gateway, HTTP from the
 * engine) and for Loki's native OTLP endpoint (/otlp/v1/logs from the gateway); each writes what
 * it receives, as OTLP/JSON lines, to its own file.
 */
export function writeSinkConfig(dir: string, ports: SinkPorts): { config: string; tempoFile: string; lokiOtlpFile: string } {
  const tempoFile = join(dir, 'tempo-spans.jsonl');
  const lokiOtlpFile = join(dir, 'loki-otlp-logs.jsonl');
  const config = join(dir, 'sink-collector.yaml');
  writeFileSync(
    config,
    `${ports.ready ? `extensions:\n  health_check: { endpoint: "127.0.0.1:${ports.ready}", path: /ready }\n` : ''}receivers:
  otlp/tempo:
    protocols:
      grpc: { endpoint: "127.0.0.1:${ports.tempoGrpc}" }
      http: { endpoint: "127.0.0.1:${ports.tempoHttp}" }
  otlp/loki:
    protocols:
      http:
        endpoint: "127.0.0.1:${ports.lokiOtlpHttp}"
        logs_url_path: /otlp/v1/logs
exporters:
  file/tempo: { path: "${tempoFile}", format: json, flush_interval: 200ms }
  file/loki: { path: "${lokiOtlpFile}", format: json, flush_interval: 200ms }
service:
  extensions: [${ports.ready ? 'health_check' : ''}]
  telemetry:
    metrics: { level: none }
  pipelines:
    traces: { receivers: [otlp/tempo], exporters: [file/tempo] }
    logs: { receivers: [otlp/loki], exporters: [file/loki] }
`,
  );
  return { config, tempoFile, lokiOtlpFile };
}
