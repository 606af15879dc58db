// Where the memory budget comes from: ENGINE_MEMORY_LIMIT_BYTES, else cgroup v2, else cgroup v1,
// else the V8 heap limit; checked with fake cgroup file systems and through the app's /ready.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { detectMemoryLimit, parseCgroupLimit } from '../../src/memory/memory-limit.js';
import { createMetrics } from '../../src/metrics.js';
import { testConfig } from '../helpers/app.js';
import { MiB, ready } from '../helpers/memory-app.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A fake cgroup root holding the given files (path relative to the root -> content). */
function cgroupRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cgroup-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe('parseCgroupLimit', () => {
  it.each([
    ['536870912\n', 536870912],
    ['max\n', undefined],
    ['9223372036854771712\n', undefined], // cgroup v1 "unlimited"
    ['', undefined],
    ['0', undefined],
    ['-1', undefined],
    ['12abc', undefined],
  ])('%j -> %s', (text, expected) => {
    expect(parseCgroupLimit(text)).toBe(expected);
  });
});

describe('detectMemoryLimit', () => {
  const heapLimitBytes = 384 * MiB;

  it('takes ENGINE_MEMORY_LIMIT_BYTES first, whatever the cgroup says', () => {
    const root = cgroupRoot({ 'memory.max': '536870912\n' });
    expect(detectMemoryLimit({ configuredBytes: 64 * MiB, cgroupRoot: root, heapLimitBytes })).toEqual({ bytes: 64 * MiB, source: 'env' });
  });

  it('reads cgroup v2 memory.max', () => {
    const root = cgroupRoot({ 'memory.max': '536870912\n', 'memory/memory.limit_in_bytes': '1073741824\n' });
    expect(detectMemoryLimit({ cgroupRoot: root, heapLimitBytes })).toEqual({ bytes: 512 * MiB, source: 'cgroup_v2' });
  });

  it('reads cgroup v1 memory.limit_in_bytes when there is no v2 file', () => {
    const root = cgroupRoot({ 'memory/memory.limit_in_bytes': '268435456\n' });
    expect(detectMemoryLimit({ cgroupRoot: root, heapLimitBytes })).toEqual({ bytes: 256 * MiB, source: 'cgroup_v1' });
  });

  it('falls back to the V8 heap limit when the cgroup has no limit ("max", v1 unlimited)', () => {
    const root = cgroupRoot({ 'memory.max': 'max\n', 'memory/memory.limit_in_bytes': '9223372036854771712\n' });
    expect(detectMemoryLimit({ cgroupRoot: root, heapLimitBytes })).toEqual({ bytes: heapLimitBytes, source: 'v8_heap' });
  });

  it('falls back to the V8 heap limit outside any cgroup (no files), reading V8 by default', () => {
    const root = cgroupRoot({});
    expect(detectMemoryLimit({ cgroupRoot: root })).toEqual({ bytes: getHeapStatistics().heap_size_limit, source: 'v8_heap' });
  });
});

describe('ENGINE_MEMORY_LIMIT_BYTES', () => {
  it('is rejected below 16 MiB or when not a number, naming the variable', () => {
    expect(() => loadConfig({ ENGINE_MEMORY_LIMIT_BYTES: '1000' })).toThrow(/ENGINE_MEMORY_LIMIT_BYTES: must be >= 16777216/);
    expect(() => loadConfig({ ENGINE_MEMORY_LIMIT_BYTES: '512m' })).toThrow(ConfigError);
    expect(loadConfig({ ENGINE_MEMORY_LIMIT_BYTES: '' }).memoryLimitBytes).toBeUndefined();
  });

  it('and the cgroup limit reach /ready and /metrics as the budget and its source', async () => {
    const root = cgroupRoot({ 'memory.max': '536870912\n' });
    for (const [env, bytes, source] of [
      [{ ENGINE_MEMORY_LIMIT_BYTES: String(64 * MiB) }, 64 * MiB, 'env'],
      [{}, 512 * MiB, 'cgroup_v2'],
    ] as const) {
      const config = testConfig(env);
      const app = await buildApp({
        config,
        metrics: createMetrics({ instanceId: 'limit', defaultMetrics: false }),
        memory: { cgroupRoot: root, heapUsedBytes: () => 0 },
      });
      try {
        const r = await ready(app);
        expect(r.statusCode).toBe(200);
        expect(r.body.memory).toMatchObject({ limitBytes: bytes, source, stage: 'normal' });
        const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
        expect(metrics).toContain(`engine_memory_budget_bytes{source="${source}",engine_instance="limit"} ${bytes}`);
      } finally {
        await app.close();
      }
    }
  });
});
