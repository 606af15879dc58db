// In-process A/B of two builds' Datadog encode path: workload-1 requests queued as the build
// queues them (logRow), with three window events per request (eventRow, in rows of 99 as window
// sweeps queue them), then read back as the build's Datadog exporter reads them (each record parsed
// unless its entry is made from its queued text, datadog-exporter.ts), made intake requests and each body gzipped at the exporters' level.
// Both builds are loaded in one process and short rounds alternate between them, so the machine's
// drift (a fifth between minutes here) falls on both alike; prints CPU nanoseconds per record of
// each round, and the ratio A / B of each pair of rounds with its median and quartiles (above 1:
// B is faster). No disk, no HTTP: the part of a drain the encoders change.
// Usage: DIST_A=<dist> DIST_B=<dist> node src/micro/datadog-ab.ts [rounds=60]
import { constants, gzipSync } from 'node:zlib';
import { median } from '../report.ts';
import { logsWorkload } from '../workloads.ts';
import { distModule } from './engine-dist.ts';
import { normalizedLogs } from './normalized-logs.ts';
import { windowEvent } from './window-event.ts';

type QueueRows = typeof import('../../../correlation-engine/src/delivery/queue/queue-rows.ts');
type Encoding = typeof import('../../../correlation-engine/src/delivery/datadog/datadog-encoding.ts');
type CreateDelivery = typeof import('../../../correlation-engine/src/delivery/create-delivery.ts');
type QueueEntry = import('../../../correlation-engine/src/delivery/queue/durable-queue.ts').QueueEntry;

interface Build {
  rows: QueueRows;
  encoding: Encoding;
  limits: CreateDelivery['DATADOG_LIMITS'];
}

async function load(dir: string | undefined, name: string): Promise<Build> {
  if (!dir) throw new Error(`${name} must name a build's dist/ folder`);
  return {
    rows: (await import(distModule('delivery/queue/queue-rows.js', dir))) as QueueRows,
    encoding: (await import(distModule('delivery/datadog/datadog-encoding.js', dir))) as Encoding,
    limits: ((await import(distModule('delivery/create-delivery.js', dir))) as CreateDelivery).DATADOG_LIMITS,
  };
}

const builds = { A: await load(process.env.DIST_A, 'DIST_A'), B: await load(process.env.DIST_B, 'DIST_B') };
const rounds = Number(process.argv[2] ?? 60);
const requests = logsWorkload(64).bodies.map((b, i) => normalizedLogs(b, i, Date.now()));
const events = requests.flatMap((logs, b) => [0, 1, 2].map((e) => windowEvent(logs, b * 3 + e)));
/** Rows read per exporter batch: ~2,000 records, the engine's EXPORT_BATCH_MAX_RECORDS. */
const ROWS_PER_BATCH = 40;
let checksum = 0;

function entry(seq: number, row: ReturnType<QueueRows['logRow']>): QueueEntry {
  return { seq, kind: row.kind, enqueuedAtMs: 0, body: row.body, records: row.records ?? 0, encoding: row.encoding ?? 0 };
}

/** CPU nanoseconds per record for `build` to read, encode and gzip every row twice. */
function round(build: Build): number {
  const rows = requests.map((logs, seq) => entry(seq, build.rows.logRow(logs)));
  for (let i = 0; i < events.length; i += 99) rows.push(entry(1000 + i, build.rows.eventRow(events.slice(i, i + 99))));
  const options = { ...build.limits, defaultEnv: 'bench', hostname: 'bench' };
  let records = 0;
  const start = process.cpuUsage();
  for (let k = 0; k < 2; k++) {
    for (let i = 0; i < rows.length; i += ROWS_PER_BATCH) {
      const batch = rows.slice(i, i + ROWS_PER_BATCH).flatMap((row) => build.rows.decodeRow(row));
      // What the exporter's check reads: nothing of a record the build makes from its queued text
      // (builds before madeFromQueuedText: a log whose texts were cut), else the record itself.
      for (const r of batch) {
        const fromText = build.encoding.madeFromQueuedText?.(r) ?? (r.kind === 'log' && (r as { texts?: unknown }).texts !== undefined);
        if (!fromText) void (r.kind === 'log' ? r.log : r.kind === 'event' ? r.event : r);
      }
      // Builds before the bodies were bytes gave their JSON text as `json`.
      for (const request of build.encoding.buildDatadogRequests(batch, options) as { body?: Buffer; json?: string }[]) {
        checksum += gzipSync(request.body ?? (request.json as string), { level: constants.Z_BEST_SPEED }).length;
      }
      records += batch.length;
    }
  }
  const cpu = process.cpuUsage(start);
  return ((cpu.user + cpu.system) * 1000) / records;
}

const times = { A: [] as number[], B: [] as number[] };
for (let r = 0; r < rounds; r++) {
  for (const name of r % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) times[name].push(round(builds[name]));
}
const ratios = times.A.map((a, i) => a / (times.B[i] as number)).sort((x, y) => x - y);
const at = (q: number) => (ratios[Math.floor(q * (ratios.length - 1))] as number).toFixed(3);
for (const name of ['A', 'B'] as const)
  console.log(`${name} ns/record: ${times[name].map(Math.round).join(' ')} (median ${Math.round(median(times[name]))})`);
console.log(
  `A/B: median ${median(ratios).toFixed(3)}, quartiles ${at(0.25)} and ${at(0.75)}, B faster in ${ratios.filter((x) => x > 1).length} of ${ratios.length} (checksum ${checksum > 0})`,
);
