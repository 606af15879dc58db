// The data-directory disk gauges on GET /metrics: the bytes of the files in ENGINE_DATA_DIR (the
// queue's folders included) and its filesystem's free and total bytes, checked against `df`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/metrics.js';
import { testConfig } from '../helpers/app.js';

let app: FastifyInstance | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function scrape(dataDir: string): Promise<Map<string, number>> {
  const config = testConfig({ ENGINE_DATA_DIR: dataDir });
  app = await buildApp({ config, metrics: createMetrics({ instanceId: 'disk', defaultMetrics: false, dataDir }) });
  const text = (await app.inject('/metrics')).body;
  const values = new Map<string, number>();
  for (const m of text.matchAll(/^(engine_data_dir_\w+)\{[^}]*\} (\S+)$/gm)) values.set(m[1] ?? '', Number(m[2]));
  return values;
}

describe('engine data directory gauges', () => {
  it('report the bytes of its files, nested folders included, and the filesystem as df sees it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-disk-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'queue', 'segments'), { recursive: true });
    writeFileSync(join(dir, 'queue', 'segments', '000001.seg'), Buffer.alloc(1500));
    writeFileSync(join(dir, 'dead-letter.jsonl'), Buffer.alloc(700));
    const values = await scrape(dir);
    expect(values.get('engine_data_dir_used_bytes')).toBe(2200);
    const [avail, size] = execFileSync('df', ['-B1', '--output=avail,size', dir], { encoding: 'utf8' })
      .trim()
      .split('\n')[1]
      ?.trim()
      .split(/\s+/)
      .map(Number) ?? [NaN, NaN];
    expect(values.get('engine_data_dir_size_bytes')).toBe(size);
    // Other processes write to the same filesystem between the two reads: close, not equal.
    expect(Math.abs((values.get('engine_data_dir_free_bytes') ?? -1) - (avail ?? 0))).toBeLessThan((size ?? 0) * 0.01);
  });

  it('a data directory that does not exist yet: 0 used bytes, NaN (not 0, which would alert) for the filesystem', async () => {
    const values = await scrape(join(tmpdir(), `engine-disk-missing-${process.pid}`, 'nope'));
    expect(values.get('engine_data_dir_used_bytes')).toBe(0);
    expect(values.get('engine_data_dir_free_bytes')).toBeNaN();
    expect(values.get('engine_data_dir_size_bytes')).toBeNaN();
  });
});
