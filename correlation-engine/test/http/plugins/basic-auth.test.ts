import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { testApp } from '../../helpers/app.js';
import { listen } from '../../helpers/listen.js';
import { captureLog } from '../../helpers/log-capture.js';

const AUTH_ENV = { ENABLE_BASIC_AUTH: 'true', BASIC_AUTH_USER: 'obs-admin', BASIC_AUTH_PASS: 'pa:ss w0rd' };
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const logBody = { resource: { service: 's' }, records: [{ message: 'hi' }] };

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

describe('BasicAuth', () => {
  it('protects the API: 401 with a challenge without or with wrong credentials', async () => {
    app = await testApp({ env: AUTH_ENV });
    for (const authorization of [
      undefined,
      basic('obs-admin', 'wrong'),
      basic('someone', 'pa:ss w0rd'),
      basic('obs-admin', 'pa:ss w0rd!'),
      'Bearer abc',
      'Basic !!!',
      'Basic ',
    ]) {
      for (const [method, url] of [
        ['GET', '/api/logs'],
        ['GET', '/api/correlations'],
        ['POST', '/api/logs'],
        ['POST', '/api/otlp/v1/traces'],
        ['GET', '/api/unknown'],
      ] as const) {
        const res = await app.inject({
          method,
          url,
          headers: authorization ? { authorization } : {},
          ...(method === 'POST' ? { payload: logBody } : {}),
        });
        expect(res.statusCode, `${method} ${url} ${authorization}`).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Basic realm="correlation-engine"');
      }
    }
  });

  it('answers OTLP clients with a google.rpc.Status (code 16 UNAUTHENTICATED)', async () => {
    app = await testApp({ env: AUTH_ENV });
    const res = await app.inject({
      method: 'POST',
      url: '/api/otlp/v1/traces',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.alloc(0),
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/x-protobuf');
    expect([...res.rawPayload.subarray(0, 2)]).toEqual([0x08, 16]);
  });

  it('lets the right credentials through (password may contain ":")', async () => {
    app = await testApp({ env: AUTH_ENV });
    const authorization = basic('obs-admin', 'pa:ss w0rd');
    expect((await app.inject({ url: '/api/correlations', headers: { authorization } })).statusCode).toBe(200);
    const res = await app.inject({ method: 'POST', url: '/api/logs', headers: { authorization }, payload: logBody });
    expect(res.statusCode).toBe(202);
  });

  it('keeps /health, /ready and /metrics open', async () => {
    app = await testApp({ env: AUTH_ENV });
    for (const url of ['/health', '/ready', '/metrics', '/health?x=1']) {
      expect((await app.inject(url)).statusCode, url).toBe(200);
    }
  });

  it('is off by default', async () => {
    app = await testApp();
    expect((await app.inject('/api/correlations')).statusCode).toBe(200);
  });

  it('refuses to start when enabled without user and password', () => {
    expect(() => loadConfig({ ENABLE_BASIC_AUTH: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ ENABLE_BASIC_AUTH: '1', BASIC_AUTH_USER: 'u' })).toThrow(/BASIC_AUTH_PASS/);
  });

  it('never logs credentials, even at trace level over a real socket', async () => {
    const log = captureLog();
    app = await testApp({ env: { ...AUTH_ENV, LOG_LEVEL: 'trace' }, logStream: log.stream });
    const base = await listen(app);
    const good = basic('obs-admin', 'pa:ss w0rd');
    await fetch(`${base}/api/logs`, { headers: { authorization: good } });
    await fetch(`${base}/api/logs`, { headers: { authorization: basic('obs-admin', 'guess') } });
    const logged = log.text();
    expect(logged).toContain('/api/logs'); // the requests were logged...
    for (const secret of ['pa:ss w0rd', good.slice(6), 'guess', basic('obs-admin', 'guess').slice(6)]) {
      expect(logged).not.toContain(secret); // ...their credentials were not
    }
  });
});
