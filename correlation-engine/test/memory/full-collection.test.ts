// When the memory budget asks for a full collection before trusting a heap reading: only when the
// heap alone would start or keep a refusal, spaced in time, and with the reading after it counting.
// The runtime's own collection (full-collection.ts) really frees an unreachable allocation.
import { describe, expect, it } from 'vitest';
import { fullCollection } from '../../src/memory/full-collection.js';
import { type AccountedBytes, MemoryBudget } from '../../src/memory/memory-budget.js';

const MiB = 1024 * 1024;
const LIMIT = 100 * MiB; // heap ceiling 80 MiB, state budget 50 MiB

function budget(state = 0) {
  const heap = { used: 0, afterCollection: 0 };
  const collectedAt: number[] = [];
  let now = 0;
  const accounted: AccountedBytes = {
    windows: state,
    waiting_logs: 0,
    recent_logs: 0,
    recent_events: 0,
    inflight_bodies: 0,
    export_buffers: 0,
  };
  const b = new MemoryBudget({
    limit: { bytes: LIMIT, source: 'env' },
    heapLimitBytes: 1024 * MiB,
    heapUsedBytes: () => heap.used,
    accounted: () => accounted,
    heapSampleMs: 0,
    collectEveryMs: 5_000,
    collectGarbage: () => {
      collectedAt.push(now);
      heap.used = heap.afterCollection;
    },
  });
  const sample = (atMs: number) => {
    now = atMs;
    b.sampleHeap(atMs);
    return b.stage();
  };
  return { b, heap, collectedAt, sample };
}

describe('MemoryBudget: heap readings confirmed by a collection', () => {
  it('collects before refusing on the heap, and the reading after it decides', () => {
    const { heap, collectedAt, sample } = budget();
    heap.used = 0.97 * 80 * MiB;
    heap.afterCollection = 0.4 * 80 * MiB;
    expect(sample(1_000)).toBe('normal');
    expect(collectedAt).toEqual([1_000]);
  });

  it('refuses when the collection confirms the heap, collects again only after the spacing, and resumes when one shows garbage', () => {
    const { heap, collectedAt, sample } = budget();
    heap.used = 0.97 * 80 * MiB;
    heap.afterCollection = heap.used;
    expect(sample(0)).toBe('refuse_ingest');
    expect(sample(4_999)).toBe('refuse_ingest');
    expect(collectedAt).toEqual([0]);
    // Load stopped; the heap is now mostly garbage that no allocation prompts V8 to collect.
    heap.afterCollection = 0.3 * 80 * MiB;
    expect(sample(5_000)).toBe('normal');
    expect(collectedAt).toEqual([0, 5_000]);
  });

  it('keeps refusing on a reading between the resume and refusal thresholds until a collection shows it is garbage', () => {
    const { heap, collectedAt, sample } = budget();
    heap.used = 0.97 * 80 * MiB;
    heap.afterCollection = heap.used;
    expect(sample(0)).toBe('refuse_ingest');
    heap.used = 0.9 * 80 * MiB;
    heap.afterCollection = 0.2 * 80 * MiB;
    expect(sample(1_000)).toBe('refuse_ingest');
    expect(sample(5_000)).toBe('normal');
    expect(collectedAt).toEqual([0, 5_000]);
  });

  it('does not collect when the heap is under the threshold, nor when the accounted state alone refuses', () => {
    const low = budget();
    low.heap.used = 0.9 * 80 * MiB;
    expect(low.sample(0)).toBe('drop_detail');
    expect(low.collectedAt).toEqual([]);

    const full = budget(0.99 * 50 * MiB);
    full.heap.used = 0.99 * 80 * MiB;
    expect(full.sample(0)).toBe('refuse_ingest');
    expect(full.collectedAt).toEqual([]);
  });
});

describe('fullCollection', () => {
  it('frees an unreachable allocation', () => {
    const collect = fullCollection();
    expect(collect).toBeTypeOf('function');
    collect?.();
    const before = process.memoryUsage().heapUsed;
    let garbage: string[] | undefined = Array.from({ length: 200_000 }, (_, i) => `entry-${i}-${'x'.repeat(100)}`);
    expect(process.memoryUsage().heapUsed - before).toBeGreaterThan(20 * MiB);
    garbage = undefined;
    collect?.();
    expect(garbage).toBeUndefined();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(5 * MiB);
  });

  it('leaves gc off the global object', () => {
    fullCollection();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
