// RSS per open window: a child process (node --expose-gc) that opens N windows in the engine's
// own Correlator (from correlation-engine/dist) and prints (RSS after - RSS before) / N after a
// full GC. Run by the memory phase (phases/memory.ts), with the engine's Node flags
// (engine-flags.ts), which it reports back.
// Usage: window-memory.ts N [one-span|keyed] [--objects].
//
// Shapes: `one-span` (default), one span per window, each on its own circuit id; `keyed`, the
// shape of a busy estate: 3 spans and 2 logs per window, every window on one of 500 circuit ids
// (so each id is shared by N/500 open windows). The logs go through the engine's own normalizer
// from JSON, as POST /api/logs records do.
//
// The spans come from the engine's own OTLP protobuf decoder fed the prefill bodies of the
// windows phase (workloads.ts), so every string and number is shaped exactly as in the live
// engine (hand-built test spans had flat id strings where the decoder's were not).
//
// It also times a full GC with the windows open (CPU of all threads, median of 3): what a major
// GC costs per open window, the cause of the stalls of the windows phase.
//
// And it reports the young generation's resident size after the build. V8 grows it towards its
// maximum while the windows are built and keeps it after the GC, so it is part of the RSS figure:
// a cost that does not grow with the number of windows, shown so the two can be told apart.
//
// `--objects`: also counts heap objects per window from two heap snapshots (before/after). A
// major GC marks every live object, so this count is what an open window costs the GC; use a
// small N (e.g. 20000): a snapshot of a million windows takes minutes.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapSnapshot, getHeapSpaceStatistics } from 'node:v8';
import { keyedPrefillWorkload, stamp, windowPrefillWorkload } from './workloads.ts';

const engineDir = process.env.BENCH_ENGINE_DIR ?? fileURLToPath(new URL('../../correlation-engine', import.meta.url));
const { Correlator } = (await import(
  join(engineDir, 'dist/correlate/correlator.js')
)) as typeof import('../../correlation-engine/src/correlate/correlator.ts');
const { decodeTracesProtobuf } = (await import(
  join(engineDir, 'dist/ingest/otlp/proto-decode.js')
)) as typeof import('../../correlation-engine/src/ingest/otlp/proto-decode.ts');
const { normalizeApiRecord } = (await import(
  join(engineDir, 'dist/ingest/normalize/normalizer.js')
)) as typeof import('../../correlation-engine/src/ingest/normalize/normalizer.ts');

const n = Number(process.argv[2] ?? 1_000_000);
const countObjects = process.argv.includes('--objects');
const keyed = process.argv[3] === 'keyed';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

/** Live heap objects, from a heap snapshot (its node count). */
async function heapObjects(): Promise<number> {
  let text = '';
  for await (const chunk of getHeapSnapshot()) text += chunk;
  const snap = JSON.parse(text) as { snapshot: { meta: { node_fields: string[] }; node_count: number } };
  return snap.snapshot.node_count;
}

const correlator = new Correlator({
  instance: 'bench',
  windowMs: 3_600_000,
  maxOpenWindows: n + 1,
  maxSpansPerWindow: 200,
  maxLogsPerWindow: 200,
  now: () => 1_764_020_000_000,
});
const body = (keyed ? keyedPrefillWorkload() : windowPrefillWorkload()).bodies[0];
if (!body) throw new Error('no prefill body');
// Warm the decoder and correlator code outside the measurement.
decodeTracesProtobuf(stamp(body, 0xffff_ffff));

gc();
gc();
const objectsBefore = countObjects ? await heapObjects() : 0;
const before = process.memoryUsage();
let counter = 1;
type Span = ReturnType<typeof decodeTracesProtobuf>['spans'][number];

/** Two log records per trace (on its root span), through JSON and the engine's normalizer. */
function logsFor(spans: readonly Span[]) {
  const records = [];
  for (const s of spans) {
    if (s.parentSpanId) continue;
    for (const status of [200, 204])
      records.push({
        timestamp: new Date(s.startUnixMs).toISOString(),
        severity: 'INFO',
        message: `${s.name} ${status} in ${Math.round(s.endUnixMs - s.startUnixMs)}ms`,
        trace_id: s.traceId,
        span_id: s.spanId,
        circuit_id: s.keys.circuit_id,
      });
  }
  const parsed = JSON.parse(JSON.stringify(records)) as Parameters<typeof normalizeApiRecord>[0][];
  return parsed.map((r) => normalizeApiRecord(r, { service: 'beorn', env: 'bench' }, 0));
}

while (correlator.openWindowCount < n) {
  // The prefill bodies carry 500 (one-span) or 166 (keyed) traces, their ids distinct per counter.
  const { spans } = decodeTracesProtobuf(stamp(body, counter++));
  const room = n - correlator.openWindowCount;
  // Whole traces only: the spans of a keyed trace are spread over the body (grouped by service).
  const traces = new Set<string>();
  const taken = keyed
    ? spans.filter((s) => traces.has(s.traceId) || (traces.size < room && traces.add(s.traceId) !== undefined))
    : spans.slice(0, room);
  correlator.addSpans(taken);
  if (keyed) correlator.addLogs(logsFor(taken));
}
gc();
gc();
const after = process.memoryUsage();
const gcCpuMs: number[] = [];
for (let i = 0; i < 3; i++) {
  const t0 = process.cpuUsage();
  gc();
  const t = process.cpuUsage(t0);
  gcCpuMs.push((t.user + t.system) / 1000);
}
gcCpuMs.sort((a, b) => a - b);
const objectsAfter = countObjects ? await heapObjects() : 0;
const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
process.stdout.write(
  `${JSON.stringify({
    shape: keyed ? 'keyed' : 'one-span',
    windows: correlator.openWindowCount,
    approxBytesPerWindow: correlator.approxBytes().windows / n,
    rssPerWindowBytes: (after.rss - before.rss) / n,
    heapPerWindowBytes: (after.heapUsed - before.heapUsed) / n,
    fullGcCpuMs: gcCpuMs[1],
    youngGenerationMiB: (newSpace?.physical_space_size ?? 0) / 1048576,
    ...(countObjects ? { objectsPerWindow: (objectsAfter - objectsBefore) / n } : {}),
    rssMiB: after.rss / 1048576,
    nodeFlags: process.execArgv.join(' '),
  })}\n`,
);
