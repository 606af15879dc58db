// SIGTERM on a full engine with its heap capped as compose caps it: every open window closes and
// its event reaches the durable queue, in slices, and the process exits 0. Handing on all events
// of the table at once ran it out of memory (SIGABRT) with ~80,000 open windows of four logs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEngine, EngineProcess, freePort } from '../sinks/engine-process.js';

let engine: EngineProcess | undefined;
beforeAll(() => {
  buildEngine();
}, 120_000);
afterAll(async () => {
  await engine?.stop();
});

describe('shutdown of a full engine', () => {
  it('closes ~80,000 open windows into the queue within the heap cap and exits 0', async () => {
    engine = await EngineProcess.start({
      NODE_OPTIONS: '--max-old-space-size=384',
      CORR_WINDOW_SECONDS: '3600',
      ENGINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'engine-shutdown-')),
      // Loki is down: every event stays queued on disk, and shutdown does not wait long for it.
      LOKI_URL: `http://127.0.0.1:${await freePort()}`,
      EXPORT_SHUTDOWN_DEADLINE_MS: '1000',
      QUEUE_MAX_BYTES: String(2 * 1024 ** 3),
      LOG_LEVEL: 'info',
    });
    const message = 'provisioning step completed for the requested service with parameters '.repeat(3);
    for (let trace = 0; trace < 150_000; trace += 250) {
      const records = [];
      for (let t = trace; t < trace + 250; t++) {
        for (let k = 0; k < 4; k++) {
          records.push({ message: `${message} ${k}`, trace_id: (t + 1).toString(16).padStart(32, '0'), circuit_id: `CKT-${t % 500}` });
        }
      }
      const res = await fetch(`${engine.url}/api/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resource: { service: 'beorn' }, records }),
      });
      // 503 while the memory budget refuses ingest is an answer too; what matters is the shutdown.
      expect([202, 503]).toContain(res.status);
      await res.arrayBuffer();
    }
    const { openWindows } = (await (await fetch(`${engine.url}/health`)).json()) as { openWindows: number };
    expect(openWindows).toBeGreaterThan(50_000);

    await engine.stop(60_000);
    expect(engine.output).not.toMatch(/heap out of memory/);
    expect(engine.child.signalCode).toBeNull();
    expect(engine.child.exitCode).toBe(0);
    const closed = engine.output.match(/"events":(\d+),"msg":"closed all open windows"/);
    expect(Number(closed?.[1])).toBeGreaterThanOrEqual(openWindows);
  }, 180_000);
});
