// What garbage collection cost a server during a timed run, in two parts: the time its event loop
// stood still for it, read from its own /metrics (prom-client's default
// `nodejs_gc_duration_seconds`, by kind: minor, major, incremental, weakcb), and the CPU of V8's
// helper threads, which mark and sweep concurrently and share the scavenges (and compile, a
// little, once warm). The engine exposes the metric; the collector and the bare route do not, and
// get no reading.
import { metricSum } from '@obs/test-support/prometheus-text';
import type { ThreadKind } from './procs.ts';
import { round } from './report.ts';

/** Seconds of GC pause so far, by kind. */
export type GcTotals = Record<string, number>;

/** A run's GC: main-thread pauses by kind (ms) and as a share of the run's wall time; V8's helper threads' share of the server's CPU. */
export interface GcCost {
  pauseMs: Record<string, number>;
  pauseShare: number;
  v8ThreadShare: number;
}

/** CPU seconds so far by kind of thread (Proc.threadCpuSeconds). */
export type ThreadCpu = Record<ThreadKind, number>;

const METRIC = 'nodejs_gc_duration_seconds_sum';
/** The kinds Node's GC performance entries name (prom-client labels them so). */
const KINDS = ['minor', 'major', 'incremental', 'weakcb'] as const;

/** The totals in a Prometheus text exposition; undefined when it has none. */
function parseGcTotals(text: string): GcTotals | undefined {
  if (!text.includes(METRIC)) return undefined;
  const totals: GcTotals = {};
  for (const kind of KINDS) totals[kind] = metricSum(text, METRIC, { kind });
  return totals;
}

/** The server's totals now; undefined when it has no /metrics or no GC metric there. */
export async function gcTotals(url: string): Promise<GcTotals | undefined> {
  try {
    const res = await fetch(`${url}/metrics`);
    return res.ok ? parseGcTotals(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

/** The run's GC between two readings of each over `wallMs` of run; undefined unless the server had the metric both times. */
export function gcCostBetween(
  before: GcTotals | undefined,
  after: GcTotals | undefined,
  wallMs: number,
  threadsBefore: ThreadCpu,
  threadsAfter: ThreadCpu,
): GcCost | undefined {
  if (before === undefined || after === undefined || wallMs <= 0) return undefined;
  const pauseMs: Record<string, number> = {};
  let total = 0;
  for (const [kind, seconds] of Object.entries(after)) {
    const pause = Math.max(0, seconds - (before[kind] ?? 0)) * 1000;
    pauseMs[kind] = round(pause, 1);
    total += pause;
  }
  let cpu = 0;
  for (const kind of Object.keys(threadsAfter) as ThreadKind[]) cpu += threadsAfter[kind] - threadsBefore[kind];
  const v8 = threadsAfter.v8 - threadsBefore.v8;
  return { pauseMs, pauseShare: round(total / wallMs, 4), v8ThreadShare: cpu > 0 ? round(v8 / cpu, 4) : 0 };
}

/** `, GC pauses 9.1% (major 2.3%), V8 threads 12% of CPU` for a run's log line; '' without a reading. */
export function gcNote(gc: GcCost | undefined, wallMs: number): string {
  if (gc === undefined) return '';
  const major = ((gc.pauseMs.major ?? 0) / wallMs) * 100;
  return `, GC pauses ${round(gc.pauseShare * 100, 1)}% (major ${round(major, 1)}%), V8 threads ${round(gc.v8ThreadShare * 100, 1)}% of CPU`;
}
