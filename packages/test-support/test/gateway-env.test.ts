import { describe, expect, it } from 'vitest';
import { gatewayListenEnv } from '../src/gateway-env.js';

describe('gatewayListenEnv', () => {
  it('puts every listener on loopback at its own port and names the storage folder', () => {
    const env = gatewayListenEnv({ grpc: 1, http: 2, health: 3, telemetry: 4, prometheus: 5 }, '/tmp/s');
    expect(env).toEqual({
      GATEWAY_OTLP_GRPC_ENDPOINT: '127.0.0.1:1',
      GATEWAY_OTLP_HTTP_ENDPOINT: '127.0.0.1:2',
      GATEWAY_HEALTH_ENDPOINT: '127.0.0.1:3',
      GATEWAY_TELEMETRY_HOST: '127.0.0.1',
      GATEWAY_TELEMETRY_PORT: '4',
      GATEWAY_PROMETHEUS_ENDPOINT: '127.0.0.1:5',
      GATEWAY_STORAGE_DIR: '/tmp/s',
    });
  });
});
