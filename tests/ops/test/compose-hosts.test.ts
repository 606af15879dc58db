// Every make target that talks to Docker Compose, on three hosts: the `docker compose` plugin only,
// a standalone `docker-compose` v2 only (what the seed's Phase 0 installs), and a standalone v1
// only. The first two must run the Compose they have; v1 must be refused with the fixes named.
// Docker and Compose are recording stand-ins on PATH (tests/ops/lib/fake-docker.ts).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ComposeHost, createFakeDocker, type FakeDocker } from '../lib/fake-docker.js';
import { closedPort } from '../lib/http-fixture.js';
import { repoRoot } from '../lib/run-script.js';

const work = mkdtempSync(join(tmpdir(), 'obs-compose-hosts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function fakeHost(host: ComposeHost): FakeDocker {
  const docker = createFakeDocker(join(work, host), host);
  // One existing volume, so `make backup` has something to archive.
  const volume = join(docker.volumesDir, 'observability-poc_loki-data');
  mkdirSync(volume, { recursive: true });
  writeFileSync(join(volume, 'chunk'), 'x');
  return docker;
}

function make(docker: FakeDocker, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('make', ['--no-print-directory', '-C', repoRoot, ...args], {
    encoding: 'utf8',
    // One backup folder per host: two hosts' backups in the same second must not collide.
    env: { ...process.env, ...docker.env, BACKUP_DIR: join(docker.volumesDir, '..', 'backups'), ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

// target (make arguments) -> the Compose arguments it must run
const composeTargets: Array<[string[], RegExp]> = [
  [['build'], /^build$/],
  [['up'], /^up -d$/],
  [['logs', 'SERVICE=loki'], /^logs -f --tail=100 loki$/],
  [['restart', 'SERVICE=otel-gateway'], /^restart otel-gateway$/],
  [['down'], /--project-directory \S+ -f \S+docker-compose\.yml down --remove-orphans$/],
  [['clean', 'YES=1'], /down --remove-orphans --volumes$/],
  [['backup', 'STOP=1'], /^stop$/],
];

// How each host's Compose shows up in the stand-ins' log.
const prefix: Record<Exclude<ComposeHost, 'standalone-v1'>, string> = { plugin: 'compose ', 'standalone-v2': '[docker-compose] ' };

describe.each(['plugin', 'standalone-v2'] as const)('a host with Compose as %s', (host) => {
  const docker = fakeHost(host);
  const composeCalls = () =>
    docker
      .calls()
      .filter((c) => c.startsWith('compose ') || c.startsWith('[docker-compose] '))
      .filter((c) => !/ version/.test(c));

  it.each(composeTargets)('make %j runs its Compose', (args, expected) => {
    const before = composeCalls().length;
    const r = make(docker, args);
    expect(r.code, r.out).toBe(0);
    const calls = composeCalls().slice(before);
    expect(calls.length, r.out).toBeGreaterThan(0);
    for (const call of calls) expect(call.startsWith(prefix[host]), call).toBe(true);
    expect(
      calls.map((c) => c.slice(prefix[host].length).trim()).some((c) => expected.test(c)),
      calls.join('\n'),
    ).toBe(true);
  });

  it('make backup STOP=1 starts the stack again with the same Compose', () => {
    const starts = composeCalls().filter((c) => c.endsWith(' start'));
    expect(starts.length).toBeGreaterThan(0);
    for (const call of starts) expect(call.startsWith(prefix[host])).toBe(true);
  });

  it('purge lists the images through the same Compose', () => {
    const r = spawnSync('bash', [join(repoRoot, 'scripts/cleanup.sh'), 'purge', '--dry-run'], {
      encoding: 'utf8',
      env: { ...process.env, ...docker.env },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(docker.calls()).toContainEqual(
      expect.stringMatching(new RegExp(`^${prefix[host].replace(/[[\]]/g, '\\$&')}.*config --images$`)),
    );
  });

  it('make setup accepts it and says which Compose it found', async () => {
    const r = make(docker, ['setup'], { PORTS: String(await closedPort()), MIN_DISK_GB: '0', ENV_FILE: join(work, `${host}.env`) });
    const found =
      host === 'plugin' ? 'Docker Compose 2.29.7 (plugin: docker compose)' : 'Docker Compose 2.29.7 (standalone: docker-compose)';
    expect(r.out).toContain(`[ok]   ${found}`);
    expect(r.out).not.toMatch(/\[FAIL\].*[Cc]ompose/);
  });

  it('COMPOSE="..." still overrides the choice', () => {
    const r = make(docker, ['up', `COMPOSE=${host === 'plugin' ? 'docker compose' : 'docker-compose'} --ansi never`]);
    expect(r.code, r.out).toBe(0);
    expect(docker.calls()).toContain(`${prefix[host]}--ansi never up -d`);
  });
});

describe('a host with only Compose v1 (docker-compose 1.x)', () => {
  const docker = fakeHost('standalone-v1');
  const ranCompose = () => docker.calls().filter((c) => c.startsWith('[docker-compose] ') && !c.includes(' version'));

  it.each(composeTargets)('make %j refuses with both fixes and runs nothing', (args) => {
    const r = make(docker, args);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('docker-compose is Compose v1 (1.29.2)');
    expect(r.out).toContain('docker-compose-plugin');
    expect(r.out).toContain('Compose v2 release binary as /usr/local/bin/docker-compose');
    expect(ranCompose()).toEqual([]);
  });

  it('COMPOSE="docker-compose" is taken as given (the operator overrides the check)', () => {
    const r = make(docker, ['up', 'COMPOSE=docker-compose']);
    expect(r.code, r.out).toBe(0);
    expect(docker.calls()).toContain('[docker-compose] up -d');
  });

  it('make setup fails the Compose check with the same explanation', async () => {
    const r = make(docker, ['setup'], { PORTS: String(await closedPort()), MIN_DISK_GB: '0', ENV_FILE: join(work, 'v1.env') });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('[FAIL] compose: no usable Docker Compose: docker-compose is Compose v1 (1.29.2)');
  });
});
