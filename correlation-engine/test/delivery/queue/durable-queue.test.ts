// The durable queue on real files: positions per consumer, trimming, byte accounting, restart,
// a crash (SIGKILL) with a torn write at the WAL's tail, which must be skipped, not fatal, the
// bodies' segment files (written before their rows, deleted once passed), and rows of older builds.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { buildOnce } from '@obs/test-support';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DurableQueue } from '../../../src/delivery/queue/durable-queue.js';
import { decodeRow } from '../../../src/delivery/queue/queue-rows.js';

// The crash tests run the queue in a process of its own, from the build (Node cannot load the
// sources' .js imports of .ts files by itself).
beforeAll(() => buildOnce('correlation-engine'));
const builtQueue = new URL('../../../dist/delivery/queue/durable-queue.js', import.meta.url).pathname;

/** The queue's body segment files, oldest first. */
const segments = (dir: string): string[] => readdirSync(join(dir, 'bodies')).sort();
const segmentsBytes = (dir: string): number => segments(dir).reduce((n, f) => n + statSync(join(dir, 'bodies', f)).size, 0);

const dirs: string[] = [];
const queues: DurableQueue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'queue-test-'));
  dirs.push(dir);
  return dir;
}

function open(dir: string, consumers = ['a', 'b']): DurableQueue {
  const q = new DurableQueue({ dir, consumers, sync: 'full' });
  queues.push(q);
  return q;
}

const body = (n: number): string => JSON.stringify({ n, pad: 'x'.repeat(90) });

describe('DurableQueue', () => {
  it('keeps one position per consumer and deletes rows only once every consumer passed them', async () => {
    const q = open(tempDir());
    await q.append(Array.from({ length: 10 }, (_, i) => ({ kind: 'log' as const, body: body(i) })));
    const size = Buffer.byteLength(body(0));
    expect(q.backlogBytes()).toBe(10 * size);
    expect(q.read('a', 4).map((e) => JSON.parse(e.body as string).n)).toEqual([0, 1, 2, 3]);
    q.commit('a', 4);
    expect(q.read('a', 100).map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(q.depth('a')).toBe(6);
    expect(q.depth('b')).toBe(10);
    expect(q.backlogBytes()).toBe(10 * size); // b still needs them
    q.commit('b', 7);
    expect(q.backlogBytes()).toBe(6 * size); // rows 1..4 passed by both
    expect(q.read('b', 100).map((e) => e.seq)).toEqual([8, 9, 10]);
  });

  it('shares one transaction among appends of the same tick and resumes positions after reopening', async () => {
    const dir = tempDir();
    const q = open(dir);
    let notified = 0;
    q.onAppend(() => {
      notified += 1;
    });
    await Promise.all([1, 2, 3].map((i) => q.append([{ kind: 'event', body: body(i) }])));
    expect(notified).toBe(1); // one commit for the three appends
    q.commit('a', 3);
    q.commit('b', 1);
    await q.close();
    const again = open(dir);
    expect(again.read('a', 10)).toEqual([]);
    expect(again.read('b', 10).map((e) => [e.seq, e.kind])).toEqual([
      [2, 'event'],
      [3, 'event'],
    ]);
    await again.append([{ kind: 'log', body: body(4) }]);
    expect(again.head()).toBe(4); // sequence numbers continue, never reused
    expect(again.oldestUnsentAgeMs('b')).toBeGreaterThanOrEqual(0);
  });

  it('caps a read by bytes (at least one entry) so a batch of large records stays small in memory', async () => {
    const q = open(tempDir(), ['a']);
    await q.append([1000, 1000, 1000, 5000, 10].map((n, i) => ({ kind: 'log' as const, body: JSON.stringify({ i, pad: 'x'.repeat(n) }) })));
    expect(q.read('a', 100, 2500).map((e) => e.seq)).toEqual([1, 2]);
    q.commit('a', 3);
    expect(q.read('a', 100, 100).map((e) => e.seq)).toEqual([4]); // bigger than the budget: still read alone
  });

  it('stores a request as one row whose seq is its last record: depth counts records, reads stop at the record limit', async () => {
    const dir = tempDir();
    const q = open(dir, ['a']);
    const rows = [3, 2, 4].map((n, r) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ r, i }))));
    await q.append(rows.map((b, r) => ({ kind: 'log' as const, body: b, records: [3, 2, 4][r] })));
    expect(q.head()).toBe(9);
    expect(q.depth('a')).toBe(9);
    expect(q.backlogBytes()).toBe(rows.reduce((n, b) => n + Buffer.byteLength(b), 0));
    const first = q.read('a', 6); // 3 + 2 fit, the third row would pass 6 records
    expect(first.map((e) => [e.seq, e.records])).toEqual([
      [3, 3],
      [5, 2],
    ]);
    expect(q.read('a', 1).map((e) => e.seq)).toEqual([3]); // a row is read whole, even past the limit
    q.commit('a', 5);
    expect(q.depth('a')).toBe(4);
    expect(q.backlogBytes()).toBe(Buffer.byteLength(rows[2] as string));
    await q.close();
    const again = open(dir, ['a']);
    expect(again.read('a', 100).map((e) => JSON.parse(e.body as string).length)).toEqual([4]);
    await again.append([{ kind: 'event', body: '{}' }]);
    expect(again.head()).toBe(10);
  });

  it('survives SIGKILL mid-stream and a torn WAL tail: committed batches are all there, the restart does not crash', async () => {
    const dir = tempDir();
    const modulePath = builtQueue;
    // A real process appends 20 committed batches of 50, then dies without closing (no checkpoint).
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DurableQueue } from ${JSON.stringify(modulePath)};
         const q = new DurableQueue({ dir: ${JSON.stringify(dir)}, consumers: ['a'], sync: 'full' });
         for (let b = 0; b < 20; b++) {
           await q.append(Array.from({ length: 50 }, (_, i) => ({ kind: 'log', body: JSON.stringify({ n: b * 50 + i }) })));
         }
         process.stdout.write('committed 1000\\n');
         process.kill(process.pid, 'SIGKILL');`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(child.stdout).toContain('committed 1000');
    expect(child.signal).toBe('SIGKILL');
    const wal = join(dir, 'queue.db-wal');
    expect(existsSync(wal)).toBe(true);
    // A write torn by the crash: half a frame of garbage after the last commit.
    appendFileSync(wal, Buffer.alloc(3000, 0xab));
    const q = open(dir, ['a']);
    const entries = q.read('a', 5000);
    expect(entries).toHaveLength(1000);
    expect(entries.map((e) => JSON.parse(e.body as string).n)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('loses only the transaction whose WAL frames were cut short, and every row it returns is whole', async () => {
    const dir = tempDir();
    const modulePath = builtQueue;
    spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DurableQueue } from ${JSON.stringify(modulePath)};
         const q = new DurableQueue({ dir: ${JSON.stringify(dir)}, consumers: ['a'], sync: 'full' });
         for (let b = 0; b < 5; b++) await q.append([{ kind: 'log', body: JSON.stringify({ b, pad: 'p'.repeat(20000) }) }]);
         process.kill(process.pid, 'SIGKILL');`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    const wal = join(dir, 'queue.db-wal');
    truncateSync(wal, statSync(wal).size - 100); // the last frame of the last commit is incomplete
    const q = open(dir, ['a']);
    const rows = q.read('a', 100).map((e) => JSON.parse(e.body as string).b);
    expect(rows).toEqual([0, 1, 2, 3]);
    // The lost transaction's body reached its segment before the crash: an orphaned tail that no
    // row points at. The next append goes after it and reads back whole.
    expect(segmentsBytes(dir)).toBeGreaterThan(5 * 20_000);
    await q.append([{ kind: 'log', body: JSON.stringify({ b: 5 }) }]);
    expect(q.read('a', 100).map((e) => JSON.parse(e.body as string).b)).toEqual([0, 1, 2, 3, 5]);
  });

  it('writes bodies to segment files of about 8 MiB and deletes each once every consumer has passed its rows', async () => {
    const dir = tempDir();
    const q = open(dir, ['a', 'b']);
    const pad = 'x'.repeat(500_000);
    for (let i = 0; i < 40; i++) await q.append([{ kind: 'log', body: JSON.stringify({ i, pad }) }]); // ~20 MB
    expect(segments(dir)).toHaveLength(3); // 17 bodies fill a segment past 8 MiB, then a new one
    expect(statSync(join(dir, 'queue.db')).size + statSync(join(dir, 'queue.db-wal')).size).toBeLessThan(1_000_000);
    // a passes everything, b only the first segment's rows: b still needs the second.
    for (let seq = 1; seq <= 40; seq++) q.commit('a', seq);
    expect(segments(dir)).toHaveLength(3);
    q.commit('b', 17);
    expect(segments(dir)).toHaveLength(2);
    expect(q.read('b', 1).map((e) => JSON.parse(e.body as string).i)).toEqual([17]);
    q.commit('b', 40);
    expect(segments(dir)).toHaveLength(1); // the current one stays, appends go on in it
    await q.append([{ kind: 'event', body: 'after' }]);
    expect(q.read('a', 10).map((e) => e.body)).toEqual(['after']);
    await q.close();
    // Reopened, it appends to the same segment, after what it holds.
    const again = open(dir, ['a', 'b']);
    await again.append([{ kind: 'event', body: new Uint8Array([1, 2, 3]) }]);
    expect(again.read('b', 10).map((e) => e.body)).toEqual(['after', new Uint8Array([1, 2, 3])]);
    expect(segments(dir)).toHaveLength(1);
  });

  it('reports a delivered segment it cannot delete once, keeps committing, and deletes it once it can', async () => {
    const dir = tempDir();
    const warnings: string[] = [];
    const q = new DurableQueue({ dir, consumers: ['a'], sync: 'full', onWarning: (m) => warnings.push(m) });
    queues.push(q);
    const pad = 'w'.repeat(500_000);
    for (let i = 0; i < 40; i++) await q.append([{ kind: 'log', body: JSON.stringify({ i, pad }) }]); // 3 segments
    const first = join(dir, 'bodies', segments(dir)[0] as string);
    // A file the engine cannot remove: a directory with something in it where the segment was.
    rmSync(first);
    mkdirSync(first);
    writeFileSync(join(first, 'keep'), 'x');
    for (let seq = 1; seq <= 40; seq++) q.commit('a', seq); // passes every row: no throw
    expect(q.depth('a')).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot delete delivered queue segment .*0000000001/);
    expect(segments(dir)).toHaveLength(3); // the walk stops at the one it cannot delete
    await q.append([{ kind: 'log', body: 'next' }]);
    q.commit('a', 41);
    expect(warnings).toHaveLength(1); // the same file, not reported again
    rmSync(first, { recursive: true });
    await q.append([{ kind: 'log', body: 'after' }]);
    q.commit('a', 42);
    expect(segments(dir)).toHaveLength(1);
  });

  it('reads a row whose body file is gone as unreadable, which an exporter sets aside, and reads the rows after it', async () => {
    const dir = tempDir();
    const q = open(dir, ['a']);
    const pad = 'y'.repeat(500_000);
    for (let i = 0; i < 18; i++) await q.append([{ kind: 'log', body: JSON.stringify({ i, pad }), records: 1, encoding: 0 }]);
    rmSync(join(dir, 'bodies', segments(dir)[0] as string)); // a damaged disk, an operator's mistake
    const entries = q.read('a', 100);
    expect(entries).toHaveLength(18);
    expect(entries[0]?.unreadable).toMatch(/missing/);
    expect(entries[0]?.body).toBe('');
    expect(() => decodeRow(entries[0] as (typeof entries)[number])).toThrow(/row 1: its body .* is missing/);
    expect(entries[17]?.unreadable).toBeUndefined();
    expect(JSON.parse(entries[17]?.body as string).i).toBe(17);
  });

  it('still reads rows an older build wrote with their body inline, and gives their pages back once drained', async () => {
    const dir = tempDir();
    // The queue as a build before the segments left it: bodies in the table, no segment columns.
    const old = new DatabaseSync(join(dir, 'queue.db'));
    old.exec('PRAGMA auto_vacuum = INCREMENTAL');
    old.exec('PRAGMA journal_mode = WAL');
    old.exec(`CREATE TABLE entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL, size INTEGER NOT NULL,
      enqueued_at INTEGER NOT NULL, records INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL, encoding INTEGER NOT NULL DEFAULT 0)`);
    old.exec('CREATE TABLE cursors (consumer TEXT PRIMARY KEY, seq INTEGER NOT NULL)');
    const pad = 'z'.repeat(500_000);
    const insert = old.prepare('INSERT INTO entries (seq, kind, size, enqueued_at, records, body) VALUES (?, 0, ?, ?, 0, ?)');
    for (let i = 1; i <= 40; i++) {
      const text = JSON.stringify({ i, pad });
      insert.run(i, Buffer.byteLength(text), Date.now(), text);
    }
    old.close();
    const pages = (): number => {
      const db = new DatabaseSync(join(dir, 'queue.db'), { readOnly: true });
      try {
        return (db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
      } finally {
        db.close();
      }
    };
    const full = pages();
    expect(full * 4096).toBeGreaterThan(20_000_000);
    const q = open(dir, ['a']);
    await q.append([{ kind: 'log', body: JSON.stringify({ i: 41 }) }]); // new rows go to a segment
    expect(q.read('a', 100).map((e) => JSON.parse(e.body as string).i)).toEqual(Array.from({ length: 41 }, (_, k) => k + 1));
    for (let seq = 1; seq < 41; seq++) q.commit('a', seq);
    // While a backlog remains the pages stay (vacuuming then moved live rows on every commit)...
    expect(pages()).toBe(full);
    // ...and once the consumer has passed the head they go back, 8 MiB per commit.
    q.commit('a', 41);
    expect(pages()).toBeLessThan(full - 2000);
    for (let seq = 42; seq <= 44; seq++) {
      await q.append([{ kind: 'log', body: 'x' }]);
      q.commit('a', seq);
    }
    expect(pages() * 4096).toBeLessThan(8_000_000); // was > 20 MB
  });

  it('sets an unreadable database aside and starts empty instead of failing to start', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'queue.db'), Buffer.alloc(8192, 0x42));
    // Bodies its rows pointed at go aside with it, so the new rows' segments start empty.
    mkdirSync(join(dir, 'bodies'));
    writeFileSync(join(dir, 'bodies', '0000000001'), 'old bodies');
    const warnings: string[] = [];
    const q = new DurableQueue({ dir, consumers: ['a'], sync: 'normal', onWarning: (m) => warnings.push(m) });
    queues.push(q);
    await q.append([{ kind: 'log', body: '{}' }]);
    expect(q.read('a', 10)).toHaveLength(1);
    expect(warnings[0]).toMatch(/moved to/);
    expect(readdirSync(dir).some((f) => f.startsWith('queue.db.corrupt-'))).toBe(true);
    const aside = readdirSync(dir).find((f) => f.endsWith('.bodies')) as string;
    expect(readdirSync(join(dir, aside))).toEqual(['0000000001']);
    expect(segmentsBytes(dir)).toBe(2);
  });
});
