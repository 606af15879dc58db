// Failed Basic auth attempts: one log line per client per second, with the count left out.
import type { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, testApp } from '../helpers/app.js';
import { captureLog } from '../helpers/log-capture.js';

const AUTH_ENV = { ENABLE_BASIC_AUTH: 'true', BASIC_AUTH_USER: 'obs-admin', BASIC_AUTH_PASS: 'right-pass', LOG_LEVEL: 'info' };
const wrong = `Basic ${Buffer.from('obs-admin:guess-1').toString('base64')}`;

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

/** The log, its lines narrowed to the failed-auth ones. */
function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const log = captureLog();
  return { stream: log.stream, lines: () => log.lines().filter((l) => String(l.msg).startsWith('failed Basic auth')) };
}

describe('failed Basic auth logging', () => {
  it('logs at most one line per second per client, with the count of the attempts left out', async () => {
    const clock = new ManualClock();
    const log = capture();
    app = await testApp({ env: AUTH_ENV, clock, logStream: log.stream });
    const attempt = (remoteAddress: string) =>
      app.inject({ url: '/api/logs', remoteAddress, headers: { authorization: wrong } }).then((r) => expect(r.statusCode).toBe(401));

    for (let i = 0; i < 10; i += 1) await attempt('10.0.0.1');
    await attempt('10.0.0.2');
    expect(log.lines().map((l) => [l.client, l.suppressed])).toEqual([
      ['10.0.0.1', 0],
      ['10.0.0.2', 0],
    ]);

    clock.advance(999);
    await attempt('10.0.0.1');
    expect(log.lines()).toHaveLength(2);
    clock.advance(1);
    await attempt('10.0.0.1');
    expect(log.lines().map((l) => [l.client, l.suppressed])).toEqual([
      ['10.0.0.1', 0],
      ['10.0.0.2', 0],
      ['10.0.0.1', 10],
    ]);
    for (const line of log.lines()) {
      expect(line.level).toBe(40); // warn
      expect(JSON.stringify(line)).not.toContain('guess-1');
      expect(JSON.stringify(line)).not.toContain(wrong.slice(6));
    }
  });
});
