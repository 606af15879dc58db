// The lone-value table (correlate/lone-values.ts): every value it holds is found until removed,
// through growth, shrinking and the reuse of deleted slots, and values that all hash alike (what a
// flood of crafted values would aim at) stay correct with each operation bounded.
import { describe, expect, it } from 'vitest';
import { LoneValues, MAX_PROBE, seededHash } from '../../src/correlate/lone-values.js';

/** A table over a value-per-seq record, as the waiting ring is for the correlator; counts the values read. */
function table(hashOf?: (v: string) => number) {
  const values = new Map<number, string>();
  const reads = { n: 0 };
  const lone = new LoneValues((seq) => {
    reads.n += 1;
    return values.get(seq);
  }, hashOf);
  const add = (value: string, seq: number) => {
    values.set(seq, value);
    lone.add(value, lone.hash(value), seq);
  };
  const remove = (value: string, seq: number) => {
    lone.remove(value, lone.hash(value), seq);
    values.delete(seq);
  };
  const find = (value: string) => lone.find(value, lone.hash(value));
  return { lone, add, remove, find, reads };
}

describe('lone values', () => {
  it('finds each value it holds, and none it does not, as it grows to 50,000 and shrinks back', () => {
    const t = table();
    const N = 50_000;
    for (let seq = 0; seq < N; seq++) t.add(`res-${seq}-4c2d`, seq);
    expect(t.lone.size).toBe(N);
    for (let seq = 0; seq < N; seq += 997) expect(t.find(`res-${seq}-4c2d`)).toBe(seq);
    expect(t.find('res-50000-4c2d')).toBe(-1);
    // Oldest first, as logs leave the ring.
    for (let seq = 0; seq < N - 10; seq++) t.remove(`res-${seq}-4c2d`, seq);
    expect(t.lone.size).toBe(10);
    expect(t.find('res-0-4c2d')).toBe(-1);
    for (let seq = N - 10; seq < N; seq++) expect(t.find(`res-${seq}-4c2d`)).toBe(seq);
  });

  it('keeps finding values through a long churn of adds and removes (deleted slots reused and swept)', () => {
    const t = table();
    const live: [string, number][] = [];
    for (let seq = 0; seq < 200_000; seq++) {
      const value = `CKT-${(seq * 7919) % 1_000_003}`;
      if (t.find(value) >= 0) continue;
      t.add(value, seq);
      live.push([value, seq]);
      if (live.length > 3000) {
        const [v, s] = live.shift() as [string, number];
        t.remove(v, s);
      }
    }
    expect(t.lone.size).toBe(live.length);
    for (const [v, s] of live) expect(t.find(v)).toBe(s);
  });

  it('with every value hashing alike: still exact, each lookup reads at most MAX_PROBE values', () => {
    const t = table(() => 42);
    const N = 5 * MAX_PROBE;
    for (let seq = 0; seq < N; seq++) t.add(`hostile-${seq}`, seq);
    expect(t.lone.size).toBe(N);
    for (let seq = 0; seq < N; seq++) {
      t.reads.n = 0;
      expect(t.find(`hostile-${seq}`)).toBe(seq);
      expect(t.reads.n).toBeLessThanOrEqual(MAX_PROBE);
    }
    t.reads.n = 0;
    expect(t.find('hostile-absent')).toBe(-1);
    expect(t.reads.n).toBeLessThanOrEqual(MAX_PROBE);
    // Out of the table's slots and out of the overflow alike.
    for (let seq = 0; seq < N; seq += 2) t.remove(`hostile-${seq}`, seq);
    expect(t.lone.size).toBe(N / 2);
    for (let seq = 0; seq < N; seq++) expect(t.find(`hostile-${seq}`)).toBe(seq % 2 === 0 ? -1 : seq);
  });

  it('removes only the seq it is given (a value added again under a later seq stays)', () => {
    const t = table();
    t.add('CKT-1', 1);
    t.remove('CKT-1', 1);
    t.add('CKT-1', 5);
    t.remove('CKT-1', 1);
    expect(t.find('CKT-1')).toBe(5);
  });

  it('take() finds a value and takes it out in one call, from the table and from the overflow alike', () => {
    const t = table(() => 7);
    for (let seq = 0; seq < 2 * MAX_PROBE; seq++) t.add(`v-${seq}`, seq);
    for (const seq of [0, 2 * MAX_PROBE - 1]) {
      expect(t.lone.take(`v-${seq}`, 7)).toBe(seq);
      expect(t.find(`v-${seq}`)).toBe(-1);
      expect(t.lone.take(`v-${seq}`, 7)).toBe(-1);
    }
    expect(t.lone.size).toBe(2 * MAX_PROBE - 2);
  });

  it('hashes the same value alike and spreads near values over the low bits', () => {
    expect(seededHash('CKT-a0b1c2d3-NYC-123')).toBe(seededHash('CKT-a0b1c2d3-NYC-123'));
    const slots = new Set<number>();
    for (let i = 0; i < 1024; i++) slots.add(seededHash(`CKT-a0b1c2d3-NYC-${i}`) & 1023);
    // 1,024 values into 1,024 slots at random fill about 63% of them.
    expect(slots.size).toBeGreaterThan(550);
  });
});
