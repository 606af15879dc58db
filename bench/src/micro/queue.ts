// Micro-benchmark of the durable queue as the engine drives it under workload 1: 32 concurrent
// DurableDelivery.acceptLogs calls of 50 normalized records (row encoding + one group commit),
// then the Loki reader takes 500-record batches, decodes them as the exporters do, and commits
// each. Prints µs per 50-record request (wall and CPU time: CPU time is far less noisy on the
// shared machine) through accept + read + decode + commit on one core (no HTTP).
// ENGINE_DIST=<dir> points at another build of correlation-engine/dist (for A/B runs).
// Usage: node src/micro/queue.ts [requests=4000] [sync=full] [rounds=3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logsWorkload, stamp } from '../workloads.ts';
import { distModule } from './engine-dist.ts';
import { SHIPS_EVERY_LOG } from './ships-every-log.ts';

const dist = (p: string) => distModule(p);
const { DurableQueue } = (await import(
  dist('delivery/queue/durable-queue.js')
)) as typeof import('../../../correlation-engine/src/delivery/queue/durable-queue.ts');
const { DurableDelivery } = (await import(
  dist('delivery/durable-delivery.js')
)) as typeof import('../../../correlation-engine/src/delivery/durable-delivery.ts');
const { createMetrics } = (await import(dist('metrics.js'))) as typeof import('../../../correlation-engine/src/metrics.ts');
const { exporterMetricsFrom } = (await import(
  dist('delivery/create-delivery.js')
)) as typeof import('../../../correlation-engine/src/delivery/create-delivery.ts');
const { normalizeApiRecord } = (await import(
  dist('ingest/normalize/normalizer.js')
)) as typeof import('../../../correlation-engine/src/ingest/normalize/normalizer.ts');
const { toApiRecord } = (await import(dist('http/routes/logs.js'))) as typeof import('../../../correlation-engine/src/http/routes/logs.ts');
type QueueEntry = import('../../../correlation-engine/src/delivery/queue/durable-queue.ts').QueueEntry;
// Builds before queue-rows.ts stored JSON arrays of log objects: decode them the way they did.
const decodeRow: (entry: QueueEntry) => unknown[] = await import(dist('delivery/queue/queue-rows.js')).then(
  (m: typeof import('../../../correlation-engine/src/delivery/queue/queue-rows.ts')) => m.decodeRow,
  () => (entry: QueueEntry) => JSON.parse(entry.body as string) as unknown[],
);

type Body = import('../../../correlation-engine/src/http/routes/logs.ts').PostLogsBody;
type NormalizedLog = import('../../../correlation-engine/src/model/types.ts').NormalizedLog;

const requests = Number(process.argv[2] ?? 4000);
const sync = (process.argv[3] ?? 'full') as 'full' | 'normal';
const rounds = Number(process.argv[4] ?? 3);
const CONCURRENCY = 32;
const workload = logsWorkload(64);
const resource = { service: 'mdso', host: 'server-124', env: 'bench' };
// Records as the route hands them over, normalized outside the timed loop.
const batches: NormalizedLog[][] = Array.from({ length: 256 }, (_, b) => {
  const body = JSON.parse(stamp(workload.bodies[b % 64] as (typeof workload.bodies)[number], b).toString()) as Body;
  return body.records.map((r, i) => normalizeApiRecord(toApiRecord(r, i), resource, Date.now()));
});

for (let round = 0; round < rounds; round++) {
  const dir = mkdtempSync(join(tmpdir(), 'obs-queue-bench-'));
  const queue = new DurableQueue({ dir, consumers: ['loki'], sync });
  const delivery = new DurableDelivery({
    queue,
    // Ships every log (builds since the queue skips logs no exporter ships ask; older ones do not).
    exporters: [SHIPS_EVERY_LOG],
    maxBytes: 1 << 30,
    metrics: exporterMetricsFrom(createMetrics({ instanceId: 'bench', defaultMetrics: false })),
    logger: { info() {}, warn() {}, error() {} },
  });
  let sent = 0;
  let decoded = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (sent < requests) {
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => delivery.acceptLogs(batches[(sent + i) % 256] as NormalizedLog[])));
    sent += CONCURRENCY;
    for (;;) {
      const entries = queue.read('loki', 500);
      if (entries.length === 0) break;
      for (const e of entries) decoded += decodeRow(e).length;
      queue.commit('loki', (entries[entries.length - 1] as QueueEntry).seq);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await queue.close();
  rmSync(dir, { recursive: true, force: true });
  if (decoded !== sent * 50) throw new Error(`decoded ${decoded} of ${sent * 50} records`);
  const line = {
    round,
    sync,
    records: sent * 50,
    recordsPerSec: Math.round((sent * 50) / seconds),
    usPerRequest: Math.round((1e7 * seconds) / sent) / 10,
    cpuUsPerRequest: Math.round((1e7 * cpuSeconds) / sent) / 10,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
