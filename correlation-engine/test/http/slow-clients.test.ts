// Issue 13 acceptance: drip-fed requests against the built engine (a real process, heap capped as
// compose caps it) are answered 408 and closed by the server within the configured timeout.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEngine, EngineProcess } from '../sinks/engine-process.js';

const REQUEST_TIMEOUT_MS = 2000;
const HEADERS_TIMEOUT_MS = 1000;
// Node checks timeouts every headers-timeout / 4 (see app.ts); the rest is scheduling slack on a busy machine.
const SLACK_MS = 1000;

let engine: EngineProcess;
beforeAll(async () => {
  buildEngine();
  engine = await EngineProcess.start({
    NODE_OPTIONS: '--max-old-space-size=384',
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
  });
}, 120_000);
afterAll(async () => {
  await engine?.stop();
});

interface Drip {
  /** ms from connecting until the server closed the socket. */
  closedAfterMs: number;
  answer: string;
  /** Bytes the client had sent when the server closed. */
  sent: number;
}

/** Connects, sends `head`, then one byte of `rest` every `everyMs` until the server closes. */
function drip(head: string, rest: string, everyMs: number): Promise<Drip> {
  const { port, hostname } = new URL(engine.url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let answer = '';
    let sent = 0;
    const socket: Socket = connect(Number(port), hostname, () => {
      socket.write(head);
      sent += head.length;
    });
    const timer = setInterval(() => {
      if (sent - head.length >= rest.length || socket.destroyed) return;
      socket.write(rest[sent - head.length] ?? '');
      sent += 1;
    }, everyMs);
    socket.on('data', (d) => {
      answer += d.toString('latin1');
    });
    socket.on('error', () => {}); // a reset after the 408 is a close too
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ closedAfterMs: Date.now() - started, answer, sent });
    });
    // The test's own guard: a socket the server never closes fails the test instead of hanging it.
    setTimeout(() => reject(new Error('server did not close a drip-fed socket')), 4 * REQUEST_TIMEOUT_MS).unref();
  });
}

describe('slow clients', () => {
  it('closes 40 drip-fed bodies with 408 within the request timeout', async () => {
    const body = JSON.stringify({ resource: { service: 's' }, records: [{ message: 'x'.repeat(200) }] });
    const head = `POST /api/logs HTTP/1.1\r\nHost: engine\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const drips = await Promise.all(Array.from({ length: 40 }, () => drip(head, body, 500)));
    for (const d of drips) {
      expect(d.answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(d.sent).toBeLessThan(head.length + body.length); // still sending: the server ended it
      expect(d.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
      expect(d.closedAfterMs).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS + SLACK_MS);
    }
    // And the engine still serves everyone else.
    expect((await fetch(`${engine.url}/health`)).status).toBe(200);
  }, 30_000);

  it('closes drip-fed headers within the headers timeout', async () => {
    const head = 'GET /api/logs HTTP/1.1\r\nHost: engine\r\n';
    const drips = await Promise.all(Array.from({ length: 5 }, () => drip(head, 'X-Slow: abcdefghijklmnopqrstuvwxyz\r\n', 200)));
    for (const d of drips) {
      expect(d.answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(d.closedAfterMs).toBeLessThanOrEqual(HEADERS_TIMEOUT_MS + SLACK_MS);
    }
  }, 30_000);
});
