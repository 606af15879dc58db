// The key filter never says "not held" of a value held, through growth, shrinking and clearing,
// and says it of most values not held while the table is sparse.
import { describe, expect, it } from 'vitest';
import { KeyFilter } from '../../src/correlate/key-filter.js';
import { seededHash } from '../../src/correlate/lone-values.js';

/** A filter over a multiset of hashes, as the correlator keeps it over its Map's entries. */
function filterOver(): { filter: KeyFilter; add: (h: number) => void; remove: (h: number) => void; held: number[] } {
  const held: number[] = [];
  const filter = new KeyFilter(() => held);
  return {
    filter,
    held,
    add: (h) => {
      held.push(h);
      filter.add(h);
    },
    remove: (h) => {
      held.splice(held.indexOf(h), 1);
      filter.remove(h);
    },
  };
}

describe('KeyFilter', () => {
  it('holds every value added, through growth to 50,000 values and back to none', () => {
    const { filter, add, remove } = filterOver();
    const hashes = Array.from({ length: 50_000 }, (_, i) => seededHash(`CKT-${i}`));
    for (const h of hashes) add(h);
    for (const h of hashes) expect(filter.mayHold(h)).toBe(true);
    for (let i = 0; i < hashes.length; i += 2) remove(hashes[i] as number);
    for (let i = 1; i < hashes.length; i += 2) expect(filter.mayHold(hashes[i] as number)).toBe(true);
    for (let i = 1; i < hashes.length; i += 2) remove(hashes[i] as number);
    // Back to the first size with nothing held: nothing may be there.
    for (const h of hashes) expect(filter.mayHold(h)).toBe(false);
  });

  it('answers "not held" for most values never added while sparse', () => {
    const { filter, add } = filterOver();
    for (let i = 0; i < 10_000; i++) add(seededHash(`held-${i}`));
    let notHeld = 0;
    for (let i = 0; i < 10_000; i++) if (!filter.mayHold(seededHash(`other-${i}`))) notHeld += 1;
    expect(notHeld).toBeGreaterThan(7_000);
  });

  it('counts a hash held twice until both are gone (values sharing a bucket)', () => {
    const { filter, add, remove } = filterOver();
    add(42);
    add(42);
    remove(42);
    expect(filter.mayHold(42)).toBe(true);
    remove(42);
    expect(filter.mayHold(42)).toBe(false);
  });

  it('every value in one bucket (a crafted flood) is still held exactly, and churn keeps it so', () => {
    const { filter, add, remove, held } = filterOver();
    for (let i = 0; i < 5_000; i++) add(7 + i * 1024 * 1024);
    for (let round = 0; round < 20_000; round++) {
      remove(held[0] as number);
      add(7 + (5_000 + round) * 1024 * 1024);
    }
    for (const h of held) expect(filter.mayHold(h)).toBe(true);
  });

  it('clear forgets everything', () => {
    const { filter, add, held } = filterOver();
    for (let i = 0; i < 3_000; i++) add(seededHash(`v${i}`));
    held.length = 0;
    filter.clear();
    for (let i = 0; i < 3_000; i++) expect(filter.mayHold(seededHash(`v${i}`))).toBe(false);
  });
});
