// While a backend hangs, refused clients are told to wait as long as the exporter itself backs
// off, not 1 s. The built engine as a real process, a Loki stand-in that accepts connections and
// never answers, a queue bound one request fills.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEngine, EngineProcess } from '../sinks/engine-process.js';

const BACKOFF_MS = 4000;
let hanging: Server;
const sockets = new Set<Socket>();
let engine: EngineProcess;
let dir: string;

beforeAll(async () => {
  buildEngine();
  hanging = createServer(() => {
    // never answers
  });
  hanging.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  const address = hanging.address();
  if (!address || typeof address !== 'object') throw new Error('no port');
  dir = mkdtempSync(join(tmpdir(), 'retry-after-'));
  engine = await EngineProcess.start({
    LOKI_URL: `http://127.0.0.1:${address.port}`,
    ENGINE_DATA_DIR: dir,
    QUEUE_MAX_BYTES: '1024',
    EXPORT_LINGER_MS: '0',
    EXPORT_REQUEST_TIMEOUT_MS: '300',
    EXPORT_RETRY_INITIAL_MS: String(BACKOFF_MS),
    EXPORT_RETRY_MAX_MS: String(BACKOFF_MS),
  });
}, 120_000);

afterAll(async () => {
  await engine?.kill9();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => hanging.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function post(i: number): Promise<{ status: number; retryAfter: string | null }> {
  const res = await fetch(`${engine.url}/api/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resource: { service: 'waits' }, records: [{ message: `record ${i} ${'x'.repeat(2000)}` }] }),
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Retry-After while the backend hangs', () => {
  it('follows the exporter backoff on every refusal once the first attempt has failed', async () => {
    // One accepted request fills the 1 KiB bound; the exporter's first attempt times out after 300 ms.
    expect((await post(0)).status).toBe(202);
    await sleep(600);
    const seen: string[] = [];
    // Probes spread over more than one retry cycle: while waiting and while the retry hangs.
    for (let i = 1; i <= 24; i++) {
      const { status, retryAfter } = await post(i);
      expect(status).toBe(429);
      seen.push(retryAfter ?? '');
      await sleep(200);
    }
    expect(new Set(seen)).toEqual(new Set([String(BACKOFF_MS / 1000)]));
  }, 30_000);
});
