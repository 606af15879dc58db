// Disk gauges for the engine's data directory (ENGINE_DATA_DIR: export queue, dead letters),
// read when Prometheus scrapes, never on the record path. The filesystem figures also cover the
// stack's other named volumes whenever they share that filesystem (Docker's default: every
// volume under /var/lib/docker/volumes), which is what the disk alerts rely on.
import type { Dirent } from 'node:fs';
import { readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { Gauge, type Registry } from 'prom-client';

/** Bytes of the regular files under `dir` (0 when it does not exist yet). */
export async function directoryBytes(dir: string): Promise<number> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    // A queue segment can be deleted between readdir and stat: it then simply counts as gone.
    const size = await stat(join(entry.parentPath, entry.name)).then(
      (s) => s.size,
      () => 0,
    );
    total += size;
  }
  return total;
}

export function registerDataDirMetrics(registry: Registry, dataDir: string): void {
  const registers = [registry];
  new Gauge({
    name: 'engine_data_dir_used_bytes',
    help: 'Bytes of the files in the engine data directory (ENGINE_DATA_DIR: export queue, dead letters).',
    registers,
    async collect() {
      this.set(await directoryBytes(dataDir));
    },
  });
  // One statfs per gauge and scrape: a cheap system call, and no state shared between collects.
  // A failed statfs reports NaN, never 0: 0 free bytes would page someone for a full disk.
  const filesystem = () =>
    statfs(dataDir).then(
      (s) => ({ free: s.bavail * s.bsize, size: s.blocks * s.bsize }),
      () => undefined,
    );
  const filesystemGauges: Array<[name: string, help: string, pick: (f: { free: number; size: number }) => number]> = [
    [
      'engine_data_dir_free_bytes',
      'Bytes free (for unprivileged writers) on the filesystem holding the engine data directory.',
      (f) => f.free,
    ],
    ['engine_data_dir_size_bytes', 'Total bytes of the filesystem holding the engine data directory.', (f) => f.size],
  ];
  for (const [name, help, pick] of filesystemGauges) {
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const f = await filesystem();
        this.set(f ? pick(f) : Number.NaN);
      },
    });
  }
}
