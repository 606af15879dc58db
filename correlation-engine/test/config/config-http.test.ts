// The HTTP server's timeouts and the listing byte cap: defaults, overrides, and refusals by name.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('HTTP timeouts and query cap config', () => {
  it('has documented defaults', () => {
    const c = loadConfig({});
    expect(c.queryResponseMaxBytes).toBe(1024 * 1024);
    expect(c.http).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
      connectionTimeoutMs: 120_000,
    });
  });

  it('reads every variable', () => {
    const c = loadConfig({
      QUERY_RESPONSE_MAX_BYTES: '100000',
      HTTP_REQUEST_TIMEOUT_MS: '5000',
      HTTP_HEADERS_TIMEOUT_MS: '4000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '3000',
      HTTP_CONNECTION_TIMEOUT_MS: '6000',
    });
    expect(c.queryResponseMaxBytes).toBe(100_000);
    expect(c.http).toEqual({ requestTimeoutMs: 5000, headersTimeoutMs: 4000, keepAliveTimeoutMs: 3000, connectionTimeoutMs: 6000 });
  });

  it('refuses bad values, naming the variable', () => {
    expect(() => loadConfig({ QUERY_RESPONSE_MAX_BYTES: '1000' })).toThrow(/QUERY_RESPONSE_MAX_BYTES: must be >= 65536/);
    expect(() => loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '0' })).toThrow(/HTTP_REQUEST_TIMEOUT_MS: must be >= 1/);
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: 'soon' })).toThrow(/HTTP_KEEP_ALIVE_TIMEOUT_MS: must be a whole number/);
    expect(() => loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '6000' })).toThrow(ConfigError);
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '40000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS: must be <= HTTP_REQUEST_TIMEOUT_MS \(30000\)/,
    );
  });
});
