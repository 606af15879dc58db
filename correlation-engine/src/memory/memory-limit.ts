// Where the engine's memory limit comes from, decided once at start-up: an explicit
// ENGINE_MEMORY_LIMIT_BYTES, else the container's cgroup limit (v2, then v1), else the V8 heap
// limit. The cgroup root is a parameter so tests can point it at fake files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';

export type MemoryLimitSource = 'env' | 'cgroup_v2' | 'cgroup_v1' | 'v8_heap';

export interface MemoryLimit {
  bytes: number;
  source: MemoryLimitSource;
}

export interface DetectMemoryLimitOptions {
  /** ENGINE_MEMORY_LIMIT_BYTES, when set. */
  configuredBytes?: number | undefined;
  /** Default /sys/fs/cgroup. */
  cgroupRoot?: string;
  /** Default v8.getHeapStatistics().heap_size_limit. */
  heapLimitBytes?: number;
}

/**
 * Anything at or above 1 PiB means "no limit": cgroup v1 writes its unlimited value as a number
 * near 2^63 rounded down to a page, not as "max".
 */
const UNLIMITED_FROM = 2 ** 50;

/** The limit in a cgroup memory file's text, or undefined for "max", huge, empty or garbage. */
export function parseCgroupLimit(text: string): number | undefined {
  const value = text.trim();
  if (!/^[0-9]+$/.test(value)) return undefined;
  const bytes = Number(value);
  return bytes > 0 && bytes < UNLIMITED_FROM ? bytes : undefined;
}

function readLimitFile(path: string): number | undefined {
  try {
    return parseCgroupLimit(readFileSync(path, 'utf8'));
  } catch {
    // Not in a container, or that cgroup version is not mounted: try the next source.
    return undefined;
  }
}

export function defaultHeapLimitBytes(): number {
  return getHeapStatistics().heap_size_limit;
}

export function detectMemoryLimit(options: DetectMemoryLimitOptions = {}): MemoryLimit {
  if (options.configuredBytes !== undefined) return { bytes: options.configuredBytes, source: 'env' };
  const root = options.cgroupRoot ?? '/sys/fs/cgroup';
  const v2 = readLimitFile(join(root, 'memory.max'));
  if (v2 !== undefined) return { bytes: v2, source: 'cgroup_v2' };
  const v1 = readLimitFile(join(root, 'memory', 'memory.limit_in_bytes'));
  if (v1 !== undefined) return { bytes: v1, source: 'cgroup_v1' };
  return { bytes: options.heapLimitBytes ?? defaultHeapLimitBytes(), source: 'v8_heap' };
}
