// Phase `w2` (BENCH_ONLY=w2). Workload 2 (OTLP protobuf spans): the engine against the collector
// built from our manifest (groupbytrace -> nop), in interleaved rounds.

import { startCollector } from '../collector.ts';
import { collectorBin, ROUND_WARMUP, RUNS, WINDOW_SECONDS } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { PINNING } from '../procs.ts';
import { ratioTarget, round } from '../report.ts';
import { interleavedRounds, startTracked } from '../rounds.ts';
import { compareRounds, type Row, seriesRow } from '../series.ts';
import { log, startEngine, work } from '../session.ts';

/** Issue 16: spans stay at least this many times the collector's rate while the log path changes. */
const SPANS_VS_COLLECTOR = 1.7;

export const w2Phase: Phase = {
  name: 'w2',
  async run(r) {
    const { sink, figures, targets } = r;
    log(`workload 2 (OTLP protobuf spans) against the collector (groupbytrace ${WINDOW_SECONDS}s -> nop)`);
    // Fresh servers in turn, round after round, the ratio per round and then its median: the
    // machine's drift over minutes falls on both sides alike instead of on whichever ran second.
    const sides = [
      { name: 'collector', workload: 'traces', start: () => startCollector(collectorBin, work, WINDOW_SECONDS, PINNING?.server) },
      { name: 'engine', workload: 'traces', start: () => startEngine({ LOKI_URL: sink.url }, 'w2') },
    ] as const;
    const rounds = await interleavedRounds('workload 2', sides, RUNS, startTracked, ROUND_WARMUP);
    const cmp = compareRounds(rounds, 'engine', 'collector');
    figures.w2 = {
      engineSpansPerSec: round(cmp.current.itemsPerSec),
      collectorSpansPerSec: round(cmp.baseline.itemsPerSec),
      throughputRatio: cmp.throughputRatio,
      roundRatios: cmp.roundRatios,
      engine: cmp.current,
      collector: cmp.baseline,
    };
    targets.push(
      ratioTarget(
        `workload 2: spans/s vs OTel Collector (issue 16; median of ${RUNS} interleaved rounds)`,
        cmp.current.itemsPerSec,
        'spans/s',
        cmp.baseline.itemsPerSec,
        cmp.throughputRatio,
        '>=',
        SPANS_VS_COLLECTOR,
      ),
    );
    r.capacity.traces = cmp.current;
  },
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[] {
    const rows: Row[] = [];
    if (f.w2) {
      rows.push(seriesRow('workload 2 OTel Collector', 'spans', f.w2.collector));
      rows.push(seriesRow('workload 2 engine', 'spans', f.w2.engine));
    }
    return rows;
  },
};
