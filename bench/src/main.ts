// `pnpm bench`: the correlation engine side by side with its baselines, on one core each, in one
// run. Builds the engine and the collector (cached), then runs the phases in order (phases/, one
// file each): every phase starts the server under test pinned to core 1, drives it from a load
// generator pinned to core 0, and stops it. Prints the figures and the targets, writes
// bench/results.json. See BENCHMARKS.md.
//
// Knobs (environment, knobs.ts): BENCH_RUNS (3), BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3),
// BENCH_WINDOWS (1000000), BENCH_SKIP_BUILD=1, BENCH_CPU_PROF=<dir> (engine --cpu-prof),
// BENCH_ONLY=<comma list of phases: w1,skew,w2,w3,cores,mixed,visibility,exporter,windows,churn,memory,ab,scale>, BENCH_ENGINE_DIR,
// BENCH_BASELINE_REF (5e55056), BENCH_AB_ROUNDS (3), BENCH_SCALE_SPANS_PER_SEC (20000), BENCH_SCALE_ROUNDS (BENCH_RUNS).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildOnce } from '@obs/test-support/build';
import { benchDir, phaseSelected, RUNS, repo, SECONDS, WARMUP, WINDOW_SECONDS } from './knobs.ts';
import type { BenchRun, Phase } from './phase.ts';
import { abPhase } from './phases/ab.ts';
import { churnPhase } from './phases/churn.ts';
import { coresPhase } from './phases/cores.ts';
import { exporterPhase } from './phases/exporter.ts';
import { memoryPhase } from './phases/memory.ts';
import { mixedPhase } from './phases/mixed.ts';
import { scalePhase } from './phases/scale.ts';
import { skewPhase } from './phases/skew.ts';
import { visibilityPhase } from './phases/visibility.ts';
import { w1Phase } from './phases/w1.ts';
import { w2Phase } from './phases/w2.ts';
import { w3Phase } from './phases/w3.ts';
import { windowsPhase } from './phases/windows.ts';
import { PINNING } from './procs.ts';
import { round, table, targetTable } from './report.ts';
import type { Row } from './series.ts';
import { log, startSink, stop, stopAll } from './session.ts';

/**
 * In the order they run (and print): mixed and visibility use the capacity w1 and w2 measured,
 * the exporter measures its own ingest rate next to each drain.
 */
const PHASES: Phase[] = [
  w1Phase,
  skewPhase,
  w2Phase,
  w3Phase,
  coresPhase,
  mixedPhase,
  visibilityPhase,
  exporterPhase,
  windowsPhase,
  churnPhase,
  memoryPhase,
  abPhase,
  scalePhase,
];

function machine() {
  const cpu = cpus()[0]?.model ?? 'unknown';
  return {
    nproc: availableParallelism(),
    cpu,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    pinning: PINNING
      ? `servers on core ${PINNING.server}, load generator on core ${PINNING.load} (taskset)`
      : 'none (one core or no taskset)',
    loadAvgStart: loadavg().map((l) => round(l, 2)),
    loadAvgEnd: [] as number[],
  };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const info = machine();
  if (PINNING) execFileSync('taskset', ['-pc', PINNING.load, String(process.pid)], { stdio: 'ignore' });
  if (!process.env.BENCH_SKIP_BUILD) {
    log('building the engine');
    buildOnce('correlation-engine');
    log('ensuring the collector build (cached)');
    execFileSync('bash', [join(repo, 'scripts/lib/ensure-otelcol.sh')], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  log(`load average ${info.loadAvgStart.join(' ')}; ${info.pinning}`);
  const run: BenchRun = { sink: await startSink(), figures: {}, targets: [], capacity: {} };
  for (const phase of PHASES) if (phaseSelected(phase.name)) await phase.run(run);
  await stop(run.sink.proc);
  info.loadAvgEnd = loadavg().map((l) => round(l, 2));
  const results = {
    machine: info,
    runs: RUNS,
    seconds: SECONDS,
    warmupSeconds: WARMUP,
    windowSeconds: WINDOW_SECONDS,
    targets: run.targets,
    figures: run.figures,
    totalSeconds: round((Date.now() - t0) / 1000),
  };
  writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${summary(results.figures)}\n\n${targetTable(run.targets)}\n\n`);
  process.stdout.write(
    `machine: ${info.nproc} cores, ${info.cpu}, Node ${info.node}; ${info.pinning}; load average ${info.loadAvgStart.join(' ')} -> ${info.loadAvgEnd.join(' ')}\n`,
  );
  process.stdout.write(`wrote bench/results.json (${results.totalSeconds} s)\n`);
}

/** The raw figures as one table. */
function summary(figures: Record<string, unknown>): string {
  const rows: Row[] = PHASES.flatMap((p) => p.rows(figures));
  return table(
    ['figure', 'throughput / size', 'p50 ms', 'p99 ms', 'server CPU µs/item'],
    rows.map((r) => (r.length < 5 ? [...r, '-'] : r)),
  );
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(stopAll);
