// Micro-benchmark of the engine's per-record ingest work for POST /api/logs: the route's
// toApiRecord (id checks, label strings) plus normalizeApiRecord (line parsing), on workload 1
// bodies already JSON-parsed (as Fastify hands them to the handler). Records per second, one core.
// ENGINE_DIST=<dir> points at another build of correlation-engine/dist (for A/B runs).
// Usage: node src/micro/normalizer.ts [batches=2000] [rounds=5]
import { fileURLToPath } from 'node:url';
import { logsWorkload, stamp } from '../workloads.ts';

const distDir = process.env.ENGINE_DIST ?? fileURLToPath(new URL('../../../correlation-engine/dist', import.meta.url));
const dist = (p: string) => `${distDir}/${p}`;
const { normalizeApiRecord } = (await import(
  dist('pipeline/normalizer.js')
)) as typeof import('../../../correlation-engine/src/pipeline/normalizer.ts');
const { toApiRecord } = (await import(dist('routes/logs.js'))) as typeof import('../../../correlation-engine/src/routes/logs.ts');

type Body = import('../../../correlation-engine/src/routes/logs.ts').PostLogsBody;

const batches = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 5);
const workload = logsWorkload(64);
const raw = Array.from({ length: batches }, (_, b) => stamp(workload.bodies[b % 64] as (typeof workload.bodies)[number], b).toString());
const resource = { service: 'mdso', host: 'server-124', env: 'bench' };

let sink = 0;
for (let round = 0; round < rounds; round++) {
  // Fresh bodies each round, parsed outside the timed loop: the route may reuse its input objects.
  const bodies = raw.map((json) => JSON.parse(json) as Body);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const body of bodies) {
    const records = body.records;
    for (let i = 0; i < records.length; i++) {
      const log = normalizeApiRecord(toApiRecord(records[i] as Body['records'][number], i), resource, 0);
      sink += log.message.length;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  // CPU time of this process too: on a shared machine it is far less noisy than wall time.
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const n = batches * 50;
  const line = {
    round,
    records: n,
    recordsPerSec: Math.round(n / seconds),
    usPer50: Math.round((50e7 * seconds) / n) / 10,
    cpuRecordsPerSec: Math.round(n / cpuSeconds),
    cpuUsPer50: Math.round((50e7 * cpuSeconds) / n) / 10,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
if (sink === 0) throw new Error('nothing normalized');
