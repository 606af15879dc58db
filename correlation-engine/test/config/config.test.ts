import { readFileSync } from 'node:fs';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENGINE_ENV_VARS, loadConfig } from '../../src/config.js';
import { exportersEnvSchema } from '../../src/delivery-config.js';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).name).toBe('ConfigError');
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.logLevel).toBe('info');
    expect(c.windowMs).toBe(60_000);
    expect(c.maxOpenWindows).toBe(200_000);
    expect(c.maxSpansPerWindow).toBe(200);
    expect(c.maxLogsPerWindow).toBe(200);
    expect(c.recentEvents).toBe(1000);
    expect(c.recentLogs).toBe(2000);
    expect(c.defaultEnv).toBe('dev');
    expect(c.bodyLimitBytes).toBe(5 * 1024 * 1024);
    expect(c.basicAuth).toBeUndefined();
    expect(c.instanceId.length).toBeGreaterThan(0);
    expect(c.exporters.loki).toMatchObject({ url: undefined, traceIdLabel: false, exportOtlpLogs: false, otlpLogsForm: 'otlp' });
    expect(c.exporters.datadog.site).toBe('datadoghq.com');
    expect(c.exporters.dataDir).toBe('./data');
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      CORR_WINDOW_SECONDS: '0.25',
      CORR_MAX_OPEN_WINDOWS: '10',
      ENABLE_BASIC_AUTH: '1',
      BASIC_AUTH_USER: 'obs',
      BASIC_AUTH_PASS: 's3cret',
      GRAFANA_URL: 'http://grafana:3000/',
      LOKI_URL: 'http://loki:3100/',
      LOKI_TRACE_ID_LABEL: 'true',
      DATADOG_API_KEY: 'k',
      ENGINE_INSTANCE_ID: 'engine-a',
    });
    expect(c.port).toBe(9000);
    expect(c.windowMs).toBe(250);
    expect(c.basicAuth).toEqual({ user: 'obs', pass: 's3cret' });
    expect(c.grafanaUrl).toBe('http://grafana:3000');
    expect(c.exporters.loki.url).toBe('http://loki:3100');
    expect(c.exporters.loki.traceIdLabel).toBe(true);
    expect(c.exporters.datadog.apiKey).toBe('k');
    expect(c.instanceId).toBe('engine-a');
  });

  it('turns linking across replicas on with the gateway URL only', () => {
    expect(loadConfig({}).clusterLinking).toBeUndefined();
    expect(loadConfig({ ENGINE_CLUSTER_GATEWAY_URL: 'http://otel-gateway:4319/', ENGINE_CLUSTER_LINGER_MS: '5' }).clusterLinking).toEqual({
      gatewayUrl: 'http://otel-gateway:4319',
      bufferMaxBytes: 16 * 1024 * 1024,
      lingerMs: 5,
    });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', LOKI_URL: ' ' }).port).toBe(8080);
  });

  it.each([
    ['PORT', 'abc', 'PORT: must be a whole number'],
    ['PORT', '70000', 'PORT: must be <= 65535'],
    ['CORR_WINDOW_SECONDS', '0', 'CORR_WINDOW_SECONDS: must be > 0'],
    ['CORR_WINDOW_SECONDS', '-5', 'CORR_WINDOW_SECONDS: must be a positive number'],
    ['CORR_MAX_OPEN_WINDOWS', '1.5', 'CORR_MAX_OPEN_WINDOWS: must be a whole number'],
    ['ENABLE_BASIC_AUTH', 'yes', 'ENABLE_BASIC_AUTH: must be one of true, false, 1, 0'],
    ['LOKI_TRACE_ID_LABEL', 'on', 'LOKI_TRACE_ID_LABEL: must be one of true, false, 1, 0'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL: must be one of'],
    ['LOKI_URL', 'loki:3100', 'LOKI_URL: must be an http:// or https:// URL'],
    ['BODY_LIMIT_BYTES', '10', 'BODY_LIMIT_BYTES: must be >= 1024'],
    ['ENGINE_CLUSTER_GATEWAY_URL', 'gateway:4319', 'ENGINE_CLUSTER_GATEWAY_URL: must be an http:// or https:// URL'],
    ['ENGINE_CLUSTER_BUFFER_MAX_BYTES', '100', 'ENGINE_CLUSTER_BUFFER_MAX_BYTES: must be >= 65536'],
  ])('rejects %s=%s naming the variable', (name, value, expected) => {
    expect(configError({ [name]: value })).toContain(expected);
  });

  it('reports every bad variable at once', () => {
    const message = configError({ PORT: 'x', CORR_WINDOW_SECONDS: 'soon', TEMPO_OTLP_URL: 'nope' });
    expect(message).toContain('PORT');
    expect(message).toContain('CORR_WINDOW_SECONDS');
    expect(message).toContain('TEMPO_OTLP_URL');
  });

  it('refuses BasicAuth without user and password, without echoing secrets', () => {
    const message = configError({ ENABLE_BASIC_AUTH: 'true', BASIC_AUTH_PASS: '', PORT: 'bad' });
    expect(message).toContain('BASIC_AUTH_USER: must be set when ENABLE_BASIC_AUTH=true');
    expect(message).toContain('BASIC_AUTH_PASS: must be set when ENABLE_BASIC_AUTH=true');
    expect(message).toContain('PORT');
    expect(configError({ ENABLE_BASIC_AUTH: 'true', BASIC_AUTH_USER: 'u' })).toContain('BASIC_AUTH_PASS');
    expect(configError({ DATADOG_API_KEY: 'x', PORT: 'bad', BASIC_AUTH_PASS: 'hunter2', ENABLE_BASIC_AUTH: 'true' })).not.toContain(
      'hunter2',
    );
  });

  it('.env.example documents every engine variable and holds the defaults', () => {
    const example = parse(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8'));
    for (const name of [...ENGINE_ENV_VARS, 'LOKI_URL', 'TEMPO_OTLP_URL', 'DATADOG_API_KEY', 'DATADOG_SITE']) {
      expect(Object.keys(example), name).toContain(name);
    }
    const { instanceId: _a, ...fromExample } = loadConfig(example);
    const { instanceId: _b, ...defaults } = loadConfig({});
    expect(fromExample).toEqual(defaults);
    expect(exportersEnvSchema.safeParse(example).success).toBe(true);
  });
});
