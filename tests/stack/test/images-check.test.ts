// `make images-check` (scripts/images/check.sh), run for real: the five images built with podman
// from the unmodified Dockerfiles, checked, and started from their own filesystems. Then three
// deliberately broken Dockerfiles, each in a temp copy of the repository, must fail naming the
// image and the step. Needs root (debootstrap, mounts, namespaces), as CI has on this machine.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyRepoFiles } from '../src/build-context.js';
import { repoPath } from '../src/paths.js';

const CHECK = repoPath('scripts', 'images', 'check.sh');
const isRoot = process.getuid?.() === 0;

interface CheckRun {
  code: number | null;
  output: string;
}

function runCheck(args: string[], env: Record<string, string> = {}): Promise<CheckRun> {
  return new Promise((resolve) => {
    const child = spawn('bash', [CHECK, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** A copy of the repository with one edit to one Dockerfile. */
function brokenCopy(dockerfile: string, from: string, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'images-check-broken-'));
  copyRepoFiles(dir);
  const path = join(dir, dockerfile);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${dockerfile} no longer contains ${from}`);
  writeFileSync(path, text.replace(from, to));
  return dir;
}

const copies: string[] = [];
afterAll(async () => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
  // The broken images are tagged apart (…:broken) so the good ones stay; remove them.
  await new Promise((resolve) => {
    spawn(
      'bash',
      [
        '-c',
        '. scripts/images/common.sh && for t in $(pm images --format "{{.Repository}}:{{.Tag}}" | grep ":broken"); do pm rmi -f "$t"; done',
      ],
      { cwd: repoPath(), stdio: 'ignore' },
    ).on('close', resolve);
  });
});

describe.skipIf(!isRoot)('make images-check', () => {
  it('builds the five images, finds no secrets, and each starts as non-root and passes its HEALTHCHECK', {
    timeout: 40 * 60_000,
  }, async () => {
    const run = await runCheck([]);
    expect(run.output, run.output).toMatch(/images-check: OK \(\d+s\)\s*$/);
    expect(run.code).toBe(0);
    for (const name of ['correlation-engine', 'beorn', 'palantir', 'arda', 'otel-gateway']) {
      expect(run.output).toMatch(
        new RegExp(`^${name} +\\d+ MB \\(budget +\\d+ MB\\), +\\d+ layers scanned, USER (node|10001:10001)$`, 'm'),
      );
      expect(run.output).toMatch(new RegExp(`^${name}: runs as uid (1000|10001) \\(USER [^)]+\\); HEALTHCHECK passed`, 'm'));
    }
    expect(run.output).toMatch(/^otel-gateway: .*HEALTHCHECK passed \(healthy\)$/m);
    expect(run.output).toMatch(/^correlation-engine: answers \/health, accepted a log .* and an OTLP span/m);
    expect(run.output).toMatch(/^sense apps: arda, palantir and beorn answer \/health and \/api\/test/m);
  });

  it('names the image and the step when a COPY path is wrong', { timeout: 20 * 60_000 }, async () => {
    const dir = brokenCopy('gateway/Dockerfile', 'COPY otel-config.yaml ', 'COPY otel-config.yml ');
    copies.push(dir);
    const run = await runCheck(['otel-gateway'], { IMAGES_SOURCE: dir, IMAGES_TAG: 'broken' });
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/FAIL: image otel-gateway: the build failed at .*STEP \d+\/\d+: COPY otel-config\.yml /);
  });

  it('names the image when its CMD names a missing file', { timeout: 20 * 60_000 }, async () => {
    // The script path only: the Node flags before it may change.
    const dir = brokenCopy('correlation-engine/Dockerfile', '"dist/server.js"]', '"dist/no-such-server.js"]');
    copies.push(dir);
    const run = await runCheck(['correlation-engine'], { IMAGES_SOURCE: dir, IMAGES_TAG: 'broken' });
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/FAIL image correlation-engine: its command exited \(exit code \d+\) before/);
    expect(run.output).toContain('no-such-server.js');
  });

  it('names the image when its USER cannot write its data directory', { timeout: 20 * 60_000 }, async () => {
    const dir = brokenCopy(
      'correlation-engine/Dockerfile',
      'RUN mkdir -p /var/lib/correlation-engine && chown node:node /var/lib/correlation-engine',
      'RUN mkdir -p /var/lib/correlation-engine',
    );
    copies.push(dir);
    const run = await runCheck(['correlation-engine'], { IMAGES_SOURCE: dir, IMAGES_TAG: 'broken' });
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/FAIL image correlation-engine: /);
    expect(run.output).toMatch(/EACCES|permission denied/i);
  });
});
