// Micro-benchmark of workload 3's accept path without HTTP: OTLP protobuf log bodies decoded and
// normalized by the engine's decoder, then correlated (trace-less logs linked by key), windows
// closing as a synthetic clock moves 1 ms per 50-record body. Records per second on one core.
// ENGINE_DIST=<dir> points at another build of correlation-engine/dist (for A/B runs).
// Usage: node src/micro/otlp-logs-correlate.ts [bodies=20000] [rounds=3]
import { otlpLogsWorkload } from '../otlp-logs-workload.ts';
import { stamp } from '../workloads.ts';
import { distModule } from './engine-dist.ts';

const { decodeLogs } = (await import(
  distModule('ingest/otlp/index.js')
)) as typeof import('../../../correlation-engine/src/ingest/otlp/index.ts');
const { Correlator } = (await import(
  distModule('correlate/correlator.js')
)) as typeof import('../../../correlation-engine/src/correlate/correlator.ts');

const count = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
const workload = otlpLogsWorkload(64);
// Stamped up front: every body carries its own trace and circuit ids, as in the bench's load.
const bodies = Array.from({ length: count }, (_, i) => stamp(workload.bodies[i % 64] as (typeof workload.bodies)[number], i));

for (let round = 0; round < rounds; round++) {
  let now = 1_764_020_000_000;
  const correlator = new Correlator({
    instance: 'bench',
    windowMs: 60_000,
    maxOpenWindows: 200_000,
    maxSpansPerWindow: 200,
    maxLogsPerWindow: 200,
    now: () => now,
  });
  let records = 0;
  const cpu0 = process.cpuUsage();
  for (const body of bodies) {
    now += 1;
    const { logs } = decodeLogs(body, 'protobuf', now);
    correlator.addLogs(logs);
    correlator.tick();
    records += logs.length;
  }
  const cpu = process.cpuUsage(cpu0);
  const seconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    `${JSON.stringify({ round, records, recordsPerCpuSec: Math.round(records / seconds), usPerRecord: +((seconds * 1e6) / records).toFixed(2) })}\n`,
  );
}
