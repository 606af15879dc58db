// Times the engine's line parser on 100 KB adversarial lines (the set the tests use): linear
// parsing takes about a millisecond per line, quadratic parsing seconds. Prints the slowest of
// a few runs per line; exits 1 when any line takes over the bound (default 250 ms).
// Usage: node src/micro/adversarial-lines.ts [boundMs=250] [runs=5]
import { ADVERSARIAL_LINES } from '../../../correlation-engine/test/fixtures/adversarial-lines.ts';
import { distModule } from './engine-dist.ts';

type Normalizer = typeof import('../../../correlation-engine/src/ingest/normalize/normalizer.ts');

const { parseLine } = (await import(distModule('ingest/normalize/normalizer.js'))) as Normalizer;
const boundMs = Number(process.argv[2] ?? 250);
const runs = Number(process.argv[3] ?? 5);

let over = 0;
for (const [name, line] of ADVERSARIAL_LINES) {
  let worst = 0;
  for (let run = 0; run < runs; run += 1) {
    const start = performance.now();
    parseLine(line, { service: 'bench', nowMs: Date.now() });
    worst = Math.max(worst, performance.now() - start);
  }
  if (worst > boundMs) over += 1;
  console.log(`${name.padEnd(40)} ${worst.toFixed(2)} ms${worst > boundMs ? `  OVER ${boundMs} ms` : ''}`);
}
process.exitCode = over > 0 ? 1 : 0;
