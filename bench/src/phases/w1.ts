// Phase `w1` (BENCH_ONLY=w1). Workload 1 (POST /api/logs): the engine against a bare Fastify route
// that only parses.
import { join } from 'node:path';
import { benchDir } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { PINNING, Proc } from '../procs.ts';
import { atLeast, round } from '../report.ts';
import { type Row, series, seriesRow } from '../series.ts';
import { log, startEngine, stop, track } from '../session.ts';
import { deliveredOf, engineLogEntries, engineLogsAccepted } from '../sink-counts.ts';

export const w1Phase: Phase = {
  name: 'w1',
  async run(r) {
    const { sink, figures, targets } = r;
    log('workload 1 (POST /api/logs) against the bare Fastify baseline');
    const base = track(new Proc(process.execPath, [join(benchDir, 'src/servers/fastify-baseline.ts')], { core: PINNING?.server }));
    const m = await base.waitFor(/listening (http:\S+)/);
    const w1Base = await series(m[1] as string, 'logs', 'fastify baseline', base);
    await stop(base);
    log('workload 1 against the engine (correlation on, durable queue + Loki exporter on)');
    const engine = await startEngine({ LOKI_URL: sink.url }, 'w1');
    // The target is the accepted rate against a route that delivers nothing; what the engine
    // sustains accepting and delivering every record to Loki is shown next to it (deliveredOf).
    const w1Engine = await deliveredOf(sink.url, engine, engineLogEntries, engineLogsAccepted(engine.url), () =>
      series(engine.url, 'logs', 'engine', engine.proc),
    );
    figures.w1 = {
      engineRecordsPerSec: round(w1Engine.itemsPerSec),
      baselineRecordsPerSec: round(w1Base.itemsPerSec),
      engine: w1Engine,
      baseline: w1Base,
      engineRssMiB: round(engine.proc.rssBytes() / 1048576),
    };
    await stop(engine.proc);
    targets.push(atLeast('workload 1: records/s vs bare Fastify', w1Engine.itemsPerSec, 'records/s', w1Base.itemsPerSec, 0.5));
    r.capacity.logs = w1Engine;
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
          'workload 1 engine: delivered to Loki, per second of server CPU (warm-up and runs, until the backlog was delivered)',
          `${d.recordsPerCpuSecond} records/CPU s`,
          '-',
          '-',
          d.cpuUsPerRecord,
        ]);
    }
    return rows;
  },
};
