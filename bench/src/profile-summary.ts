// Summarises a V8 .cpuprofile (node --cpu-prof): self time by part of the program (each of the
// engine's top-level source folders, each npm package, each Node module, V8's own entries), the
// functions with the most self time, and the share of time spent under each frame (total time).
//
// With --diff, compares two profiles of the same work (an A/B pair of builds, each run under the
// same load): milliseconds of self time per part and per function in each, largest differences
// first. On a noisy machine the totals of two runs move together with the machine, but where a
// change moves time shows in its functions; functions are matched by name and file, not line,
// since the two builds' lines differ.
// Usage: node profile-summary.ts <file> [top]
//        node profile-summary.ts --diff <a.cpuprofile> <b.cpuprofile> [top]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds since the previous sample, one per sample. */
  timeDeltas?: number[];
}

const usage = 'usage: profile-summary.ts <file.cpuprofile> [top] | --diff <a.cpuprofile> <b.cpuprofile> [top]';
const readProfile = (path: string): Profile => JSON.parse(readFileSync(path, 'utf8')) as Profile;

/** A frame's function and file, without the install path (and with its line unless `withLine` is false). */
const label = (n: ProfileNode, withLine = true): string => {
  const raw = n.callFrame.url;
  // A package's file from its folder on; the engine's from its build's root (dist/), wherever it is installed.
  const url = raw.includes('/node_modules/') ? raw.replace(/^.*\/node_modules\/(\.pnpm\/)?[^/]+\//, '') : raw.replace(/^.*\/dist\//, '');
  const name = n.callFrame.functionName || '(anonymous)';
  return withLine ? `${name} ${url}:${n.callFrame.lineNumber + 1}` : url ? `${name} ${url}` : name;
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
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(url);
  if (pkg) return `pkg:${pkg[1]}`;
  // The engine's build, wherever it is installed (its checkout, a copy staged for an A/B run).
  const engine = /\/dist\/([^/]+)/.exec(url);
  if (engine) return `engine:${engine[1]}`;
  if (url.startsWith('node:internal/deps/')) return `node:${url.slice('node:internal/deps/'.length).split('/')[0]}`;
  return url.startsWith('node:') ? url : url.replace(/^file:\/\//, '');
}

/** Milliseconds of self time per part and per function (name and file), and in all. */
function selfMs(profile: Profile): { parts: Map<string, number>; functions: Map<string, number>; total: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parts = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node) return;
    const ms = (profile.timeDeltas?.[i] ?? 0) / 1000;
    total += ms;
    const part = partOf(node.callFrame);
    parts.set(part, (parts.get(part) ?? 0) + ms);
    const fn = label(node, false);
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  });
  return { parts, functions, total };
}

/** Two profiles side by side: ms in each and b - a, largest differences first. */
function printDiff(a: Profile, b: Profile, top: number): void {
  const x = selfMs(a);
  const y = selfMs(b);
  const ms = (v: number) => v.toFixed(0).padStart(9);
  const table = (title: string, ma: Map<string, number>, mb: Map<string, number>) => {
    console.log(`\n${title} (ms: a, b, b - a):`);
    const keys = [...new Set([...ma.keys(), ...mb.keys()])];
    const d = (k: string) => (mb.get(k) ?? 0) - (ma.get(k) ?? 0);
    for (const k of keys.sort((p, q) => Math.abs(d(q)) - Math.abs(d(p))).slice(0, top)) {
      const diff = `${d(k) >= 0 ? '+' : ''}${d(k).toFixed(0)}`;
      console.log(`${ms(ma.get(k) ?? 0)}${ms(mb.get(k) ?? 0)}${diff.padStart(9)}  ${k}`);
    }
  };
  console.log(`self time in all (ms): a ${x.total.toFixed(0)}, b ${y.total.toFixed(0)}, b - a ${(y.total - x.total).toFixed(0)}`);
  table('self time by part', x.parts, y.parts);
  table('self time by function', x.functions, y.functions);
}

function printSummary(profile: Profile, top: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
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
}

const args = process.argv.slice(2);
if (args[0] === '--diff') {
  const [, a, b, top] = args;
  if (!a || !b) throw new Error(usage);
  printDiff(readProfile(a), readProfile(b), Number(top ?? 30));
} else {
  const [file, top] = args;
  if (!file) throw new Error(usage);
  printSummary(readProfile(file), Number(top ?? 30));
}
