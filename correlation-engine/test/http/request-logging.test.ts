import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, testApp } from '../helpers/app.js';
import { captureLog } from '../helpers/log-capture.js';

const logBody = { resource: { service: 'beorn' }, records: [{ message: 'hello' }] };

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

describe('request logging', () => {
  it('at info, an accepted request writes no log line; a rejected one writes one naming the problem', async () => {
    const log = captureLog();
    app = await testApp({ env: { LOG_LEVEL: 'info' }, logStream: log.stream });
    const ok = await app.inject({ method: 'POST', url: '/api/logs', payload: logBody });
    expect(ok.statusCode).toBe(202);
    expect(log.lines().filter((l) => l.reqId !== undefined)).toEqual([]);

    const bad = await app.inject({ method: 'POST', url: '/api/logs', payload: { resource: { service: 'beorn' } } });
    expect(bad.statusCode).toBe(400);
    const perRequest = log.lines().filter((l) => l.reqId !== undefined);
    expect(perRequest).toHaveLength(1);
    expect(perRequest[0]).toMatchObject({ msg: 'request rejected', statusCode: 400, suppressed: 0 });
  });

  it('a client repeating a refused request gets one line a second per status and route, with the count left out', async () => {
    const clock = new ManualClock();
    const log = captureLog();
    app = await testApp({ env: { LOG_LEVEL: 'info' }, clock, logStream: log.stream });
    const rejected = () => log.lines().filter((l) => l.msg === 'request rejected');
    const bad = () => app.inject({ method: 'POST', url: '/api/logs', payload: { resource: { service: 'beorn' } } });
    for (let i = 0; i < 50; i += 1) expect((await bad()).statusCode).toBe(400);
    // Another status on the same route, and the same status on another route, have lines of their own.
    const unsupported = await app.inject({ method: 'POST', url: '/api/logs', headers: { 'content-type': 'text/plain' }, payload: 'x' });
    expect(unsupported.statusCode).toBe(415);
    expect((await app.inject({ url: '/api/logs?limit=0' })).statusCode).toBe(400);
    expect(rejected().map((l) => [l.statusCode, l.suppressed])).toEqual([
      [400, 0],
      [415, 0],
      [400, 0],
    ]);
    clock.advance(999);
    expect((await bad()).statusCode).toBe(400);
    expect(rejected()).toHaveLength(3);
    clock.advance(1);
    expect((await bad()).statusCode).toBe(400);
    expect(rejected().map((l) => [l.statusCode, l.suppressed, l.reason])).toEqual([
      [400, 0, 'records: is required'],
      [415, 0, expect.stringContaining('unsupported Content-Type')],
      [400, 0, expect.stringContaining('limit')],
      [400, 50, 'records: is required'],
    ]);
  });

  it('at debug, every request writes one "request completed" line with method, url, status and duration', async () => {
    const log = captureLog();
    app = await testApp({ env: { LOG_LEVEL: 'debug' }, logStream: log.stream });
    await app.inject({ method: 'POST', url: '/api/logs', payload: logBody });
    await app.inject({ method: 'GET', url: '/api/correlations?limit=5' });
    const completed = log.lines().filter((l) => l.msg === 'request completed');
    expect(completed).toHaveLength(2);
    expect(completed[0]).toMatchObject({ method: 'POST', url: '/api/logs', statusCode: 202 });
    expect(completed[1]).toMatchObject({ method: 'GET', url: '/api/correlations?limit=5', statusCode: 200 });
    expect(typeof completed[0]?.ms).toBe('number');
    expect(log.lines().some((l) => l.msg === 'incoming request')).toBe(false);
  });
});
