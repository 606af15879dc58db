// profile-summary.ts reads a V8 .cpuprofile; run here as a process on a profile made for the test,
// whose samples are known, so each share it prints can be checked.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const script = fileURLToPath(new URL('../src/profile-summary.ts', import.meta.url));

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0, columnNumber: 0, scriptId: '0' });

it('prints self time by part of the program, then by function, then inclusive', () => {
  const nodes = [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 5, 6, 7] },
    { id: 2, callFrame: frame('handler', '/app/correlation-engine/dist/http/routes/logs.js'), children: [3, 4] },
    { id: 3, callFrame: frame('linkTraceless', '/app/correlation-engine/dist/correlate/correlator.js') },
    { id: 4, callFrame: frame('logRow', '/app/correlation-engine/dist/delivery/queue/queue-rows.js') },
    { id: 5, callFrame: frame('parse', 'file:///app/node_modules/.pnpm/secure-json-parse@4.1.1/node_modules/secure-json-parse/index.js') },
    { id: 6, callFrame: frame('processChunk', 'node:zlib') },
    { id: 7, callFrame: frame('(garbage collector)', '') },
  ];
  // 4 correlate, 2 delivery, 1 http, 1 package, 1 zlib, 1 GC: 10 samples.
  const samples = [3, 3, 3, 3, 4, 4, 2, 5, 6, 7];
  const dir = mkdtempSync(join(tmpdir(), 'profile-summary-'));
  const file = join(dir, 'test.cpuprofile');
  writeFileSync(file, JSON.stringify({ nodes, samples, startTime: 0, endTime: 10, timeDeltas: samples.map(() => 1) }));
  const out = execFileSync(process.execPath, [script, file], { encoding: 'utf8' });
  const section = (title: string) => out.split(`${title}:\n`)[1]?.split('\n\n')[0]?.split('\n') ?? [];
  expect(out).toContain('samples: 10');
  expect(section('self time by part')).toEqual([
    ' 40.0%  engine:correlate',
    ' 20.0%  engine:delivery',
    ' 10.0%  engine:http',
    ' 10.0%  pkg:secure-json-parse',
    ' 10.0%  node:zlib',
    ' 10.0%  (native) (garbage collector)',
  ]);
  expect(section('self time')[0]).toBe(' 40.0%  linkTraceless correlate/correlator.js:1');
  // The handler is on the stack of its own sample and of the six below it.
  expect(section('total time (inclusive)')).toContain(' 70.0%  handler http/routes/logs.js:1');
});

it('--diff compares two builds of the engine installed apart, by part and by function, in ms of self time', () => {
  const profileOf = (dist: string, delta: Record<string, number>) => {
    const nodes = [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4] },
      { id: 2, callFrame: { ...frame('linkTraceless', `file://${dist}/correlate/correlator.js`), lineNumber: dist.length } },
      { id: 3, callFrame: frame('scanKeyValues', `file://${dist}/ingest/normalize/normalize-fields.js`) },
      { id: 4, callFrame: frame('(garbage collector)', '') },
    ];
    const samples = [2, 3, 4];
    // Microseconds per sample: each function's self time.
    const timeDeltas = [delta.link ?? 0, delta.scan ?? 0, delta.gc ?? 0];
    return JSON.stringify({ nodes, samples, startTime: 0, endTime: 1, timeDeltas });
  };
  const dir = mkdtempSync(join(tmpdir(), 'profile-diff-'));
  const a = join(dir, 'a.cpuprofile');
  const b = join(dir, 'b.cpuprofile');
  writeFileSync(a, profileOf('/app/correlation-engine/dist', { link: 5_000_000, scan: 2_000_000, gc: 3_000_000 }));
  writeFileSync(b, profileOf('/tmp/ab/staged-build/dist', { link: 3_000_000, scan: 2_100_000, gc: 3_500_000 }));
  const out = execFileSync(process.execPath, [script, '--diff', a, b], { encoding: 'utf8' });
  const section = (title: string) => out.split(`${title} (ms: a, b, b - a):\n`)[1]?.split('\n\n')[0]?.trimEnd().split('\n') ?? [];
  expect(out).toContain('self time in all (ms): a 10000, b 8600, b - a -1400');
  expect(section('self time by part').map((l) => l.trim().split(/\s+/))).toEqual([
    ['5000', '3000', '-2000', 'engine:correlate'],
    ['3000', '3500', '+500', '(native)', '(garbage', 'collector)'],
    ['2000', '2100', '+100', 'engine:ingest'],
  ]);
  // The same function in both builds, though their install paths and line numbers differ.
  expect(section('self time by function')[0]?.trim().split(/\s+/)).toEqual([
    '5000',
    '3000',
    '-2000',
    'linkTraceless',
    'correlate/correlator.js',
  ]);
  expect(section('self time by function')).toHaveLength(3);
});
