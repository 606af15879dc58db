// Summarises a V8 .cpuprofile (node --cpu-prof): self time by part of the program (each of the
// engine's top-level source folders, each npm package, each Node module, V8's own entries), the
// functions with the most self time, and the share of time spent under each frame (total time).
// Usage: node profile-summary.ts <file> [top]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const top = Number(process.argv[3] ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const label = (n: ProfileNode): string => {
  const url = n.callFrame.url.replace(/^.*\/(node_modules\/(\.pnpm\/)?[^/]+\/|correlation-engine\/dist\/)/, '').replace(/^node:/, 'node:');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
};

/**
 * The part of the program a frame belongs to: `engine:<folder>` (ingest, correlate, delivery, ...)
 * or `engine:<file>` for the engine's top-level files, `pkg:<name>` for an npm package, the Node
 * module (`node:zlib`), or V8's own entries by name (`(garbage collector)`, `(idle)`, a native
 * function such as `utf8Slice`). Where a stage's time goes at a glance, before the functions.
 */
function partOf(frame: ProfileNode['callFrame']): string {
  const url = frame.url;
  if (url === '') return `(native) ${frame.functionName || '(anonymous)'}`;
  const engine = /correlation-engine\/dist\/([^/]+)/.exec(url);
  if (engine) return `engine:${engine[1]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(url);
  if (pkg) return `pkg:${pkg[1]}`;
  if (url.startsWith('node:internal/deps/')) return `node:${url.slice('node:internal/deps/'.length).split('/')[0]}`;
  return url.startsWith('node:') ? url : url.replace(/^file:\/\//, '');
}

const self = new Map<string, number>();
const byPart = new Map<string, number>();
const total = new Map<string, number>();
for (const id of profile.samples) {
  const node = byId.get(id);
  if (!node) continue;
  const own = label(node);
  self.set(own, (self.get(own) ?? 0) + 1);
  const part = partOf(node.callFrame);
  byPart.set(part, (byPart.get(part) ?? 0) + 1);
  // Each frame on the stack counts once per sample for its total time.
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    if (!n) break;
    const l = label(n);
    if (!seen.has(l)) {
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + 1);
    }
  }
}
const all = profile.samples.length;
const pct = (v: number) => `${((100 * v) / all).toFixed(1).padStart(5)}%`;
console.log(`samples: ${all}\n\nself time by part:`);
for (const [l, v] of [...byPart].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${l}`);
console.log('\nself time:');
for (const [l, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${l}`);
console.log('\ntotal time (inclusive):');
for (const [l, v] of [...total].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${l}`);
