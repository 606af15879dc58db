// Phase `exporter` (BENCH_ONLY=exporter). The Loki exporter's drain of a backlog, and the Datadog
// exporter's, against workload 1's ingest rate (issue 16), all measured in the same rounds. The
// bench's sink stands in for both backends.
import { CONNECTIONS, ROUND_WARMUP, RUNS, SECONDS, WINDOW_SECONDS } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { freePort, sleep } from '../procs.ts';
import { median, ratioTarget, round } from '../report.ts';
import { type Row, series, warmUp } from '../series.ts';
import { load, log, type Sink, startEngine, startSink, stop } from '../session.ts';
import { sinkQuiet } from '../sink-counts.ts';

interface Drain {
  filledRecords: number;
  deliveredEntries: number;
  drainSeconds: number;
  entriesPerSec: number;
  engineCpuUsPerEntry: number;
  engineCpuShare: number;
}

/** A round: its drain, and workload 1's ingest measured just before it. */
interface ExporterRound extends Drain {
  /** Workload 1's accepted records/s on a fresh engine just before this drain (the round's ingest). */
  ingestRecordsPerSec: number;
  /** entriesPerSec / ingestRecordsPerSec. */
  ratio: number;
}

/**
 * The round's ingest: workload 1 on a fresh engine set up as workload 1's (durable queue, Loki
 * exporter delivering to the run's sink), with the same warm-up and run. Measured next to the
 * drain because this machine's speed moves by a fifth between minutes: a drain divided by an
 * ingest rate from another phase a quarter of an hour earlier carries that drift in its ratio.
 */
async function roundIngest(sink: Sink, run: number): Promise<number> {
  log(`exporter throughput, round ${run + 1}/${RUNS}: workload 1 ingest on a fresh engine`);
  const engine = await startEngine({ LOKI_URL: sink.url }, `exporter-ingest-${run}`);
  const s = await series(engine.url, 'logs', `exporter round ${run + 1} ingest`, engine.proc, SECONDS, ROUND_WARMUP, 1);
  await stop(engine.proc);
  return s.itemsPerSec;
}

/**
 * The backends a drain is timed into: the engine's variables that send its records to the sink's
 * port, and where the backend's figures go in results.json.
 */
const BACKENDS = {
  loki: { name: 'Loki', figure: 'exporter', env: (port: number) => ({ LOKI_URL: `http://127.0.0.1:${port}` }) },
  datadog: {
    name: 'Datadog',
    figure: 'exporterDatadog',
    env: (port: number) => ({ DATADOG_API_KEY: 'bench-key', DATADOG_LOGS_URL: `http://127.0.0.1:${port}/api/v2/logs` }),
  },
} as const;
type Backend = keyof typeof BACKENDS;

/**
 * One drain: a warmed-up engine fills its queue with the backend down, then the sink comes up on its port. The
 * rate is timed from the first push's arrival to the last one's, over the entries after the first
 * push: the exporter's steady pace, not the backoff it was in when the sink came up (up to
 * EXPORT_RETRY_MAX_MS of waiting, a sizable share of a drain of a few seconds).
 */
async function exporterDrain(run: number, backend: Backend): Promise<Drain> {
  const { name } = BACKENDS[backend];
  log(
    `exporter throughput, round ${run + 1}/${RUNS}: warm an engine up, fill its queue with ${name} down, then time the drain into the sink`,
  );
  const port = await freePort();
  const engine = await startEngine(
    { ...BACKENDS[backend].env(port), EXPORT_RETRY_INITIAL_MS: '50', EXPORT_RETRY_MAX_MS: '200' },
    `exporter-${backend}-${run}`,
  );
  // Warmed up as the round's ingest engine was (workload 1 for ROUND_WARMUP seconds, the backend up
  // and delivering), so the drain runs compiled exporter code as it would after an outage in a live
  // deployment, not a fresh process's first pass through it. Then the backend goes down, empty-handed.
  const warmSink = await startSink(port);
  await warmUp(engine.url, 'logs', ROUND_WARMUP);
  await sleep(WINDOW_SECONDS * 1000 + 1000); // the warm-up's windows close and their events go out too
  await sinkQuiet(warmSink.url, (counts) => counts.entries, Date.now(), 100);
  await stop(warmSink.proc);
  const fill = await load({
    url: engine.url,
    workload: 'logs',
    connections: CONNECTIONS.logs,
    warmupMs: 0,
    durationMs: 60_000,
    maxRequests: 10_000,
  });
  await sleep(WINDOW_SECONDS * 1000 + 1000); // let the windows close, so their events are queued too
  const sink = await startSink(port);
  const cpuStart = engine.proc.cpuSeconds();
  const c = await sinkQuiet(sink.url, (counts) => counts.entries, Date.now(), 50);
  // The engine's CPU over the drain (and the 2 s of quiet that ended it): below one core per
  // second of drain, the exporter waited on the backend for the rest.
  const drainCpuSeconds = engine.proc.cpuSeconds() - cpuStart;
  const seconds = (c.lastAt - c.firstAt) / 1000;
  const rate = seconds > 0 ? (c.entries - c.firstPushEntries) / seconds : 0;
  await stop(engine.proc);
  await stop(sink.proc);
  const drain: Drain = {
    filledRecords: fill.items,
    deliveredEntries: c.entries,
    drainSeconds: round(seconds, 2),
    entriesPerSec: round(rate),
    engineCpuUsPerEntry: c.entries > 0 ? round((drainCpuSeconds * 1e6) / c.entries, 2) : 0,
    engineCpuShare: seconds > 0 ? round(drainCpuSeconds / seconds, 2) : 0,
  };
  log(
    `${name} exporter drained ${c.entries} entries in ${drain.drainSeconds} s after the first push: ${Math.round(rate)}/s, engine CPU ${round(drainCpuSeconds, 2)} s (${drain.engineCpuUsPerEntry} µs/entry)`,
  );
  return drain;
}

/** A backend's figures: the median of its rounds. */
function drainFigures(rounds: ExporterRound[]) {
  const mid = (pick: (d: ExporterRound) => number) => median(rounds.map(pick));
  return {
    runs: rounds,
    filledRecords: mid((d) => d.filledRecords),
    deliveredEntries: mid((d) => d.deliveredEntries),
    drainSeconds: round(
      mid((d) => d.drainSeconds),
      2,
    ),
    entriesPerSec: round(mid((d) => d.entriesPerSec)),
    engineCpuUsPerEntry: round(
      mid((d) => d.engineCpuUsPerEntry),
      2,
    ),
    engineCpuShare: round(
      mid((d) => d.engineCpuShare),
      2,
    ),
    ingestRecordsPerSec: round(mid((d) => d.ingestRecordsPerSec)),
    ratio: round(
      mid((d) => d.ratio),
      3,
    ),
  };
}

export const exporterPhase: Phase = {
  name: 'exporter',
  async run(r) {
    const { figures, targets } = r;
    // Each round measures workload 1's ingest on a fresh engine, then a drain per backend: the
    // backlog is built while the backend is down (nothing listens on its port), then the sink comes
    // up and the exporter drains with the engine otherwise idle, its own throughput on one core.
    // RUNS rounds (a drain is a few seconds: one is at the mercy of the machine's moods), the
    // median of the rounds' ratios.
    const rounds: Record<Backend, ExporterRound[]> = { loki: [], datadog: [] };
    for (let run = 0; run < RUNS; run++) {
      const ingest = await roundIngest(r.sink, run);
      for (const backend of Object.keys(BACKENDS) as Backend[]) {
        const drain = await exporterDrain(run, backend);
        const ratio = ingest > 0 ? round(drain.entriesPerSec / ingest, 3) : 0;
        log(`exporter round ${run + 1}/${RUNS}: ${BACKENDS[backend].name} drain ${ratio} x the round's ingest`);
        rounds[backend].push({ ...drain, ingestRecordsPerSec: round(ingest), ratio });
      }
    }
    for (const backend of Object.keys(BACKENDS) as Backend[]) {
      const f = drainFigures(rounds[backend]);
      figures[BACKENDS[backend].figure] = f;
      // Issue 16: no exporter may be the bottleneck, with room to catch up after an outage.
      targets.push(
        ratioTarget(
          `exporter throughput (${BACKENDS[backend].name}, local sink) vs workload 1 ingest (issue 16; median of ${RUNS} rounds, each an ingest run and a drain per backend on fresh engines)`,
          f.entriesPerSec,
          'records/s',
          f.ingestRecordsPerSec,
          f.ratio,
          '>=',
          1.5,
        ),
      );
    }
  },
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[] {
    const rows: Row[] = [];
    for (const backend of Object.keys(BACKENDS) as Backend[]) {
      const d = f[BACKENDS[backend].figure];
      if (d)
        rows.push([
          `exporter drain into ${BACKENDS[backend].name} sink`,
          `${Math.round(d.entriesPerSec)} entries/s (engine CPU ${Math.round(d.engineCpuShare * 100)}% of the drain)`,
          '-',
          '-',
          d.engineCpuUsPerEntry,
        ]);
    }
    if (f.exporter?.ingestRecordsPerSec)
      rows.push([
        'exporter rounds: workload 1 ingest on a fresh engine before each drain (median)',
        `${Math.round(f.exporter.ingestRecordsPerSec)} records/s (drain: Loki ${f.exporter.ratio} x${f.exporterDatadog ? `, Datadog ${f.exporterDatadog.ratio} x` : ''})`,
        '-',
        '-',
        '-',
      ]);
    return rows;
  },
};
