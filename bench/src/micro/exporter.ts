// Micro-benchmark of one exporter alone: a durable queue pre-filled with normalized logs
// (workload 1 records run through the engine's own normalizer) and 3 correlation events per
// request (in rows of 99, as window sweeps queue them), drained by the engine's LokiExporter
// (or, with EXPORTER=datadog, its DatadogExporter) into the bench's sink, which stands in for
// both. Prints entries/s (wall and CPU time of the drain).
// ENGINE_DIST=<dir> points at another build of correlation-engine/dist (for A/B runs).
// LOKI_FORMAT=protobuf drains in Loki's protobuf + snappy body instead of JSON + gzip.
// Usage: node src/micro/exporter.ts [records=100000]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Proc } from '../procs.ts';
import { logsWorkload } from '../workloads.ts';
import { distModule } from './engine-dist.ts';
import { normalizedLogs } from './normalized-logs.ts';
import { SHIPS_EVERY_LOG } from './ships-every-log.ts';
import { windowEvent } from './window-event.ts';

const dist = (p: string) => distModule(p);
const { DurableQueue } = (await import(
  dist('delivery/queue/durable-queue.js')
)) as typeof import('../../../correlation-engine/src/delivery/queue/durable-queue.ts');
const { LokiExporter } = (await import(
  dist('delivery/loki/loki-exporter.js')
)) as typeof import('../../../correlation-engine/src/delivery/loki/loki-exporter.ts');
const { DatadogExporter } = (await import(
  dist('delivery/datadog/datadog-exporter.js')
)) as typeof import('../../../correlation-engine/src/delivery/datadog/datadog-exporter.ts');
const { createMetrics } = (await import(dist('metrics.js'))) as typeof import('../../../correlation-engine/src/metrics.ts');
const { exporterMetricsFrom, DATADOG_LIMITS } = (await import(
  dist('delivery/create-delivery.js')
)) as typeof import('../../../correlation-engine/src/delivery/create-delivery.ts');
const { DurableDelivery } = (await import(
  dist('delivery/durable-delivery.js')
)) as typeof import('../../../correlation-engine/src/delivery/durable-delivery.ts');

const total = Number(process.argv[2] ?? 100_000);
const target = process.env.EXPORTER ?? 'loki';
if (target !== 'loki' && target !== 'datadog') throw new Error(`EXPORTER must be loki or datadog, not ${target}`);
const dir = mkdtempSync(join(tmpdir(), 'obs-exporter-bench-'));
const sink = new Proc(process.execPath, [fileURLToPath(new URL('../servers/loki-sink.ts', import.meta.url))], {
  core: process.env.SINK_CORE,
});
// A failed run (an exception below) must not leave the sink running: kill it on any exit.
process.once('exit', () => sink.child.kill('SIGKILL'));
const url = (await sink.waitFor(/listening (http:\S+)/))[1] as string;

const queue = new DurableQueue({ dir, consumers: [target], sync: 'full' });
const delivery = new DurableDelivery({
  queue,
  // Ships every log (builds since the queue skips logs no exporter ships ask; older ones do not).
  exporters: [SHIPS_EVERY_LOG],
  maxBytes: 2 ** 40,
  metrics: exporterMetricsFrom(createMetrics({ instanceId: 'bench', defaultMetrics: false })),
  logger: { info() {}, warn() {}, error() {} },
});
const workload = logsWorkload(64);
type CorrelationEvent = import('../../../correlation-engine/src/model/types.ts').CorrelationEvent;
const events: CorrelationEvent[] = [];
let n = 0;
for (let b = 0; n < total; b++) {
  const logs = normalizedLogs(workload.bodies[b % 64] as (typeof workload.bodies)[number], b, Date.now());
  // Queued as the engine queues a request, in the row layout of the build under test.
  await delivery.acceptLogs(logs);
  n += logs.length;
  // Workload 1 closes ~3 windows per request; their events reach the queue in sweeps of up to 100.
  for (let e = 0; e < 3; e++) events.push(windowEvent(logs, b * 3 + e));
  if (events.length >= 99) {
    await delivery.acceptEvents(events.splice(0));
    n += 99;
  }
}
// What every exporter takes (create-delivery.ts builds the same from the engine's settings).
const common = {
  queue,
  metrics: exporterMetricsFrom(createMetrics({ instanceId: 'bench', defaultMetrics: false })),
  logger: { info() {}, warn() {}, error() {} },
  deadLetterDir: join(dir, 'dead'),
  // Far above what the drain writes: nothing is refused by the backend here.
  deadLetterMaxBytes: 64 * 1024 * 1024,
  batchMaxRecords: Number(process.env.EXPORT_BATCH_MAX_RECORDS ?? 500),
  lingerMs: 200,
  retry: { initialMs: 100, maxMs: 1000, maxAttempts: 0 },
  requestTimeoutMs: 10_000,
};
// Datadog's intake limits from the build, and the engine's EXPORT_BATCH_MAX_BYTES default, the
// bound of a batch read for it (create-delivery.ts).
const datadog = { ...DATADOG_LIMITS, defaultEnv: 'bench', hostname: 'bench', batchMaxBytes: 4 * 1024 * 1024 };
const exporter =
  target === 'datadog' ? new DatadogExporter({ ...common, ...datadog, url: `${url}/api/v2/logs`, apiKey: 'bench' }) : lokiExporter();
function lokiExporter() {
  return new LokiExporter({
    ...common,
    baseUrl: url,
    format: process.env.LOKI_FORMAT === 'protobuf' ? 'protobuf' : 'json',
    exportOtlpLogs: false,
    otlpLogsForm: 'otlp',
    traceIdLabel: false,
    maxLineBytes: 256 * 1024,
    // One name for both bounds here, as in create-delivery.ts: the Loki push size wins.
    batchMaxBytes: 1024 * 1024,
    defaultEnv: 'bench',
  } as ConstructorParameters<typeof LokiExporter>[0]);
}
// PROFILE=<file.cpuprofile>: profile the drain only (not the fill).
const session = process.env.PROFILE ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const t0 = performance.now();
const cpu0 = process.cpuUsage();
exporter.start();
await exporter.forceFlush();
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
if (session && process.env.PROFILE) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(process.env.PROFILE, JSON.stringify(profile));
}
await exporter.shutdown(Date.now() + 1000);
await queue.close();
const count = (await (await fetch(`${url}/count`)).json()) as { entries: number };
await sink.stop();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ records: n, delivered: count.entries, seconds: Math.round(seconds * 1000) / 1000, entriesPerSec: Math.round(count.entries / seconds), cpuSeconds: Math.round(cpuSeconds * 1000) / 1000, cpuEntriesPerSec: Math.round(count.entries / cpuSeconds) })}\n`,
);
