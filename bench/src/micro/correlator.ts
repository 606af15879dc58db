// Micro-benchmark of the engine's Correlator on workload 1 records (normalized up front by the
// engine's own normalizer): records correlated per second on one core, windows closing as the
// synthetic clock moves 2 ms per 50-record batch (500 requests/s) with a 5 s window.
// ENGINE_DIST=<dir> points at another build of correlation-engine/dist (for A/B runs).
// Usage: node src/micro/correlator.ts [batches=4000] [rounds=3] [distinct|hot|skewed]
import { type KeySkew, logsWorkload } from '../workloads.ts';
import { distModule } from './engine-dist.ts';
import { normalizedLogs } from './normalized-logs.ts';

const dist = (p: string) => distModule(p);
const { Correlator } = (await import(
  dist('correlate/correlator.js')
)) as typeof import('../../../correlation-engine/src/correlate/correlator.ts');

const batches = Number(process.argv[2] ?? 4000);
const rounds = Number(process.argv[3] ?? 3);
const skew = (process.argv[4] ?? 'distinct') as KeySkew;
const workload = logsWorkload(64, 1, skew);
const input = Array.from({ length: batches }, (_, b) => normalizedLogs(workload.bodies[b % 64] as (typeof workload.bodies)[number], b, 0));

for (let round = 0; round < rounds; round++) {
  let now = 1_764_020_000_000;
  const correlator = new Correlator({
    instance: 'bench',
    windowMs: 5000,
    maxOpenWindows: 200_000,
    maxSpansPerWindow: 200,
    maxLogsPerWindow: 200,
    now: () => now,
  });
  let events = 0;
  const t0 = performance.now();
  for (const logs of input) {
    now += 2;
    correlator.addLogs(logs);
    events += correlator.tick().length;
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    `${JSON.stringify({ skew, round, records: batches * 50, events, recordsPerSec: Math.round((batches * 50) / seconds) })}\n`,
  );
}
