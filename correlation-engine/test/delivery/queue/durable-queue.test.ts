// The durable queue on real files: positions per consumer, trimming, byte accounting, restart,
// and a crash (SIGKILL) with a torn write at the WAL's tail, which must be skipped, not fatal.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { DurableQueue } from '../../../src/delivery/queue/durable-queue.js';

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
    const modulePath = new URL('../../../src/delivery/queue/durable-queue.ts', import.meta.url).pathname;
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
    const modulePath = new URL('../../../src/delivery/queue/durable-queue.ts', import.meta.url).pathname;
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
  });

  it('gives the pages of a drained backlog back to the file system once it is drained, a few MiB per commit, keeping a few for the next appends', async () => {
    const dir = tempDir();
    const q = open(dir, ['a']);
    const pad = 'x'.repeat(500_000);
    for (let i = 0; i < 40; i++) await q.append([{ kind: 'log', body: JSON.stringify({ i, pad }) }]); // ~20 MB
    const pages = (): { total: number; free: number } => {
      const db = new DatabaseSync(join(dir, 'queue.db'), { readOnly: true });
      try {
        const total = (db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
        const free = (db.prepare('PRAGMA freelist_count').get() as { freelist_count: number }).freelist_count;
        return { total, free };
      } finally {
        db.close();
      }
    };
    const full = pages();
    expect(full.total * 4096).toBeGreaterThan(20_000_000);
    for (let seq = 1; seq < 40; seq++) q.commit('a', seq);
    // While a backlog remains the pages stay (vacuuming then moved live rows on every commit)...
    expect(pages().total).toBe(full.total);
    // ...and once the consumer has passed the head they go back, 8 MiB per commit.
    q.commit('a', 40);
    expect(pages().total).toBeLessThan(full.total - 2000);
    for (let seq = 41; seq <= 43; seq++) {
      await q.append([{ kind: 'log', body: 'x' }]);
      q.commit('a', seq);
    }
    const drained = pages();
    expect(drained.total * 4096).toBeLessThan(8_000_000); // was > 20 MB
    expect(drained.free).toBeLessThanOrEqual(1024 + 256); // the slack kept for reuse, about 4 MiB
  });

  it('sets an unreadable database aside and starts empty instead of failing to start', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'queue.db'), Buffer.alloc(8192, 0x42));
    const warnings: string[] = [];
    const q = new DurableQueue({ dir, consumers: ['a'], sync: 'normal', onWarning: (m) => warnings.push(m) });
    queues.push(q);
    await q.append([{ kind: 'log', body: '{}' }]);
    expect(q.read('a', 10)).toHaveLength(1);
    expect(warnings[0]).toMatch(/moved to/);
    expect(readdirSync(dir).some((f) => f.startsWith('queue.db.corrupt-'))).toBe(true);
  });
});
