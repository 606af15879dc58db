// Turns the measured figures into the target list of bench/results.json and a printable table.

import { seededRandom } from '@obs/test-support/seeded-random';

export interface Target {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  ratio: number;
  /** The condition, in words a reader and a script both understand (`ratio >= 0.5`). */
  target: string;
  met: boolean;
}

export function atLeast(name: string, value: number, unit: string, baseline: number, minRatio: number): Target {
  const ratio = baseline > 0 ? value / baseline : 0;
  return {
    name,
    value: round(value),
    unit,
    baseline: round(baseline),
    ratio: round(ratio, 3),
    target: `ratio >= ${minRatio}`,
    met: ratio >= minRatio,
  };
}

export function atMost(name: string, value: number, unit: string, limit: number): Target {
  const ratio = limit > 0 ? value / limit : Number.POSITIVE_INFINITY;
  return {
    name,
    value: round(value),
    unit,
    baseline: round(limit),
    ratio: round(ratio, 3),
    target: 'ratio <= 1 (baseline is the limit)',
    met: ratio <= 1,
  };
}

/** A target whose ratio is measured directly (e.g. the median of paired A/B ratios), not value / baseline. */
export function ratioTarget(
  name: string,
  value: number,
  unit: string,
  baseline: number,
  ratio: number,
  op: '>=' | '<=',
  bound: number,
): Target {
  return {
    name,
    value: round(value, 2),
    unit,
    baseline: round(baseline, 2),
    ratio: round(ratio, 3),
    target: `ratio ${op} ${bound}`,
    met: Number.isFinite(ratio) && (op === '>=' ? ratio >= bound : ratio <= bound),
  };
}

export function round(n: number, digits = 1): number {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * A 95% interval for the typical ratio of a paired comparison, from its per-cycle ratios: the
 * percentile bootstrap of their geometric mean (resampled with replacement, seeded, so one run's
 * figures print the same each time they are computed). Why: the A/B at a fixed rate reads each
 * cycle's ratio on a machine whose speed swings by a third within seconds; the interval says
 * whether a run resolves the bound at all, which the ratio alone does not. Needs two ratios.
 */
export function ratioInterval(ratios: readonly number[], resamples = 10_000, seed = 1): [number, number] {
  const logs = ratios.filter((r) => r > 0 && Number.isFinite(r)).map(Math.log);
  const n = logs.length;
  if (n < 2) return [Number.NaN, Number.NaN];
  const random = seededRandom(seed);
  const means = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += logs[Math.floor(random() * n)] as number;
    means[i] = sum / n;
  }
  means.sort();
  const at = (q: number) => Math.exp(means[Math.min(resamples - 1, Math.floor(q * resamples))] as number);
  return [at(0.025), at(0.975)];
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return String(round(n, 2));
}

/** A Markdown table (also readable in a terminal). */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.map(line)].join('\n');
}

export function targetTable(targets: Target[]): string {
  return table(
    ['target', 'value', 'unit', 'baseline', 'ratio', 'condition', 'met'],
    targets.map((t) => [t.name, t.value, t.unit, t.baseline, t.ratio, t.target, t.met ? 'yes' : 'NO']),
  );
}
