// Phase `w2` (BENCH_ONLY=w2). Workload 2 (OTLP protobuf spans): the engine against the collector
// built from our manifest (groupbytrace -> nop).

import { startCollector } from '../collector.ts';
import { collectorBin, WINDOW_SECONDS } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { PINNING } from '../procs.ts';
import { atLeast, round } from '../report.ts';
import { type Row, series, seriesRow } from '../series.ts';
import { log, startEngine, stop, track, work } from '../session.ts';

export const w2Phase: Phase = {
  name: 'w2',
  async run(r) {
    const { sink, figures, targets } = r;
    log(`workload 2 (OTLP protobuf spans) against the collector (groupbytrace ${WINDOW_SECONDS}s -> nop)`);
    const col = await startCollector(collectorBin, work, WINDOW_SECONDS, PINNING?.server);
    track(col.proc);
    const w2Col = await series(col.url, 'traces', 'collector', col.proc);
    const colRss = col.proc.rssBytes();
    await stop(col.proc);
    log('workload 2 against the engine');
    const engine = await startEngine({ LOKI_URL: sink.url }, 'w2');
    const w2Engine = await series(engine.url, 'traces', 'engine', engine.proc);
    figures.w2 = {
      engineSpansPerSec: round(w2Engine.itemsPerSec),
      collectorSpansPerSec: round(w2Col.itemsPerSec),
      engine: w2Engine,
      collector: w2Col,
      engineRssMiB: round(engine.proc.rssBytes() / 1048576),
      collectorRssMiB: round(colRss / 1048576),
    };
    await stop(engine.proc);
    targets.push(atLeast('workload 2: spans/s vs OTel Collector', w2Engine.itemsPerSec, 'spans/s', w2Col.itemsPerSec, 1.0));
    r.capacity.traces = w2Engine;
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
