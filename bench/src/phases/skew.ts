// Phase `skew` (BENCH_ONLY=skew). Key skew: workload 1 with its circuit ids shared (one id for all
// traces; 1% of ids carrying half) against distinct ids.
import { RUNS } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { ratioTarget, round } from '../report.ts';
import { interleavedRounds } from '../rounds.ts';
import { compareRounds, mergeSeries, type Row, seriesRow } from '../series.ts';
import { startEngine } from '../session.ts';

export const skewPhase: Phase = {
  name: 'skew',
  async run(r) {
    const { sink, figures, targets } = r;
    // Workload 1 with its traces' circuit ids shared: all on one id, or 1% of the ids carrying
    // 50% of the traces, against distinct ids. Interleaved rounds (distinct, hot, skewed, each on
    // a fresh engine) so the shared machine's drift falls on every side; ratios per round, median.
    // Throughput and server CPU per record are both targets: on a busy machine the CPU a record
    // costs is the steadier figure, and it is what the rate on a dedicated core follows.
    const sides = [
      { name: 'distinct', workload: 'logs' },
      { name: 'hot', workload: 'logs-hot' },
      { name: 'skewed', workload: 'logs-skewed' },
    ] as const;
    const rounds = await interleavedRounds('skew', sides, RUNS, (side, round) =>
      startEngine({ LOKI_URL: sink.url }, `skew-${side.name}-${round}`),
    );
    const skew: Record<string, unknown> = { rounds: RUNS };
    for (const [label, what] of [
      ['hot', 'one circuit id for all traces'],
      ['skewed', '1% of circuit ids carry 50% of traces'],
    ] as const) {
      const r = compareRounds(rounds, label, 'distinct');
      skew[label] = { ...r, recordsPerSec: round(r.current.itemsPerSec) };
      const name = `workload 1 with ${what}, vs distinct ids (median of ${RUNS} interleaved rounds)`;
      targets.push(
        ratioTarget(`${name}: records/s`, r.current.itemsPerSec, 'records/s', r.baseline.itemsPerSec, r.throughputRatio, '>=', 0.7),
        // Distinct CPU over skewed CPU: at least 0.7 means a record costs at most 1/0.7 as much.
        ratioTarget(
          `${name}: server CPU per record (distinct / skewed)`,
          r.current.cpuUsPerItem,
          'µs/record',
          r.baseline.cpuUsPerItem,
          round(1 / r.cpuPerItemRatio, 3),
          '>=',
          0.7,
        ),
      );
    }
    skew.distinctRecordsPerSec = round(mergeSeries(rounds.map((r) => r.distinct)).itemsPerSec);
    figures.skew = skew;
  },
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[] {
    const rows: Row[] = [];
    if (f.skew) {
      rows.push(seriesRow('workload 1, distinct ids (skew rounds)', 'records', f.skew.hot.baseline));
      rows.push(seriesRow('workload 1, one circuit id (hot key)', 'records', f.skew.hot.current));
      rows.push(seriesRow('workload 1, 1% of ids carry 50%', 'records', f.skew.skewed.current));
    }
    return rows;
  },
};
