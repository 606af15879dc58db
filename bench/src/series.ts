// Measured series: warm-up and timed closed-loop runs against one server, their medians, and the
// ratios between sides measured in rounds.
import { type GcCost, gcCostBetween, gcNote, gcTotals } from './gc-cost.ts';
import { connectionsFor, RUNS, SECONDS, WARMUP } from './knobs.ts';
import type { LoadOptions, LoadResult } from './load.ts';
import type { Proc } from './procs.ts';
import { median, round } from './report.ts';
import { load, log } from './session.ts';

/** One row of the figures table: name, throughput or size, p50 ms, p99 ms, server CPU µs per item. */
export type Row = (string | number)[];

/** What a durable side delivered of a session (warm-up and timed run) and the CPU it took. */
export interface Delivered {
  /** Log records that reached the sink (the engine's events not counted). */
  records: number;
  /** Log records the server acknowledged over the session, when it says (the engine's counter). */
  accepted?: number;
  /** Server CPU from the session's start until its last delivery, per delivered record, µs. */
  cpuUsPerRecord: number;
  /** Delivered records per second of server CPU: what one core sustains, accepting and delivering. */
  recordsPerCpuSecond: number;
  /** Seconds from the session's start until the sink stopped receiving. */
  seconds: number;
}

export interface Series {
  itemsPerSec: number;
  /** Server CPU (all threads) per record or span while the load ran, µs; median of the runs. */
  cpuUsPerItem: number;
  p50Ms: number;
  p99Ms: number;
  /** GC of the runs that had a reading (gc-cost.ts): main-thread pauses as a share of the run, V8's helper threads' share of the CPU; medians. */
  gc?: Pick<GcCost, 'pauseShare' | 'v8ThreadShare'>;
  runs: LoadResult[];
  /** Durable sides of workload 3: what reached the sink, at what CPU (deliveredOf). */
  delivered?: Delivered;
}

/** Warm-up, then RUNS timed runs; medians. */
export async function series(
  url: string,
  workload: LoadOptions['workload'],
  label: string,
  server: Proc,
  seconds = SECONDS,
  warmup = WARMUP,
  runCount = RUNS,
): Promise<Series> {
  await warmUp(url, workload, warmup);
  const runs: TimedRun[] = [];
  for (let i = 0; i < runCount; i++) runs.push(await timedRun(url, workload, `${label} run ${i + 1}`, server, seconds));
  return seriesOf(runs);
}

export type TimedRun = LoadResult & { cpuUsPerItem: number; gc?: GcCost };

/** An untimed closed-loop run that brings the server's code and heap to steady state. */
export async function warmUp(url: string, workload: LoadOptions['workload'], seconds: number): Promise<void> {
  await load({ url, workload, connections: connectionsFor(workload), warmupMs: 0, durationMs: seconds * 1000 });
}

/** The lead-in of a timed run: answered and paid for in CPU, not counted in its items. */
export const RUN_LEAD_IN_MS = 500;

/** Items a timed run of `seconds` answered including its lead-in, at the run's own rate: what its CPU reading paid for. */
export function itemsWithLeadIn(items: number, seconds: number): number {
  return items * ((RUN_LEAD_IN_MS + seconds * 1000) / (seconds * 1000));
}

/** One closed-loop run of `seconds` (after a 0.5 s lead-in) with the server's CPU per item. */
export async function timedRun(
  url: string,
  workload: LoadOptions['workload'],
  label: string,
  server: Proc,
  seconds: number,
): Promise<TimedRun> {
  const logs = workload.startsWith('logs');
  const gc0 = await gcTotals(url);
  const threads0 = server.threadCpuSeconds();
  const cpu0 = server.cpuSeconds();
  const started = performance.now();
  const r = await load({ url, workload, connections: connectionsFor(workload), warmupMs: RUN_LEAD_IN_MS, durationMs: seconds * 1000 });
  // The CPU reading spans the run's short warm-up too; it ran at the same rate, so scale the items.
  const items = itemsWithLeadIn(r.items, seconds);
  const cpuUsPerItem = items > 0 ? ((server.cpuSeconds() - cpu0) * 1e6) / items : 0;
  // Over the same span as the CPU reading (lead-in included); the threads read before the second
  // scrape of /metrics, as the first was before theirs, so neither scrape's CPU is in it.
  const threads1 = server.threadCpuSeconds();
  const wallMs = performance.now() - started;
  const gc = gcCostBetween(gc0, await gcTotals(url), wallMs, threads0, threads1);
  log(
    `${label}: ${Math.round(r.itemsPerSec)} ${logs ? 'records' : 'spans'}/s, p50 ${round(r.p50Ms, 2)} ms, p99 ${round(r.p99Ms, 2)} ms, ${round(cpuUsPerItem, 2)} µs CPU/${logs ? 'record' : 'span'}${gcNote(gc, wallMs)}${failures(r)}`,
  );
  return gc ? { ...r, cpuUsPerItem, gc } : { ...r, cpuUsPerItem };
}

/** Medians of the runs. */
export function seriesOf(runs: TimedRun[]): Series {
  return withGc(
    {
      itemsPerSec: median(runs.map((r) => r.itemsPerSec)),
      cpuUsPerItem: median(runs.map((r) => r.cpuUsPerItem)),
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      runs,
    },
    runs,
  );
}

/** The series with the medians of the GC readings its runs had (none: left without). */
function withGc(s: Series, runs: readonly (LoadResult & { gc?: GcCost })[]): Series {
  const read = runs.flatMap((r) => (r.gc ? [r.gc] : []));
  if (read.length === 0) return s;
  return { ...s, gc: { pauseShare: median(read.map((g) => g.pauseShare)), v8ThreadShare: median(read.map((g) => g.v8ThreadShare)) } };
}

/** Half the capacity in total: each workload at a quarter of its own maximum, in requests/s (50 records a log request). */
export function halfLoadRates(logs: Series, traces: Series): { logsRate: number; tracesRate: number } {
  return { logsRate: (0.25 * logs.itemsPerSec) / 50, tracesRate: (0.25 * traces.itemsPerSec) / itemsPerRequest(traces) };
}

/** ` (non-2xx {...}, errors n)` for a run that had any, else nothing: appended to a run's log line. */
export function failures(r: LoadResult): string {
  const bad = Object.entries(r.statuses).filter(([status]) => !status.startsWith('2'));
  return bad.length || r.errors ? ` (non-2xx ${JSON.stringify(Object.fromEntries(bad))}, errors ${r.errors})` : '';
}

/** Records or spans per 2xx answer of a measured series. */
export function itemsPerRequest(s: Series): number {
  return (
    s.runs.reduce((n, r) => n + r.items, 0) /
    Math.max(
      1,
      s.runs.reduce((n, r) => n + r.ok, 0),
    )
  );
}

/** Per-round ratios of one side to another and their medians (not the ratio of the medians). */
export function compareRounds<K extends string>(rounds: Record<K, Series>[], current: K, baseline: K) {
  const roundRatios = rounds.map((r) => ({
    throughput: round(r[current].itemsPerSec / r[baseline].itemsPerSec, 3),
    cpuPerItem: round(r[current].cpuUsPerItem / r[baseline].cpuUsPerItem, 3),
  }));
  return {
    throughputRatio: round(median(roundRatios.map((r) => r.throughput)), 3),
    cpuPerItemRatio: round(median(roundRatios.map((r) => r.cpuPerItem)), 3),
    roundRatios,
    current: mergeSeries(rounds.map((r) => r[current])),
    baseline: mergeSeries(rounds.map((r) => r[baseline])),
  };
}

/** Delivered figures over rounds: per CPU second and CPU per record, each the median of the rounds, and the rounds. */
export function medianDelivered(rounds: (Delivered | undefined)[]) {
  return {
    recordsPerCpuSecond: round(median(rounds.map((d) => d?.recordsPerCpuSecond ?? 0))),
    cpuUsPerRecord: round(median(rounds.map((d) => d?.cpuUsPerRecord ?? Number.NaN)), 2),
    rounds,
  };
}

/** The runs of several one-run series as one series (medians over all of them). */
export function mergeSeries(parts: Series[]): Series {
  const runs = parts.flatMap((p) => p.runs);
  const pick = (f: (s: Series) => number) => median(parts.map(f));
  return withGc(
    {
      itemsPerSec: pick((s) => s.itemsPerSec),
      cpuUsPerItem: pick((s) => s.cpuUsPerItem),
      p50Ms: pick((s) => s.p50Ms),
      p99Ms: pick((s) => s.p99Ms),
      runs,
    },
    runs,
  );
}

/** One summary row for a measured series: median throughput, latency and server CPU per item. */
export function seriesRow(label: string, unit: 'records' | 'spans', s: Series): Row {
  const gc = s.gc ? ` (GC: pauses ${round(s.gc.pauseShare * 100, 1)}%, V8 threads ${round(s.gc.v8ThreadShare * 100, 1)}% of CPU)` : '';
  return [label, `${Math.round(s.itemsPerSec)} ${unit}/s${gc}`, s.p50Ms, s.p99Ms, round(s.cpuUsPerItem, 2)];
}
