// The load generator: a separate process (pinned to its own core by session.ts) that drives one
// target over loopback with keep-alive connections (undici Pool) and prints one JSON line of
// results on stdout.
//
// Closed loop (no rate): `connections` senders, each sending its next request when the previous
// one is answered: the maximum throughput. Open loop (rate): requests are started on a fixed
// schedule whatever the answers do, and latency counts from the scheduled start, so a stalled
// server shows in p99 instead of quietly slowing the sender (no coordinated omission).
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { otlpLogsWorkload } from './otlp-logs-workload.ts';
import { logsWorkload, stamp, tracesWorkload, type Workload, windowPrefillWorkload } from './workloads.ts';

export interface LoadOptions {
  url: string;
  workload: 'logs' | 'logs-hot' | 'logs-skewed' | 'logs-otlp' | 'traces' | 'prefill';
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Requests per second (open loop); absent = as fast as answers come back. */
  rate?: number;
  /** Stop after this many requests (prefill), whatever the duration. */
  maxRequests?: number;
  /** Bodies to generate (they rotate). */
  bodies?: number;
}

export interface LoadResult {
  workload: string;
  seconds: number;
  requests: number;
  ok: number;
  items: number;
  itemsPerSec: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  statuses: Record<string, number>;
  errors: number;
}

function build(name: LoadOptions['workload'], count: number): Workload {
  if (name === 'logs') return logsWorkload(count);
  if (name === 'logs-hot') return logsWorkload(count, 1, 'hot');
  if (name === 'logs-skewed') return logsWorkload(count, 1, 'skewed');
  if (name === 'logs-otlp') return otlpLogsWorkload(count);
  if (name === 'traces') return tracesWorkload(count);
  return windowPrefillWorkload();
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const workload = build(o.workload, o.bodies ?? 64);
  const pool = new Pool(o.url, { connections: o.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  // Counters differ between processes so two runs never send the same trace ids.
  let counter = (Date.now() / 1000) * 4096 + Math.floor(Math.random() * 4096);
  let next = 0;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let requests = 0;
  let ok = 0;
  let items = 0;
  let errors = 0;
  const started = performance.now();
  const measureFrom = started + o.warmupMs;
  const end = measureFrom + o.durationMs;
  let measuredRequests = 0;

  const send = async (scheduledAt: number): Promise<void> => {
    const body = workload.bodies[next++ % workload.bodies.length];
    if (!body) return;
    const bytes = stamp(body, counter++);
    const inWindow = scheduledAt >= measureFrom && scheduledAt < end;
    try {
      const res = await pool.request({
        path: workload.path,
        method: 'POST',
        headers: { 'content-type': workload.contentType },
        body: bytes,
      });
      await res.body.dump();
      const done = performance.now();
      requests++;
      if (!inWindow) return;
      measuredRequests++;
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      latencies.push(done - scheduledAt);
      if (res.statusCode >= 200 && res.statusCode < 300) {
        ok++;
        items += body.items;
      }
    } catch {
      if (inWindow) errors++;
    }
  };

  const limit = o.maxRequests ?? Number.POSITIVE_INFINITY;
  let launched = 0;
  if (o.rate === undefined) {
    const sender = async (): Promise<void> => {
      // Counted at launch, so concurrent senders stop at exactly `limit` requests.
      while (performance.now() < end && launched < limit) {
        launched++;
        await send(performance.now());
      }
    };
    await Promise.all(Array.from({ length: o.connections }, sender));
  } else {
    const interval = 1000 / o.rate;
    const inflight = new Set<Promise<void>>();
    let due = started;
    while (due < end) {
      const now = performance.now();
      while (due <= now && due < end) {
        const p = send(due);
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
        due += interval;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(5, due - performance.now()))));
    }
    await Promise.all(inflight);
  }
  await pool.close();
  const measured = o.maxRequests !== undefined ? (performance.now() - started) / 1000 : o.durationMs / 1000;
  if (o.maxRequests !== undefined) {
    // Prefill has no measurement window: every request counts.
    measuredRequests = requests;
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    workload: workload.name,
    seconds: measured,
    requests: measuredRequests,
    ok,
    items,
    itemsPerSec: items / measured,
    requestsPerSec: ok / measured,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : 0,
    statuses,
    errors,
  };
}

// Entry point when run as a child: options as JSON in argv[2], result as one JSON line.
if (import.meta.main) {
  const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
  runLoad(options).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
