// scripts/ring-shares.mjs: the share of traces the gateway's load_balancing ring gives each engine
// replica (docs/scaling.md "How evenly the ring shares traces"), run as a user runs it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ringShares } from '@obs/test-support/collector-ring';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../lib/run-script.js';

const run = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'scripts/ring-shares.mjs'), ...args], { encoding: 'utf8', timeout: 60_000 });

describe('scripts/ring-shares.mjs', () => {
  it("prints each address's share of the ring, summing to 100%, and the worst distance from the mean", () => {
    const backends = ['172.18.0.5:4317', '172.18.0.6:4317', '172.18.0.7:4317'];
    const r = run(...backends);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const printed = lines.slice(0, 3).map((l) => l.split('\t'));
    expect(printed.map(([b]) => b)).toEqual(backends);
    const shares = printed.map(([, pct]) => Number.parseFloat(pct ?? ''));
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    // The model the scale-out e2e test checks against the real collector, trace by trace.
    expect(shares).toEqual(ringShares(backends).map((s) => Number((s * 100).toFixed(1))));
    expect(lines[3]).toMatch(/^worst replica's distance from the mean: \d+\.\d%$/);
  });

  it('surveys runs of consecutive addresses: the exporter ring against independent points', () => {
    const r = run('--survey', '3');
    expect(r.status, r.stderr).toBe(0);
    const within = [...r.stdout.matchAll(/within ±10%: (\d+\.\d)% of the sets/g)].map((m) => Number(m[1]));
    expect(within).toHaveLength(2);
    // docs/scaling.md's point: CRC-32's linearity makes the exporter's ring less even than
    // independent points would be.
    expect(within[0]).toBeLessThan(within[1] as number);
  });

  it('surveys replicas listed on several ports each: every set within ±10% at 12 ports', () => {
    const one = run('--survey', '3', '4317', '1');
    const twelve = run('--survey', '3', '4317', '12');
    expect(twelve.status, twelve.stderr).toBe(0);
    expect(twelve.stdout).toContain('on 12 ports (4317, 4320-4330)');
    const within = (out: string) => Number(/within ±10%: (\d+\.\d)% of the sets/.exec(out)?.[1]);
    // docs/scaling.md: one engine as 12 backends evens the ring out where one port per engine does not.
    expect(within(one.stdout)).toBeLessThan(50);
    expect(within(twelve.stdout)).toBe(100);
  });

  it('refuses a call without addresses with its usage (exit 2)', () => {
    const r = run();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: ring-shares.mjs');
  });
});
