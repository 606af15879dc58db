// Micro-benchmark of the engine's per-record ingest work for POST /api/logs: the route's
// toApiRecord (id checks, label strings) plus normalizeApiRecord (line parsing), on workload 1
// bodies already JSON-parsed (as Fastify hands them to the handler). Records per second, one core;
// CPU time is printed too, as it is far less noisy than wall time on a shared machine.
//
// ENGINE_DIST=<dir> measures another build of correlation-engine/dist. With ENGINE_DIST_B=<dir>
// as well, both builds run in this one process in alternating rounds (A B B A ...): interference
// from other processes then hits both alike, and the median of the per-pair CPU ratios B/A is the
// A/B result (separate processes disagreed by more than the small effects being measured).
// Usage: node src/micro/normalizer.ts [batches=2000] [rounds=5]
import { logsWorkload, stamp } from '../workloads.ts';
import { distModule, ENGINE_DIST } from './engine-dist.ts';

type Normalizer = typeof import('../../../correlation-engine/src/ingest/normalize/normalizer.ts');
type Routes = typeof import('../../../correlation-engine/src/http/routes/logs.ts');
type Body = import('../../../correlation-engine/src/http/routes/logs.ts').PostLogsBody;

interface Build {
  name: string;
  normalizeApiRecord: Normalizer['normalizeApiRecord'];
  toApiRecord: Routes['toApiRecord'];
}

async function load(name: string, dir: string): Promise<Build> {
  const { normalizeApiRecord } = (await import(distModule('ingest/normalize/normalizer.js', dir))) as Normalizer;
  const { toApiRecord } = (await import(distModule('http/routes/logs.js', dir))) as Routes;
  return { name, normalizeApiRecord, toApiRecord };
}

const builds = [await load('A', ENGINE_DIST)];
if (process.env.ENGINE_DIST_B) builds.push(await load('B', process.env.ENGINE_DIST_B));

const batches = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 5);
const workload = logsWorkload(64);
const raw = Array.from({ length: batches }, (_, b) => stamp(workload.bodies[b % 64] as (typeof workload.bodies)[number], b).toString());
const resource = { service: 'mdso', host: 'server-124', env: 'bench' };
const records = batches * 50;

let sink = 0;
/** One round of one build; returns CPU seconds. */
function round(build: Build, index: number): number {
  // Fresh bodies each round, parsed outside the timed loop: the route may reuse its input objects.
  const bodies = raw.map((json) => JSON.parse(json) as Body);
  const { normalizeApiRecord, toApiRecord } = build;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const body of bodies) {
    const list = body.records;
    for (let i = 0; i < list.length; i++) {
      const log = normalizeApiRecord(toApiRecord(list[i] as Body['records'][number], i), resource, 0);
      sink += log.message.length;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const line = {
    build: build.name,
    round: index,
    records,
    recordsPerSec: Math.round(records / seconds),
    usPer50: Math.round((50e7 * seconds) / records) / 10,
    cpuRecordsPerSec: Math.round(records / cpuSeconds),
    cpuUsPer50: Math.round((50e7 * cpuSeconds) / records) / 10,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return cpuSeconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const [a, b] = builds as [Build, Build | undefined];
if (!b) {
  for (let r = 0; r < rounds; r++) round(a, r);
} else {
  const ratios: number[] = [];
  const cpuA: number[] = [];
  const cpuB: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // A B, then B A: neither build always runs right after a GC-heavy setup or first.
    const first = r % 2 === 0 ? a : b;
    const x = round(first, r);
    const y = round(first === a ? b : a, r);
    const [ta, tb] = first === a ? [x, y] : [y, x];
    // The first pair warms the JIT up; it is not counted.
    if (r === 0) continue;
    cpuA.push(ta);
    cpuB.push(tb);
    ratios.push(tb / ta);
  }
  const us = (s: number) => Math.round((50e7 * s) / records) / 10;
  const summary = {
    cpuUsPer50A: us(median(cpuA)),
    cpuUsPer50B: us(median(cpuB)),
    medianRatioBtoA: Math.round(median(ratios) * 1000) / 1000,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}
if (sink === 0) throw new Error('nothing normalized');
