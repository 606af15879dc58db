// Micro-benchmark of the two queue layouts of accepted logs, in one build and one process: the
// rows of workload-1 requests written as tuples (logTupleRow) and as heads and Loki lines
// (logRow), then drained as the Loki exporter drains them: decoded, made push requests, their JSON
// body gzipped at the exporters' level; and as the Datadog exporter drains them: decoded, made
// intake requests, each gzipped at the same level. Rounds alternate the layouts; prints each
// round's nanoseconds per record and the medians. No disk, no HTTP: the part of the work the
// layouts change.
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

const { buildDatadogRequests } = (await import(
  distModule('delivery/datadog/datadog-encoding.js')
)) as typeof import('../../../correlation-engine/src/delivery/datadog/datadog-encoding.ts');
const { DATADOG_LIMITS } = (await import(
  distModule('delivery/create-delivery.js')
)) as typeof import('../../../correlation-engine/src/delivery/create-delivery.ts');

const rounds = Number(process.argv[2] ?? 12);
const workload = logsWorkload(64);
const requests: NormalizedLog[][] = workload.bodies.map((b, i) => normalizedLogs(b, i, Date.now()));
const records = requests.reduce((n, logs) => n + logs.length, 0);
// The Loki exporter's defaults (create-delivery.ts): 256 KiB lines, 1 MiB pushes.
const loki = { traceIdLabel: false, maxLineBytes: 256 * 1024, batchMaxBytes: 1024 * 1024, defaultEnv: 'bench' };
// The Datadog exporter's intake limits, from the build (create-delivery.ts).
const datadog = { ...DATADOG_LIMITS, defaultEnv: 'bench', hostname: 'bench' };
const ROWS_PER_BATCH = 10;
let checksum = 0;

function write(layout: typeof logRow): number {
  const t = process.hrtime.bigint();
  for (let k = 0; k < 20; k++) for (const logs of requests) checksum += Buffer.byteLength(layout(logs).body as string);
  return Number(process.hrtime.bigint() - t) / (20 * records);
}

type QueuedRecord = import('../../../correlation-engine/src/delivery/queue/queue-rows.ts').QueuedRecord;

/** Nanoseconds per record to decode every request's row, batch by batch, and ship each batch as `ship` does. */
function drain(layout: typeof logRow, ship: (batch: QueuedRecord[]) => void): number {
  const rows = requests.map((logs, seq) => {
    const row = layout(logs);
    return { seq, kind: 'log' as const, enqueuedAtMs: 0, body: row.body, records: row.records ?? 0, encoding: row.encoding ?? 0 };
  });
  const t = process.hrtime.bigint();
  for (let k = 0; k < 20; k++) {
    for (let i = 0; i < rows.length; i += ROWS_PER_BATCH) ship(rows.slice(i, i + ROWS_PER_BATCH).flatMap((row) => decodeRow(row)));
  }
  return Number(process.hrtime.bigint() - t) / (20 * records);
}

function toLoki(batch: QueuedRecord[]): void {
  for (const push of buildPushes(batch, loki)) checksum += gzipSync(encodeJsonPush(push.streams), { level: constants.Z_BEST_SPEED }).length;
}

function toDatadog(batch: QueuedRecord[]): void {
  // The exporter reads every log it does not ship as queued before encoding (queue-exporter.ts),
  // so that a line that does not read is set aside alone.
  for (const record of batch) if (record.kind === 'log') void record.log;
  // Builds before the bodies were bytes gave their JSON text as `json` (an A/B may load one).
  for (const request of buildDatadogRequests(batch, datadog) as { body?: Buffer; json?: string }[]) {
    checksum += gzipSync(request.body ?? (request.json as string), { level: constants.Z_BEST_SPEED }).length;
  }
}

const layouts = { tuples: logTupleRow, lines: logRow };
type Times = { write: number[]; loki: number[]; datadog: number[] };
const times: Record<string, Times> = {};
for (const name of Object.keys(layouts)) times[name] = { write: [], loki: [], datadog: [] };
for (let r = 0; r < rounds; r++) {
  for (const [name, layout] of Object.entries(layouts)) {
    const t = times[name] as Times;
    t.write.push(write(layout));
    t.loki.push(drain(layout, toLoki));
    t.datadog.push(drain(layout, toDatadog));
  }
}
for (const [name, t] of Object.entries(times)) {
  const fmt = (xs: number[]) => xs.map((x) => Math.round(x)).join(' ');
  for (const [what, xs] of Object.entries(t)) {
    const label = what === 'write' ? 'write' : `drain to ${what}`;
    process.stdout.write(`${name}: ${label} ${fmt(xs)} (median ${Math.round(median(xs))}) ns/record\n`);
  }
}
process.stdout.write(`checksum ${checksum > 0}\n`);
