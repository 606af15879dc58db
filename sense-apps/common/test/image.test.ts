// sense-apps/Dockerfile, proven without Docker (none runs here): the build stage's RUN steps
// are replayed for one app in a temp copy of the build context, the `pnpm deploy` output is
// started the way the runtime stage starts it, and the image's HEALTHCHECK command runs
// against it. The Dockerfile helpers come from @obs/test-support.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyRepoFiles, readDockerfile, run, type Stage, describeRun as show, stageEnv } from '@obs/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningProcess, repoRoot, startProcess, waitForHealth } from './helpers/processes.js';

const APP = 'arda';
const dockerfile = readDockerfile(join(repoRoot, 'sense-apps', 'Dockerfile'));
const stage = (name: string): Stage => {
  const s = dockerfile.stages.find((x) => x.name === name);
  if (!s) throw new Error(`Dockerfile has no stage ${name}`);
  return s;
};
const execForm = (args: string | undefined): string[] => {
  const m = /(\[.*\])\s*$/.exec(args ?? '');
  if (!m?.[1]) throw new Error(`not an exec-form instruction: ${args}`);
  return JSON.parse(m[1]) as string[];
};

describe('sense-apps/Dockerfile', () => {
  it('pins the base image, runs as non-root under an init, with a healthcheck', () => {
    expect(dockerfile.args.NODE_IMAGE).toBe(`node:${run('cat', [join(repoRoot, '.nvmrc')]).stdout.trim()}-bookworm-slim`);
    const runtime = stage('runtime');
    expect(runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args).toBe('node');
    expect(execForm(runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')?.args)[0]).toBe('dumb-init');
    expect(runtime.instructions.some((i) => i.keyword === 'HEALTHCHECK')).toBe(true);
    const copies = stage('build')
      .instructions.filter((i) => i.keyword === 'COPY')
      .map((i) => i.args);
    expect(copies[0]).toContain('pnpm-lock.yaml');
  });

  describe(`build stage replayed with APP=${APP}, deploy output started`, () => {
    let work = '';
    let app: RunningProcess | undefined;
    let port = 0;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'sense-image-'));
      const src = join(work, 'src');
      const out = join(work, 'out');
      copyRepoFiles(src);
      const build = stage('build');
      const env = { ...process.env, ...stageEnv(build), APP };
      const afterWorkdir = build.instructions.slice(build.instructions.findIndex((i) => i.keyword === 'WORKDIR') + 1);
      for (const ins of afterWorkdir.filter((i) => i.keyword === 'RUN')) {
        const command = ins.args.replace(/(\s)\/out(\s|$)/g, `$1${out}$2`);
        const r = run('sh', ['-c', command], { cwd: src, env, timeoutMs: 240_000 });
        if (r.code !== 0) throw new Error(`RUN ${command} failed: ${show(r)}`);
      }
      // The runtime stage copies /out to /app and runs CMD there (dumb-init aside).
      const cmd = execForm(stage('runtime').instructions.find((i) => i.keyword === 'CMD')?.args);
      expect(cmd[0]).toBe('node');
      port = await freePort();
      app = startProcess(APP, cmd.slice(1), out, { ...stageEnv(stage('runtime')), APP, PORT: String(port), HOST: '127.0.0.1' });
      await waitForHealth(`http://127.0.0.1:${port}/health`, app);
    }, 300_000);

    afterAll(async () => {
      await app?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('serves /api/test from the deployed folder', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/api/test?circuit_id=C-IMG`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { keys: { circuit_id: string } }).keys.circuit_id).toBe('C-IMG');
    });

    it("passes the image's HEALTHCHECK command", () => {
      const argv = execForm(stage('runtime').instructions.find((i) => i.keyword === 'HEALTHCHECK')?.args);
      expect(argv[0]).toBe('node');
      const ok = run(process.execPath, argv.slice(1), { env: { ...process.env, APP, PORT: String(port) } });
      expect(ok.code, show(ok)).toBe(0);
    });
  });
});
