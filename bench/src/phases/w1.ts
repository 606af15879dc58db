// Phase `w1` (BENCH_ONLY=w1). Workload 1 (POST /api/logs): the engine against a bare Fastify route
// that only parses, in interleaved rounds.
import { join } from 'node:path';
import { benchDir, ROUND_WARMUP, RUNS, SECONDS } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { PINNING, Proc } from '../procs.ts';
import { ratioTarget, round } from '../report.ts';
import { rotateRounds, startEachSide } from '../rounds.ts';
import { compareRounds, medianDelivered, type Row, series, seriesRow } from '../series.ts';
import { log, startEngine, track } from '../session.ts';
import { deliveredOf, engineLogEntries, engineLogsAccepted } from '../sink-counts.ts';

export const w1Phase: Phase = {
  name: 'w1',
  async run(r) {
    const { sink, figures, targets } = r;
    log('workload 1 (POST /api/logs): the engine (correlation on, durable queue + Loki exporter on) against the bare Fastify baseline');
    // Fresh servers in turn, round after round, the ratio per round and then its median: the
    // machine's drift over minutes falls on both sides alike instead of on whichever ran second.
    const sides = [
      {
        name: 'baseline',
        start: async () => {
          // Tracked before it says it listens: a start that fails or hangs still gets it stopped.
          const proc = track(new Proc(process.execPath, [join(benchDir, 'src/servers/fastify-baseline.ts')], { core: PINNING?.server }));
          const m = await proc.waitFor(/listening (http:\S+)/);
          return { proc, url: m[1] as string };
        },
      },
      { name: 'engine', start: () => startEngine({ LOKI_URL: sink.url }, 'w1') },
    ] as const;
    const rounds = await rotateRounds(sides, RUNS, startEachSide('workload 1', RUNS), (server, side) => {
      const measure = () => series(server.url, 'logs', `workload 1 ${side.name}`, server.proc, SECONDS, ROUND_WARMUP, 1);
      // The target is the accepted rate against a route that delivers nothing; what the engine
      // sustains accepting and delivering every record to Loki is shown next to it (deliveredOf).
      return side.name === 'engine' ? deliveredOf(sink.url, server, engineLogEntries, engineLogsAccepted(server.url), measure) : measure();
    });
    const cmp = compareRounds(rounds, 'engine', 'baseline');
    // Every engine round went through deliveredOf: the delivered figures are the rounds' medians.
    const engine = { ...cmp.current, delivered: medianDelivered(rounds.map((x) => x.engine.delivered)) };
    figures.w1 = {
      engineRecordsPerSec: round(cmp.current.itemsPerSec),
      baselineRecordsPerSec: round(cmp.baseline.itemsPerSec),
      throughputRatio: cmp.throughputRatio,
      roundRatios: cmp.roundRatios,
      engine,
      baseline: cmp.baseline,
    };
    targets.push(
      ratioTarget(
        `workload 1: records/s vs bare Fastify (median of ${RUNS} interleaved rounds)`,
        cmp.current.itemsPerSec,
        'records/s',
        cmp.baseline.itemsPerSec,
        cmp.throughputRatio,
        '>=',
        0.5,
      ),
    );
    r.capacity.logs = cmp.current;
  },
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[] {
    const rows: Row[] = [];
    if (f.w1) {
      rows.push(seriesRow('workload 1 bare Fastify', 'records', f.w1.baseline));
      rows.push(seriesRow('workload 1 engine: accepted', 'records', f.w1.engine));
      const d = f.w1.engine.delivered;
      if (d)
        rows.push([
          'workload 1 engine: delivered to Loki, per second of server CPU (warm-up and run, until the backlog was delivered; median of the rounds)',
          `${d.recordsPerCpuSecond} records/CPU s`,
          '-',
          '-',
          d.cpuUsPerRecord,
        ]);
    }
    return rows;
  },
};
