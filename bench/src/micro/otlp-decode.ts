// Micro-benchmark of the engine's OTLP protobuf trace decoder on workload 2 bodies (no HTTP):
// spans decoded per second on one core. Usage: node src/micro/otlp-decode.ts [seconds=3]
import { tracesWorkload } from '../workloads.ts';
import { distModule } from './engine-dist.ts';

const dist = distModule('ingest/otlp/index.js');
const { decodeTraces } = (await import(dist)) as typeof import('../../../correlation-engine/src/ingest/otlp/index.ts');

const seconds = Number(process.argv[2] ?? 3);
const bodies = tracesWorkload(32).bodies.map((b) => b.bytes);
let spans = 0;
const end = performance.now() + seconds * 1000;
let i = 0;
while (performance.now() < end) {
  spans += decodeTraces(bodies[i++ % bodies.length] as Buffer, 'protobuf').spans.length;
}
process.stdout.write(`${JSON.stringify({ spansPerSec: Math.round(spans / seconds) })}\n`);
