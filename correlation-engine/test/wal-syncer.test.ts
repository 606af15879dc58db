import { mkdtempSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WalSyncer } from '../src/queue/wal-syncer.js';

function walFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'wal-syncer-')), 'queue.db-wal');
  writeFileSync(file, 'frames');
  return file;
}

/** A datasync that records when each flush starts and finishes only when released. */
function gatedDatasync() {
  const flushes: { release: () => void; fail: (err: Error) => void }[] = [];
  const datasync = (_file: FileHandle) =>
    new Promise<void>((resolve, reject) => {
      flushes.push({ release: resolve, fail: reject });
    });
  return { flushes, datasync };
}

const tick = () => new Promise((r) => setImmediate(r));

/** The first flush waits for the file to open (thread pool), so poll instead of counting ticks. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

describe('WalSyncer', () => {
  it('acknowledges a write only after a flush that started after it', async () => {
    const { flushes, datasync } = gatedDatasync();
    const syncer = new WalSyncer(walFile(), datasync);
    const done: string[] = [];
    const first = syncer.sync().then(() => done.push('first'));
    await until(() => flushes.length === 1);
    // These arrive while the first flush is in flight: it does not cover them.
    const second = syncer.sync().then(() => done.push('second'));
    const third = syncer.sync().then(() => done.push('third'));
    flushes[0]?.release();
    await first;
    await until(() => flushes.length === 2);
    await tick();
    expect(done).toEqual(['first']);
    // One more flush serves both late callers (group commit), not one flush each.
    flushes[1]?.release();
    await Promise.all([second, third]);
    expect(done).toEqual(['first', 'second', 'third']);
    expect(flushes).toHaveLength(2);
    await syncer.close();
  });

  it('rejects the callers of a failed flush and keeps serving later ones', async () => {
    const { flushes, datasync } = gatedDatasync();
    const syncer = new WalSyncer(walFile(), datasync);
    const failed = syncer.sync();
    await until(() => flushes.length === 1);
    flushes[0]?.fail(new Error('EIO: i/o error'));
    await expect(failed).rejects.toThrow('EIO');
    const later = syncer.sync();
    await until(() => flushes.length === 2);
    flushes[1]?.release();
    await expect(later).resolves.toBeUndefined();
    await syncer.close();
  });

  it('flushes the real file with fdatasync by default', async () => {
    const syncer = new WalSyncer(walFile());
    await expect(Promise.all([syncer.sync(), syncer.sync()])).resolves.toHaveLength(2);
    await syncer.close();
  });

  it('reports a missing WAL file to the caller instead of throwing elsewhere', async () => {
    const syncer = new WalSyncer(join(tmpdir(), 'no-such-dir-wal-syncer', 'queue.db-wal'));
    await expect(syncer.sync()).rejects.toThrow(/ENOENT/);
    await syncer.close();
  });
});
