// Phase `ab` (BENCH_ONLY=ab). The current engine against the one before the bounded-by-bytes work
// (issue 13), both built and staged in this run.
import { join } from 'node:path';
import { stageAtEqualPaths } from '../ab-stage.ts';
import { baselineEngineDir } from '../baseline-engine.ts';
import { engineNodeFlags } from '../engine-flags.ts';
import { AB_CYCLES, AB_ROUNDS, BASELINE_REF, engineDir, repo } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { ratioInterval, ratioTarget, round } from '../report.ts';
import { alternatingFixedRate, interleavedRounds } from '../rounds.ts';
import { compareRounds, itemsPerRequest, type Row, seriesRow } from '../series.ts';
import { log, startEngine, work } from '../session.ts';

/** The A/B phase's cases, as the tables name them. */
const AB_NAMES = { w1: 'workload 1', w1NoExport: 'workload 1 without exporters', w2: 'workload 2' } as const;

export const abPhase: Phase = {
  name: 'ab',
  async run(r) {
    const { sink, figures, targets } = r;
    // The current engine against the engine at BASELINE_REF, built in this run. Each round starts a
    // fresh engine of each build in turn (A/B/A/B...) on the same core and runs one warm-up and one
    // timed run, so drift of the shared machine falls on both sides; the ratio is taken per round
    // and the median of the rounds is the figure.
    // Both builds run from install paths of one length (ab-stage.ts says why), short like the image's.
    const [currentDir, baselineDir] = stageAtEqualPaths([engineDir, baselineEngineDir(repo, BASELINE_REF, log)], join(work, 'ab')) as [
      string,
      string,
    ];
    log(`A/B engines staged at ${currentDir} and ${baselineDir}`);
    // Both builds run with the current engine's Node flags: the targets compare code (the
    // accounting) at equal runtime settings. The young generation those flags fix (16 MiB, for the
    // keyed-window memory target) changes the CPU per record by itself, more than the 5% bound on
    // the log path, so the fixed-rate comparison also runs the baseline with its own flags
    // (`baselineAsShipped`): what a deployment upgrading from the baseline sees, flags included.
    const runtimeFlags = engineNodeFlags(currentDir);
    const baselineShippedFlags = engineNodeFlags(baselineDir);
    const ab: Record<string, unknown> = {
      baselineRef: BASELINE_REF,
      rounds: AB_ROUNDS,
      stagedAt: [currentDir, baselineDir],
      nodeFlags: runtimeFlags.join(' '),
      baselineShippedNodeFlags: baselineShippedFlags.join(' '),
    };
    // w1NoExport: workload 1 on engines without exporters (hence without a queue). The accounting
    // sits on the ingest and correlation path; export work, which both builds share unchanged,
    // dilutes its cost in the default configuration, so this is the sharper bound.
    for (const [key, workload, unit, exporters] of [
      ['w1', 'logs', 'records', true],
      ['w1NoExport', 'logs', 'records', false],
      ['w2', 'traces', 'spans', true],
    ] as const) {
      const env = { LOKI_URL: exporters ? sink.url : '' };
      const sides = [
        { name: 'current', workload, dir: currentDir },
        { name: 'baseline', workload, dir: baselineDir },
      ] as const;
      const rounds = await interleavedRounds(`A/B ${key}`, sides, AB_ROUNDS, (side, round) =>
        startEngine(env, `ab-${key}-${side.name}-${round}`, side.dir, runtimeFlags),
      );
      const r = compareRounds(rounds, 'current', 'baseline');
      ab[key] = r;
      const what = `${AB_NAMES[key]}, current vs ${BASELINE_REF}, both with the engine's Node flags (bounds the accounting's cost from above)`;
      // The saturated CPU-per-item ratio stays a figure (r.cpuPerItemRatio in results.json), not a target.
      targets.push(
        ratioTarget(`${what}: ${unit}/s`, r.current.itemsPerSec, `${unit}/s`, r.baseline.itemsPerSec, r.throughputRatio, '>=', 0.95),
      );
      // The cost at equal work: both builds at one fixed rate, half the baseline's maximum
      // (alternatingFixedRate). The CPU-per-item ratio above is read at saturation, where it also
      // moves with how the engine's one core is shared between answering and exporting.
      const perRequest = itemsPerRequest(r.baseline);
      const rate = (0.5 * r.baseline.itemsPerSec) / perRequest;
      // A third engine of the current build (the control) takes its slices too: current/control is
      // the same build against itself, the noise floor of the comparison on this machine today. A
      // fourth, the baseline with its own start flags, is the as-shipped comparison (a figure).
      const fixedSides = [
        ...sides.map((s) => ({ ...s, flags: runtimeFlags })),
        { name: 'control', workload, dir: currentDir, flags: runtimeFlags },
        { name: 'baselineAsShipped', workload, dir: baselineDir, flags: baselineShippedFlags },
      ] as const;
      const fixed = await alternatingFixedRate(
        `A/B ${key} at ${Math.round(rate * perRequest)} ${unit}/s`,
        fixedSides,
        AB_CYCLES,
        rate,
        (side) => startEngine(env, `ab-fixed-${key}-${side.name}`, side.dir, side.flags),
      );
      const cpuRatio = round(fixed.total.current / fixed.total.baseline, 3);
      const cycleRatios = fixed.cycles.map((f) => f.current / f.baseline);
      const controlCycleRatios = fixed.cycles.map((f) => f.current / f.control);
      ab[`${key}FixedRate`] = {
        itemsPerSec: round(rate * perRequest),
        cpuUsPerItem: {
          current: round(fixed.total.current, 2),
          baseline: round(fixed.total.baseline, 2),
          control: round(fixed.total.control, 2),
          baselineAsShipped: round(fixed.total.baselineAsShipped, 2),
        },
        cpuRatio,
        controlRatio: round(fixed.total.current / fixed.total.control, 3),
        asShippedRatio: round(fixed.total.current / fixed.total.baselineAsShipped, 3),
        cycleRatios: cycleRatios.map((r) => round(r, 3)),
        controlCycleRatios: controlCycleRatios.map((r) => round(r, 3)),
        // Whether this run resolves the bound: 95% intervals of the typical per-cycle ratio
        // (report.ts ratioInterval). A bound inside the interval is not a verdict either way.
        cycleRatioInterval: ratioInterval(cycleRatios).map((r) => round(r, 3)),
        controlCycleRatioInterval: ratioInterval(controlCycleRatios).map((r) => round(r, 3)),
      };
      targets.push(
        ratioTarget(
          `${what}: server CPU per ${unit.slice(0, -1)} at a fixed ${Math.round(rate * perRequest)} ${unit}/s (half the baseline's maximum)`,
          fixed.total.current,
          `µs/${unit.slice(0, -1)}`,
          fixed.total.baseline,
          cpuRatio,
          '<=',
          1.05,
        ),
      );
    }
    figures.ab = ab;
  },
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[] {
    const rows: Row[] = [];
    if (f.ab)
      for (const key of ['w1', 'w1NoExport', 'w2'] as const) {
        const r = f.ab[key];
        if (!r) continue;
        const name = AB_NAMES[key];
        const unit = key === 'w2' ? 'spans' : 'records';
        rows.push(seriesRow(`A/B ${name}: current engine`, unit, r.current));
        rows.push(seriesRow(`A/B ${name}: engine at ${f.ab.baselineRef}`, unit, r.baseline));
        rows.push([
          `A/B ${name}: current / ${f.ab.baselineRef} (median of ${f.ab.rounds} rounds)`,
          `throughput x${r.throughputRatio}`,
          '-',
          '-',
          `x${r.cpuPerItemRatio}`,
        ]);
        const fixed = f.ab[`${key}FixedRate`];
        if (fixed)
          rows.push([
            `A/B ${name} at a fixed ${fixed.itemsPerSec} ${unit}/s: current / ${f.ab.baselineRef}, current / current (control), current / ${f.ab.baselineRef} with its own flags`,
            `CPU per item x${fixed.cpuRatio}${interval(fixed.cycleRatioInterval)}; control x${fixed.controlRatio}${interval(fixed.controlCycleRatioInterval)}; as shipped x${fixed.asShippedRatio}`,
            '-',
            '-',
            `${fixed.cpuUsPerItem.current} / ${fixed.cpuUsPerItem.baseline} / ${fixed.cpuUsPerItem.control} / ${fixed.cpuUsPerItem.baselineAsShipped}`,
          ]);
      }
    return rows;
  },
};

/** ` (cycles x0.93-x1.08)`: a fixed-rate ratio's 95% interval as the row shows it; '' for results without one. */
function interval(range: unknown): string {
  return Array.isArray(range) && range.length === 2 ? ` (cycles x${range[0]}-x${range[1]})` : '';
}
