// The gateway collector's listen addresses and storage folder as environment variables, on
// loopback ports a test or the bench picked (gateway/otel-config.yaml reads them). Where the
// gateway sends data, and how it retries, is each caller's own part.

export interface GatewayPorts {
  grpc: number;
  http: number;
  health: number;
  telemetry: number;
  prometheus: number;
}

export function gatewayListenEnv(ports: GatewayPorts, storageDir: string): Record<string, string> {
  return {
    GATEWAY_OTLP_GRPC_ENDPOINT: `127.0.0.1:${ports.grpc}`,
    GATEWAY_OTLP_HTTP_ENDPOINT: `127.0.0.1:${ports.http}`,
    GATEWAY_HEALTH_ENDPOINT: `127.0.0.1:${ports.health}`,
    GATEWAY_TELEMETRY_HOST: '127.0.0.1',
    GATEWAY_TELEMETRY_PORT: String(ports.telemetry),
    GATEWAY_PROMETHEUS_ENDPOINT: `127.0.0.1:${ports.prometheus}`,
    GATEWAY_STORAGE_DIR: storageDir,
  };
}
