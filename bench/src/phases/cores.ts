// Phase `cores` (BENCH_ONLY=cores). Workload 3 with the engine on one core and on two (issue 16:
// how many cores the engine uses): its rate on each, and where its CPU goes by thread. A figure,
// not a target: every target is set on one core.
import { execFileSync } from 'node:child_process';
import { RUNS, SECONDS, WARMUP } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { PINNING, type ThreadKind } from '../procs.ts';
import { round } from '../report.ts';
import { rotateRounds } from '../rounds.ts';
import { itemsWithLeadIn, type Row, timedRun, warmUp } from '../series.ts';
import { type Engine, log, startEngine } from '../session.ts';
import { engineLogEntries, sinkCount, sinkQuiet } from '../sink-counts.ts';

const KINDS: readonly ThreadKind[] = ['main', 'v8', 'libuv', 'other'];

interface CoresRun {
  /** Records answered per second in the timed run (accepted, for the durable side). */
  recordsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Delivered to the sink per second, from the timed run's start to its last push (durable side). */
  deliveredPerSec?: number;
  /** Server CPU per record by kind of thread (procs.ts threadCpuSeconds), µs. */
  cpuUsPerRecord: Record<ThreadKind, number>;
}

/**
 * One side: a warm-up (and, when durable, its backlog delivered), then a timed run; the CPU of
 * each kind of thread from after the warm-up to the end of the run, or to the last delivery of
 * the run's records when durable, per record.
 */
async function measure(engine: Engine, label: string, sinkUrl: string | undefined, mainCore: string | undefined): Promise<CoresRun> {
  await warmUp(engine.url, 'logs-otlp', WARMUP);
  // After the warm-up every thread the run uses exists (libuv starts its pool on first use).
  if (mainCore !== undefined) pinMainThread(engine.proc.pid, mainCore);
  if (sinkUrl) await sinkQuiet(sinkUrl, engineLogEntries, Date.now(), 100);
  const before = sinkUrl ? engineLogEntries(await sinkCount(sinkUrl)) : 0;
  const cpu0 = engine.proc.threadCpuSeconds();
  const t0 = Date.now();
  const run = await timedRun(engine.url, 'logs-otlp', label, engine.proc, SECONDS);
  // The CPU reading spans the run's lead-in too (series.ts timedRun); the sink counts its records.
  let records = itemsWithLeadIn(run.items, SECONDS);
  let deliveredPerSec: number | undefined;
  if (sinkUrl) {
    const last = await sinkQuiet(sinkUrl, engineLogEntries, t0, 100);
    records = engineLogEntries(last) - before;
    deliveredPerSec = round(records / ((last.lastAt - t0) / 1000));
  }
  const cpu1 = engine.proc.threadCpuSeconds();
  const cpuUsPerRecord = {} as Record<ThreadKind, number>;
  for (const k of KINDS) cpuUsPerRecord[k] = records > 0 ? round(((cpu1[k] - cpu0[k]) * 1e6) / records, 2) : 0;
  log(
    `  ${label}: ${KINDS.map((k) => `${k} ${cpuUsPerRecord[k]}`).join(', ')} µs CPU/record${deliveredPerSec === undefined ? '' : `; delivered ${records} at ${deliveredPerSec}/s`}`,
  );
  return {
    recordsPerSec: round(run.itemsPerSec),
    p50Ms: run.p50Ms,
    p99Ms: run.p99Ms,
    ...(deliveredPerSec === undefined ? {} : { deliveredPerSec }),
    cpuUsPerRecord,
  };
}

/**
 * Keeps the thread that runs the JavaScript on `core`, the others free to use every core the
 * process was given: left to the scheduler, the main thread moved onto the load generator's core
 * and ran slower than on one core of its own, which measured the machine, not the engine.
 */
function pinMainThread(pid: number, core: string): void {
  execFileSync('taskset', ['-p', '-c', core, String(pid)], { stdio: 'ignore' });
}

/**
 * The round with the median rate (the lower middle for an even count), whole: a row's rate, latency
 * and CPU split then come from one run, not each from a different round.
 */
function medianRun(runs: CoresRun[]): CoresRun {
  const sorted = [...runs].sort((a, b) => a.recordsPerSec - b.recordsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)] as CoresRun;
}

export const coresPhase: Phase = {
  name: 'cores',
  async run(r) {
    const pinning = PINNING;
    if (!pinning) {
      log('cores: skipped, it needs two cores and taskset');
      return;
    }
    // The second core is the load generator's (a 2-core machine has no third): the two-core
    // figures are what the engine gets from a core it shares, a lower bound.
    const both = `${pinning.server},${pinning.load}`;
    const sides = [
      { name: 'noExport1', env: { LOKI_URL: '' }, core: pinning.server, durable: false },
      { name: 'noExport2', env: { LOKI_URL: '' }, core: both, durable: false },
      { name: 'durable1', env: { LOKI_URL: r.sink.url, LOKI_EXPORT_OTLP_LOGS: 'true' }, core: pinning.server, durable: true },
      { name: 'durable2', env: { LOKI_URL: r.sink.url, LOKI_EXPORT_OTLP_LOGS: 'true' }, core: both, durable: true },
    ] as const;
    const rounds = await rotateRounds(
      sides,
      RUNS,
      async (side, n) => {
        log(`cores round ${n}/${RUNS}: ${side.name} (cores ${side.core})`);
        return startEngine(side.env, `cores-${side.name}`, undefined, undefined, side.core);
      },
      (engine, side) =>
        measure(engine, `cores ${side.name}`, side.durable ? r.sink.url : undefined, side.core === both ? pinning.server : undefined),
    );
    const figures: Record<string, unknown> = { secondCore: `core ${pinning.load}, shared with the load generator` };
    for (const side of sides) {
      const runs = rounds.map((x) => x[side.name]);
      figures[side.name] = { ...medianRun(runs), rounds: runs };
    }
    r.figures.cores = figures;
  },
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[] {
    const c = f.cores;
    if (!c) return [];
    const split = (run: CoresRun, oneCore: boolean) => {
      const total = KINDS.reduce((sum, k) => sum + run.cpuUsPerRecord[k], 0);
      const share = (k: ThreadKind) => `${k} ${Math.round((100 * run.cpuUsPerRecord[k]) / total)}%`;
      // The main thread's share bounds what more cores can give: the rest could run beside it.
      const bound = oneCore && run.cpuUsPerRecord.main > 0 ? `; more cores: at most x${round(total / run.cpuUsPerRecord.main, 2)}` : '';
      return { total: round(total, 2), text: `${share('main')}, ${share('v8')}, ${share('libuv')}${bound}` };
    };
    const rows: Row[] = [];
    for (const [name, what] of [
      ['noExport', 'workload 3 engine, no exporters'],
      ['durable', 'workload 3 engine, durable, every record to the sink'],
    ] as const) {
      for (const cores of [1, 2]) {
        const run = c[`${name}${cores}`] as CoresRun | undefined;
        if (!run) continue;
        const s = split(run, cores === 1);
        const where = cores === 1 ? 'on 1 core' : 'on 2 cores (the second shared with the load generator)';
        const rate =
          run.deliveredPerSec === undefined
            ? `${Math.round(run.recordsPerSec)} records/s`
            : `${Math.round(run.recordsPerSec)} accepted/s, ${Math.round(run.deliveredPerSec)} delivered/s`;
        rows.push([`${what}, ${where}`, `${rate} (CPU: ${s.text})`, run.p50Ms, run.p99Ms, s.total]);
      }
    }
    return rows;
  },
};
