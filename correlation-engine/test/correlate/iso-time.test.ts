import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/correlate/iso-time.js';

/** What Date writes, or the error it throws. */
function dateText(ms: number): string {
  try {
    return new Date(ms).toISOString();
  } catch (err) {
    return `throws ${(err as Error).name}`;
  }
}

function ours(ms: number): string {
  try {
    return isoTime(ms);
  } catch (err) {
    return `throws ${(err as Error).name}`;
  }
}

describe('isoTime: the text Date#toISOString writes', () => {
  it('for any time, whole or fractional, in or out of four-digit years', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 253_402_300_799_999 }),
          fc.double({ min: -1e16, max: 1e16, noNaN: false }),
          fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }),
        ),
        (ms) => {
          expect(ours(ms)).toBe(dateText(ms));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('at the edges: epoch, minute and day turns, the last four-digit year, invalid times', () => {
    for (const ms of [
      0,
      -0,
      -0.5,
      0.9,
      59_999,
      60_000,
      86_399_999,
      86_400_000,
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1),
      Date.UTC(2028, 1, 29, 12, 0, 0, 1),
      253_402_300_799_999,
      253_402_300_800_000,
      -1,
      8_640_000_000_000_000,
      8_640_000_000_000_001,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]) {
      expect(ours(ms), String(ms)).toBe(dateText(ms));
    }
  });

  it('minutes that share a cache slot, in turn, each keep their own text', () => {
    const base = Date.UTC(2026, 10, 24, 21, 40);
    for (let round = 0; round < 3; round++) {
      for (let m = 0; m < 64; m += 8) {
        const ms = base + m * 60_000 + round * 1_001;
        expect(ours(ms)).toBe(dateText(ms));
      }
    }
  });
});
