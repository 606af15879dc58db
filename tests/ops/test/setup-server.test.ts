// scripts/setup-server-124.sh with a stand-in docker CLI (versions chosen per test), a port held
// by a real listener, and a temporary .env path.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, type Fixture, startFixture } from '../lib/http-fixture.js';
import { repoRoot, runScript } from '../lib/run-script.js';

const work = mkdtempSync(join(tmpdir(), 'obs-setup-'));
function fakeDocker(dir: string, engine: string, compose: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'docker'),
    [
      '#!/usr/bin/env bash',
      `case "$1 $2" in`,
      `  "version --format") echo ${engine} ;;`,
      `  "compose version") echo ${compose} ;;`,
      `  "info --format") echo ${JSON.stringify(work)} ;;`,
      '  *) exit 1 ;;',
      'esac',
    ].join('\n'),
  );
  chmodSync(join(dir, 'docker'), 0o755);
  return { PATH: `${dir}:${process.env.PATH}` };
}

let busy: Fixture;
beforeAll(async () => {
  busy = await startFixture(() => ({ status: 200 }));
});
afterAll(async () => {
  await busy?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('scripts/setup-server-124.sh', () => {
  it('--check reports a busy port and a missing .env and changes nothing', async () => {
    const envFile = join(work, 'check.env');
    const free = await closedPort();
    const r = await runScript('scripts/setup-server-124.sh', ['--check'], {
      env: { ...fakeDocker(join(work, 'bin-ok'), '27.3.1', 'v2.29.7'), PORTS: `${busy.port} ${free}`, MIN_DISK_GB: '0', ENV_FILE: envFile },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[ok]   Docker Engine 27.3.1');
    expect(r.stdout).toContain('[ok]   Docker Compose 2.29.7');
    expect(r.stdout).toContain(`[FAIL] port ${busy.port} is already in use`);
    expect(r.stdout).toContain(`[ok]   port ${free} free`);
    expect(r.stdout).toContain(`[warn] ${envFile} missing`);
    expect(existsSync(envFile)).toBe(false);
  });

  it('creates .env from .env.example (mode 0600) and passes on a ready host', async () => {
    const envFile = join(work, 'ready.env');
    const r = await runScript('scripts/setup-server-124.sh', ['--mdso-ip', '10.9.8.7'], {
      env: {
        ...fakeDocker(join(work, 'bin-ok2'), '27.3.1', 'v2.29.7'),
        PORTS: String(await closedPort()),
        MIN_DISK_GB: '0',
        ENV_FILE: envFile,
      },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toBe(readFileSync(join(repoRoot, '.env.example'), 'utf8'));
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(r.stdout).toContain('10.9.8.7/32');
    // .env.example ships ALERT_RECEIVER=none: ready, but told that nobody gets notified.
    expect(r.stdout).toContain('[warn] ALERT_RECEIVER is none');
    expect(r.stdout).toContain('Next: make build && make up && make health');
  });

  it('fails on an old Docker and on a Compose without include: support; warns on low disk', async () => {
    const r = await runScript('scripts/setup-server-124.sh', ['--check'], {
      env: { ...fakeDocker(join(work, 'bin-old'), '19.03.15', 'v2.17.3'), PORTS: '', MIN_DISK_GB: '999999', ENV_FILE: join(work, 'x.env') },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[FAIL] Docker Engine 19.03.15 is older than 20.10');
    expect(r.stdout).toContain('[FAIL] compose: no usable Docker Compose: the docker compose plugin is 2.17.3, older than 2.20.3');
    expect(r.stdout).toMatch(/\[warn\] only \d+ GB free/);
  });
});
