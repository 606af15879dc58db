// Replicas that share one data directory (`docker compose up --scale`, where every replica mounts
// the same named volume) each claim a slot of it: `slot-0`, `slot-1`, ... The first slot no live
// engine holds is taken and held by an exclusive SQLite lock for the life of the process, so the
// operating system releases it when the process ends, however it ends. A replica recreated after a
// crash takes the freed slot and delivers what its predecessor had queued (at-least-once).
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export class DataDirClaimError extends Error {
  override name = 'DataDirClaimError';
}

export interface DataDirClaim {
  /** The claimed slot's directory (the data directory of this engine). */
  dir: string;
  slot: number;
  /** Gives the slot back (at shutdown; the process ending does the same). */
  release(): void;
}

/** Folders a single engine kept directly in the data directory before slots existed. */
const LEGACY_ENTRIES = ['queue', 'dead-letter'];

function tryLock(dir: string): DatabaseSync | undefined {
  mkdirSync(dir, { recursive: true });
  const db = new DatabaseSync(join(dir, 'claim.sqlite'), { timeout: 0 });
  try {
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    // An exclusive transaction takes the file lock; with locking_mode EXCLUSIVE it is kept after COMMIT.
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return db;
  } catch {
    db.close();
    return undefined;
  }
}

/** Claims the first free slot of `base` among `slots`; throws when every slot is held. */
export function claimDataDir(base: string, slots: number): DataDirClaim {
  for (let slot = 0; slot < slots; slot++) {
    const dir = join(base, `slot-${slot}`);
    const db = tryLock(dir);
    if (!db) continue;
    // A data directory used before slots were turned on: its queue becomes slot 0's, so what was
    // queued is still delivered after the upgrade.
    if (slot === 0) {
      for (const entry of LEGACY_ENTRIES) {
        if (existsSync(join(base, entry)) && !existsSync(join(dir, entry))) renameSync(join(base, entry), join(dir, entry));
      }
    }
    return { dir, slot, release: () => db.close() };
  }
  throw new DataDirClaimError(
    `all ${slots} slots of ENGINE_DATA_DIR ${base} are held by running engines: raise ENGINE_DATA_DIR_SLOTS or run fewer replicas`,
  );
}
