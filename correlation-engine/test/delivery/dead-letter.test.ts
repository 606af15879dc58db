// Dead letters are bounded in bytes. (1) The files themselves: writes past the bound rotate and
// delete the oldest segments, counted; the bound holds across a restart and for a file left by a
// build without the bound. (2) Issue 13 acceptance with the built engine as a real process: a Loki
// that answers 400 to everything, sustained ingest, a small QUEUE_MAX_BYTES: the data directory
// stays within QUEUE_MAX_BYTES + DEAD_LETTER_MAX_BYTES + the documented overhead, /metrics
// counts the deleted segments, and the log has one line for the refused batches and one for the
// rotations, not one per batch.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DEAD_LETTER_SEGMENTS, type DeadLetterDrop, DeadLetterFile } from '../../src/delivery/dead-letter.js';
import { DATA_DIR_OVERHEAD_BYTES } from '../../src/delivery-config.js';
import { buildEngine, EngineProcess } from '../sinks/engine-process.js';
import { LoadClient } from '../sinks/load-client.js';
import { createLokiSink } from '../sinks/loki-sink.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dead-letter-'));
  dirs.push(dir);
  return dir;
}

/** Bytes of every file under `dir`. */
function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    try {
      total += statSync(join(entry.parentPath, entry.name)).size;
    } catch {
      // deleted between listing and stat (a rotation, a checkpoint)
    }
  }
  return total;
}

function batch(i: number, records: number) {
  return {
    exporter: 'loki',
    status: 400,
    reason: 'rejected with HTTP 400',
    records: Array.from({ length: records }, (_, r) => ({ kind: 'log', message: `batch ${i} record ${r} ${'x'.repeat(200)}` })),
  };
}

describe('DEAD_LETTER_MAX_BYTES', () => {
  it('defaults to a quarter of QUEUE_MAX_BYTES and takes an explicit value', () => {
    expect(loadConfig({ QUEUE_MAX_BYTES: String(8 * MiB) }).exporters.deadLetter.maxBytes).toBe(2 * MiB);
    expect(loadConfig({ QUEUE_MAX_BYTES: String(8 * MiB), DEAD_LETTER_MAX_BYTES: '' }).exporters.deadLetter.maxBytes).toBe(2 * MiB);
    expect(loadConfig({ DEAD_LETTER_MAX_BYTES: String(3 * MiB) }).exporters.deadLetter.maxBytes).toBe(3 * MiB);
  });

  it('refuses a bound too small to hold a batch, naming the variable', () => {
    expect(() => loadConfig({ DEAD_LETTER_MAX_BYTES: '100' })).toThrow(ConfigError);
    expect(() => loadConfig({ DEAD_LETTER_MAX_BYTES: '100' })).toThrow(/DEAD_LETTER_MAX_BYTES/);
  });
});

describe('dead-letter files', () => {
  it('rotate and delete the oldest segments to stay within their bytes, counting what they delete', () => {
    const dir = tempDir();
    const drops: DeadLetterDrop[] = [];
    const maxBytes = 64 * KiB;
    const file = new DeadLetterFile({ dir, exporter: 'loki', maxBytes, onDrop: (d) => drops.push(d) });
    let peak = 0;
    for (let i = 0; i < 500; i++) {
      file.write(batch(i, 5));
      peak = Math.max(peak, dirBytes(dir));
    }
    expect(peak).toBeLessThanOrEqual(maxBytes);
    expect(drops.length).toBeGreaterThan(0);
    const droppedRecords = drops.reduce((n, d) => n + d.records, 0);
    // Whatever is still on disk plus what was deleted is everything written.
    const kept = readdirSync(dir).length;
    expect(kept).toBeLessThanOrEqual(DEAD_LETTER_SEGMENTS);
    expect(droppedRecords % 5).toBe(0);
    expect(droppedRecords).toBeGreaterThan(0);
    expect(droppedRecords).toBeLessThan(2500);
  });

  it('count a forwarded OTLP request as the log records it holds, in what they delete and after a restart', () => {
    const dir = tempDir();
    const drops: DeadLetterDrop[] = [];
    const request = (i: number) => ({
      exporter: 'loki',
      status: 400,
      reason: 'rejected',
      records: [{ kind: 'otlp-logs', format: 'protobuf', records: 50, body: Buffer.alloc(600, i).toString('base64') }],
    });
    const file = new DeadLetterFile({ dir, exporter: 'loki', maxBytes: 64 * KiB, onDrop: (d) => drops.push(d) });
    for (let i = 0; i < 300; i++) file.write(request(i));
    const dropped = drops.reduce((n, d) => n + d.records, 0);
    expect(dropped).toBeGreaterThan(0);
    expect(dropped % 50).toBe(0);
    // Read back on a restart: the segments still on disk count 50 per request too.
    const again = new DeadLetterFile({ dir, exporter: 'loki', maxBytes: 16 * KiB, onDrop: (d) => drops.push(d) });
    again.write(request(300));
    expect(drops.at(-1)?.records).toBeGreaterThan(0);
    expect((drops.at(-1)?.records ?? 0) % 50).toBe(0);
  });

  it('a batch larger than a segment is split per record; a record larger than a segment leaves a note', () => {
    const dir = tempDir();
    const file = new DeadLetterFile({ dir, exporter: 'tempo', maxBytes: 64 * KiB });
    file.write(batch(1, 200));
    file.write({ exporter: 'tempo', status: 400, reason: 'too big', records: [{ message: 'y'.repeat(100 * KiB) }] });
    expect(dirBytes(dir)).toBeLessThanOrEqual(64 * KiB);
    expect(file.bytes).toBe(dirBytes(dir));
  });

  it('keeps working when an operator deletes or moves its files', () => {
    const dir = tempDir();
    const file = new DeadLetterFile({ dir, exporter: 'loki', maxBytes: 64 * KiB });
    for (let i = 0; i < 100; i++) file.write(batch(i, 5));
    for (const name of readdirSync(dir)) rmSync(join(dir, name));
    for (let i = 0; i < 100; i++) file.write(batch(i, 5));
    expect(dirBytes(dir)).toBeGreaterThan(0);
    expect(dirBytes(dir)).toBeLessThanOrEqual(64 * KiB);
  });

  it('keeps the bound across a restart and for a file left by a build without the bound', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'loki.jsonl'), `${JSON.stringify(batch(0, 1))}\n`.repeat(2000));
    expect(dirBytes(dir)).toBeGreaterThan(256 * KiB);
    const drops: DeadLetterDrop[] = [];
    const first = new DeadLetterFile({ dir, exporter: 'loki', maxBytes: 64 * KiB, onDrop: (d) => drops.push(d) });
    expect(dirBytes(dir)).toBeLessThanOrEqual(64 * KiB);
    expect(drops).toHaveLength(1);
    for (let i = 0; i < 100; i++) first.write(batch(i, 5));
    const again = new DeadLetterFile({ dir, exporter: 'loki', maxBytes: 64 * KiB, onDrop: (d) => drops.push(d) });
    expect(again.bytes).toBe(dirBytes(dir));
    for (let i = 0; i < 100; i++) again.write(batch(i, 5));
    expect(dirBytes(dir)).toBeLessThanOrEqual(64 * KiB);
  });
});

describe('a backend that refuses everything, real engine process', () => {
  it('keeps the data directory within QUEUE_MAX_BYTES + DEAD_LETTER_MAX_BYTES + overhead', async () => {
    buildEngine();
    const loki = createLokiSink();
    loki.defaultAnswer = { status: 400, body: 'entry too far behind' };
    await loki.up();
    const dataDir = tempDir();
    const queueMax = 1 * MiB;
    const deadLetterMax = 512 * KiB;
    const engine = await EngineProcess.start({
      // The heap as compose caps it (mem_limit 512m), like the other hostile-traffic cases.
      NODE_OPTIONS: '--max-old-space-size=384',
      LOKI_URL: loki.url,
      ENGINE_DATA_DIR: dataDir,
      QUEUE_MAX_BYTES: String(queueMax),
      DEAD_LETTER_MAX_BYTES: String(deadLetterMax),
      EXPORT_LINGER_MS: '20',
    });
    const load = new LoadClient({ url: engine.url, service: 'refused', batchSize: 200, senders: 4, pauseMs: 0, maxRetryWaitMs: 100 });
    try {
      load.start();
      let peak = 0;
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        peak = Math.max(peak, dirBytes(dataDir));
        await new Promise((r) => setTimeout(r, 50));
      }
      await load.stop();
      peak = Math.max(peak, dirBytes(dataDir));
      const metrics = await (await fetch(`${engine.url}/metrics`)).text();
      const dropped = Number(/exporter_dead_letter_segments_dropped_total\{[^}]*exporter="loki"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
      const deadLettered = Number(/exporter_dead_letter_total\{[^}]*exporter="loki"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
      // Enough went to the dead-letter files to pass their bound many times over (a record's
      // line is over 100 bytes).
      expect(deadLettered * 100).toBeGreaterThan(4 * deadLetterMax);
      expect(peak).toBeLessThanOrEqual(queueMax + deadLetterMax + DATA_DIR_OVERHEAD_BYTES);
      expect(dropped).toBeGreaterThan(0);
      expect(engine.child.exitCode).toBeNull();
      // Hundreds of refused batches and many rotations in 5 s: one line each (the interval is
      // 10 s), each batch still written and counted above.
      const lines = engine.output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; records?: number; recordsNotLogged?: number; status?: number });
      const setAside = lines.filter((l) => l.msg.startsWith('batch set aside in dead-letter file'));
      const rotations = lines.filter((l) => l.msg.startsWith('dead-letter files over their bound'));
      expect(setAside).toEqual([expect.objectContaining({ status: 400, recordsNotLogged: 0 })]);
      expect(rotations).toEqual([expect.objectContaining({ recordsNotLogged: 0 })]);
    } finally {
      await load.stop();
      await engine.kill9();
      await loki.down();
    }
  }, 60_000);
});
