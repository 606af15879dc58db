// Micro-benchmark of the two queue layouts of accepted logs, in one build and one process: the
// rows of workload-1 requests written as tuples (logTupleRow) and as heads and Loki lines
// (logRow), then drained as the Loki exporter drains them: decoded, made push requests, their JSON
// body gzipped at the exporter's level. Rounds alternate the layouts; prints each round's
// nanoseconds per record and the medians. No disk, no HTTP: the part of the work the layouts change.
// ENGINE_DIST=<dir> points at another build of correlation-engine/dist (one that has both layouts).
// Usage: node src/micro/log-rows.ts [rounds=12]
import { constants, gzipSync } from 'node:zlib';
import { median } from '../report.ts';
import { logsWorkload } from '../workloads.ts';
import { distModule } from './engine-dist.ts';
import { normalizedLogs } from './normalized-logs.ts';

type QueueRows = typeof import('../../../correlation-engine/src/delivery/queue/queue-rows.ts');
type NormalizedLog = import('../../../correlation-engine/src/model/types.ts').NormalizedLog;
const { logRow, logTupleRow, decodeRow } = (await import(distModule('delivery/queue/queue-rows.js'))) as QueueRows;
const { buildPushes, encodeJsonPush } = (await import(
  distModule('delivery/loki/loki-encoding.js')
)) as typeof import('../../../correlation-engine/src/delivery/loki/loki-encoding.ts');

const rounds = Number(process.argv[2] ?? 12);
const workload = logsWorkload(64);
const requests: NormalizedLog[][] = workload.bodies.map((b, i) => normalizedLogs(b, i, Date.now()));
const records = requests.reduce((n, logs) => n + logs.length, 0);
// The Loki exporter's defaults (create-delivery.ts): 256 KiB lines, 1 MiB pushes.
const loki = { traceIdLabel: false, maxLineBytes: 256 * 1024, batchMaxBytes: 1024 * 1024, defaultEnv: 'bench' };
const ROWS_PER_BATCH = 10;
let checksum = 0;

function write(layout: typeof logRow): number {
  const t = process.hrtime.bigint();
  for (let k = 0; k < 20; k++) for (const logs of requests) checksum += Buffer.byteLength(layout(logs).body as string);
  return Number(process.hrtime.bigint() - t) / (20 * records);
}

function drain(layout: typeof logRow): number {
  const rows = requests.map((logs, seq) => {
    const row = layout(logs);
    return { seq, kind: 'log' as const, enqueuedAtMs: 0, body: row.body, records: row.records ?? 0, encoding: row.encoding ?? 0 };
  });
  const t = process.hrtime.bigint();
  for (let k = 0; k < 20; k++) {
    for (let i = 0; i < rows.length; i += ROWS_PER_BATCH) {
      const batch = rows.slice(i, i + ROWS_PER_BATCH).flatMap((row) => decodeRow(row));
      for (const push of buildPushes(batch, loki))
        checksum += gzipSync(encodeJsonPush(push.streams), { level: constants.Z_BEST_SPEED }).length;
    }
  }
  return Number(process.hrtime.bigint() - t) / (20 * records);
}

const layouts = { tuples: logTupleRow, lines: logRow };
const times: Record<string, { write: number[]; drain: number[] }> = { tuples: { write: [], drain: [] }, lines: { write: [], drain: [] } };
for (let r = 0; r < rounds; r++) {
  for (const [name, layout] of Object.entries(layouts)) {
    const t = times[name] as { write: number[]; drain: number[] };
    t.write.push(write(layout));
    t.drain.push(drain(layout));
  }
}
for (const [name, t] of Object.entries(times)) {
  const fmt = (xs: number[]) => xs.map((x) => Math.round(x)).join(' ');
  process.stdout.write(`${name}: write ${fmt(t.write)} (median ${Math.round(median(t.write))}) ns/record\n`);
  process.stdout.write(`${name}: drain ${fmt(t.drain)} (median ${Math.round(median(t.drain))}) ns/record\n`);
}
process.stdout.write(`checksum ${checksum > 0}\n`);
