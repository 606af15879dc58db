// correlation-engine/Dockerfile, proven without Docker: its build-stage RUN steps are replayed
// in a temp copy of the build context (the files `docker build .` would send), the `pnpm deploy`
// output is started like the runtime stage starts it, and the image's HEALTHCHECK command and
// `promtool check metrics` run against it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepoFiles } from '../src/build-context.js';
import { readDockerfile, type Stage, stageEnv } from '../src/dockerfile.js';
import { type RunningEngine, startEngine } from '../src/engine-process.js';
import { repoPath } from '../src/paths.js';
import { run, describe as show } from '../src/run.js';

const dockerfile = readDockerfile(repoPath('correlation-engine', 'Dockerfile'));
const stage = (name: string): Stage => {
  const s = dockerfile.stages.find((x) => x.name === name);
  if (!s) throw new Error(`Dockerfile has no stage ${name}`);
  return s;
};

// prom-client's default Node.js metrics name three gauges *_total (active handles, requests,
// resources); promtool flags that naming. They are the library's, not ours, so exactly these
// complaints are tolerated and anything else fails.
const TOLERATED_PROMTOOL = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

describe('correlation-engine/Dockerfile', () => {
  it('pins its base image, runs as non-root, has a healthcheck and a data volume', () => {
    const build = stage('build');
    const runtime = stage('runtime');
    for (const s of [build, runtime]) expect(s.from).toMatch(/^node:24\.\d+\.\d+-[a-z]+-slim$/);
    expect(dockerfile.args.NODE_IMAGE).toBe(`node:${run('cat', [repoPath('.nvmrc')]).stdout.trim()}-bookworm-slim`);
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1);
    expect(user?.args).toBe('node');
    expect(runtime.instructions.some((i) => i.keyword === 'HEALTHCHECK')).toBe(true);
    expect(stageEnv(runtime).ENGINE_DATA_DIR).toBe('/var/lib/correlation-engine');
    expect(runtime.instructions.find((i) => i.keyword === 'VOLUME')?.args).toContain('/var/lib/correlation-engine');
    // Lockfile before sources: dependency layers survive source edits.
    const copies = build.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies[0]).toContain('pnpm-lock.yaml');
    expect(copies[1]).toBe('. .');
    const runs = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => r.includes('--frozen-lockfile'))).toBe(true);
    expect(runs.some((r) => /pnpm deploy --filter @obs\/correlation-engine --prod \/out/.test(r))).toBe(true);
  });

  it('starts node with the flags of `pnpm start` (the bench runs the engine with those)', () => {
    const cmd =
      stage('runtime')
        .instructions.filter((i) => i.keyword === 'CMD')
        .at(-1)?.args ?? '';
    const pkg = JSON.parse(readFileSync(repoPath('correlation-engine', 'package.json'), 'utf8')) as { scripts: { start: string } };
    expect(JSON.parse(cmd)).toEqual(pkg.scripts.start.trim().split(/\s+/));
  });

  describe('build stage replayed, deploy output started', () => {
    let work = '';
    let engine: RunningEngine | undefined;
    const steps: string[] = [];

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'engine-image-'));
      const src = join(work, 'src');
      const out = join(work, 'out');
      copyRepoFiles(src); // the build context `docker build .` would send
      const build = stage('build');
      const env = { ...process.env, ...stageEnv(build) };
      // The steps after WORKDIR (the pnpm install before it is the toolchain's pnpm here).
      const afterWorkdir = build.instructions.slice(build.instructions.findIndex((i) => i.keyword === 'WORKDIR') + 1);
      for (const ins of afterWorkdir.filter((i) => i.keyword === 'RUN')) {
        const command = ins.args.replace(/(\s)\/out(\s|$)/g, `$1${out}$2`);
        steps.push(command);
        const r = run('sh', ['-c', command], { cwd: src, env, timeoutMs: 240_000 });
        if (r.code !== 0) throw new Error(`RUN ${command} failed: ${show(r)}`);
      }
      // The runtime stage copies /out to /app and runs `node dist/server.js` there.
      const runtimeEnv = stageEnv(stage('runtime'));
      engine = await startEngine(out, { NODE_ENV: runtimeEnv.NODE_ENV ?? 'production' });
    }, 300_000);

    afterAll(async () => {
      await engine?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('ran install, build and deploy', () => {
      expect(steps.join('\n')).toMatch(/pnpm fetch[\s\S]*pnpm install[\s\S]*run build[\s\S]*pnpm deploy/);
    });

    it("answers the image's HEALTHCHECK command", () => {
      const hc = stage('runtime').instructions.find((i) => i.keyword === 'HEALTHCHECK');
      const cmd = /CMD\s+(\[.*\])\s*$/.exec(hc?.args ?? '');
      if (!cmd?.[1] || !engine) throw new Error(`no exec-form HEALTHCHECK CMD: ${hc?.args}`);
      const argv = (JSON.parse(cmd[1]) as string[]).map((a) => a.replace('127.0.0.1:8080', `127.0.0.1:${engine?.port}`));
      expect(argv[0]).toBe('node');
      const ok = run(process.execPath, argv.slice(1));
      expect(ok.code, show(ok)).toBe(0);
    });

    it('serves /metrics that promtool accepts (prom-client default-metric naming aside)', async () => {
      if (!engine) throw new Error('engine not started');
      const text = await (await fetch(`${engine.url}/metrics`)).text();
      expect(text).toContain('correlation_events_total');
      const r = run('promtool', ['check', 'metrics'], { input: text });
      const complaints = (r.stdout + r.stderr)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const unexpected = complaints.filter((l) => !TOLERATED_PROMTOOL.test(l));
      expect(unexpected, show(r)).toEqual([]);
      // And the check is live: a counter without _total is reported.
      const bad = run('promtool', ['check', 'metrics'], { input: '# HELP x_count things\n# TYPE x_count counter\nx_count 1\n' });
      expect(bad.stdout + bad.stderr).toMatch(/counter metrics should have "_total" suffix/);
    });
  });
});
