// Micro-benchmark of the durable queue as the engine drives it under workload 1: 32 concurrent
// appends of 50 records (one group commit), then the Loki reader takes 500-record batches and
// commits each. Prints records/s through append + read + commit on one core (no HTTP, no JSON).
// Usage: node src/micro/queue.ts [records=200000] [sync=full]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const distUrl = new URL('../../../correlation-engine/dist/queue/durable-queue.js', import.meta.url);
const { DurableQueue } = (await import(fileURLToPath(distUrl))) as typeof import('../../../correlation-engine/src/queue/durable-queue.ts');

const total = Number(process.argv[2] ?? 200_000);
const sync = (process.argv[3] ?? 'full') as 'full' | 'normal';
const dir = mkdtempSync(join(tmpdir(), 'obs-queue-bench-'));
const queue = new DurableQueue({ dir, consumers: ['loki'], sync });
// A normalized log as the delivery seam stores it (~440 bytes of JSON).
const body = JSON.stringify({
  timeUnixMs: 1764020402114,
  severity: 'INFO',
  service: 'mdso',
  env: 'bench',
  host: 'server-124',
  message:
    'Resource activation requested resource_id=7f3c2a10 resource_type_id=tosca.resourceTypes.EthernetCircuit circuit_id=CKT-1001-NYC',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  keys: { circuit_id: 'CKT-1001-NYC', resource_id: '7f3c2a10' },
  attributes: { thread: 'bpocore-worker-3', logger: 'com.ciena.bp.orchestrate.ResourceManager' },
  format: 'blueplanet',
  source: 'api',
});
// As DurableDelivery.acceptLogs queues a request: one row holding its 50 records as a JSON array.
const batch = [{ kind: 'log' as const, body: `[${Array(50).fill(body).join(',')}]`, records: 50 }];

const t0 = performance.now();
let written = 0;
let readCount = 0;
while (written < total) {
  await Promise.all(Array.from({ length: 32 }, () => queue.append(batch)));
  written += 32 * 50;
  for (;;) {
    const entries = queue.read('loki', 500);
    if (entries.length === 0) break;
    for (const e of entries) readCount += Math.max(1, e.records);
    queue.commit('loki', (entries[entries.length - 1] as { seq: number }).seq);
  }
}
const seconds = (performance.now() - t0) / 1000;
await queue.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ sync, records: written, read: readCount, seconds: Math.round(seconds * 1000) / 1000, recordsPerSec: Math.round(written / seconds) })}\n`,
);
