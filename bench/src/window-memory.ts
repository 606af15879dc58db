// RSS per open window: a child process (node --expose-gc) that opens N windows in the engine's
// own Correlator (from correlation-engine/dist), one span per window shaped as the OTLP decoder
// makes them, and prints (RSS after - RSS before) / N after a full GC. Run by main.ts.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const engineDir = process.env.BENCH_ENGINE_DIR ?? fileURLToPath(new URL('../../correlation-engine', import.meta.url));
const { Correlator } = (await import(
  join(engineDir, 'dist/pipeline/correlator.js')
)) as typeof import('../../correlation-engine/src/pipeline/correlator.ts');

const n = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

// Strings decoded from a request body are fresh heap strings, not shared literals: make them so.
const fresh = (s: string): string => Buffer.from(s).toString('utf8');

const correlator = new Correlator({
  instance: 'bench',
  windowMs: 3_600_000,
  maxOpenWindows: n + 1,
  maxSpansPerWindow: 200,
  maxLogsPerWindow: 200,
  now: () => 1_764_020_000_000,
});

gc();
gc();
const before = process.memoryUsage();
const ids = randomBytes(16 * 500);
for (let done = 0; done < n; ) {
  const batch = [];
  const size = Math.min(500, n - done);
  for (let i = 0; i < size; i++) {
    // Distinct trace ids: a counter in the first 4 bytes of random ones.
    ids.writeUInt32BE(done + i, 16 * i);
    batch.push({
      traceId: ids.toString('hex', 16 * i, 16 * i + 16),
      spanId: randomBytes(8).toString('hex'),
      parentSpanId: undefined,
      name: fresh('GET /api/test'),
      service: 'beorn',
      env: 'bench',
      kind: 2,
      startUnixMs: 1_764_020_000_000 + i,
      endUnixMs: 1_764_020_000_012 + i,
      status: 'UNSET' as const,
      statusMessage: undefined,
      keys: { circuit_id: fresh(`CKT-${done + i}-NYC`), request_id: fresh(`req-${(done + i).toString(16)}`) },
      attributes: { 'http.request.method': fresh('GET'), 'http.route': fresh('/api/test'), 'http.response.status_code': 200 },
    });
  }
  correlator.addSpans(batch);
  done += size;
}
gc();
gc();
const after = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({
    windows: correlator.openWindowCount,
    rssPerWindowBytes: (after.rss - before.rss) / n,
    heapPerWindowBytes: (after.heapUsed - before.heapUsed) / n,
    rssMiB: after.rss / 1048576,
  })}\n`,
);
