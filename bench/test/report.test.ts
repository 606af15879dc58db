// The A/B phase's interval for a fixed-rate ratio (report.ts ratioInterval): a bootstrap of the
// per-cycle ratios' geometric mean, checked against cases whose answer is known exactly.
import { expect, it } from 'vitest';
import { ratioInterval } from '../src/report.ts';

it('cycles that all read the same ratio give that ratio at both ends', () => {
  const [lo, hi] = ratioInterval(Array.from({ length: 16 }, () => 1.07));
  expect(lo).toBeCloseTo(1.07, 12);
  expect(hi).toBeCloseTo(1.07, 12);
});

it('half the cycles at x1 and half at x2: the 2.5% and 97.5% points of the resampled geometric mean', () => {
  // A resample of 8 holds k cycles at x2 with k ~ Binomial(8, 1/2), its geometric mean 2^(k/8):
  // P(k <= 0) = 1/256 < 2.5% <= P(k <= 1) = 9/256, so the lower end is 2^(1/8); by symmetry the upper 2^(7/8).
  const [lo, hi] = ratioInterval([1, 2, 1, 2, 1, 2, 1, 2]);
  expect(lo).toBeCloseTo(2 ** (1 / 8), 9);
  expect(hi).toBeCloseTo(2 ** (7 / 8), 9);
});

it('the cycles of a run whose ratio missed the 5% bound do not resolve it (BENCHMARKS.md before 71ab9a2)', () => {
  const cycles = [1.091, 0.903, 1.614, 0.956, 0.785, 0.908, 1.933, 1.109, 1.351, 0.839, 1.969, 1.132, 1.066, 0.839, 1.528, 1.313];
  const [lo, hi] = ratioInterval(cycles);
  expect(lo).toBeLessThan(1.05);
  expect(hi).toBeGreaterThan(1.05);
  const geometricMean = Math.exp(cycles.reduce((s, r) => s + Math.log(r), 0) / cycles.length);
  expect(lo).toBeLessThan(geometricMean);
  expect(hi).toBeGreaterThan(geometricMean);
  // Seeded: the same cycles print the same interval every time.
  expect(ratioInterval(cycles)).toEqual([lo, hi]);
});

it('more cycles of the same spread narrow it; fewer than two ratios give none', () => {
  const spread = [0.9, 1.1, 0.95, 1.05, 1.2, 0.85];
  const [lo8, hi8] = ratioInterval(spread);
  const [lo32, hi32] = ratioInterval([...spread, ...spread, ...spread, ...spread]);
  expect(hi32 - lo32).toBeLessThan(0.7 * (hi8 - lo8));
  expect(ratioInterval([1.2]).every(Number.isNaN)).toBe(true);
  expect(ratioInterval([]).every(Number.isNaN)).toBe(true);
});
