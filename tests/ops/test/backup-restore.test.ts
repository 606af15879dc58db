// scripts/backup.sh and scripts/restore.sh in folder mode (--volumes-root): the same code paths
// as on the Docker host except the copy itself, against temporary folders.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeDocker } from '../lib/fake-docker.js';
import { runScript } from '../lib/run-script.js';

let work: string;
let volumes: string;
let backups: string;

const VOLUMES = ['loki', 'tempo', 'prometheus', 'grafana', 'gateway', 'engine'].map((n) => `observability-poc_${n}-data`);

function seed(): void {
  for (const volume of VOLUMES) {
    mkdirSync(join(volumes, volume, 'sub'), { recursive: true });
    writeFileSync(join(volumes, volume, 'data.txt'), `content of ${volume}\n`);
    writeFileSync(join(volumes, volume, 'sub', 'nested.bin'), Buffer.from([0, 1, 2, 255]));
  }
}

async function backup(extra: string[] = []): Promise<string> {
  const r = await runScript('scripts/backup.sh', ['--volumes-root', volumes, '--out', backups, ...extra]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const dir = /^backup: (\/.+)$/m.exec(r.stdout.trim().split('\n').at(-1) ?? '')?.[1];
  if (!dir) throw new Error(`no backup folder in: ${r.stdout}`);
  return dir;
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'obs-backup-'));
  volumes = join(work, 'volumes');
  backups = join(work, 'backups');
  mkdirSync(volumes);
  seed();
});

afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('scripts/backup.sh', () => {
  it('writes one timestamped archive per volume, a checksum file and a manifest', async () => {
    const dir = await backup();
    expect(dir.startsWith(backups)).toBe(true);
    expect(dir).toMatch(/\/\d{8}T\d{6}Z$/);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['MANIFEST', 'SHA256SUMS', ...VOLUMES.map((v) => `${v}.tar.gz`).sort()]);
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(sums).toHaveLength(6);
    for (const line of sums) {
      const [hash, file] = line.split(/\s+/);
      expect(
        createHash('sha256')
          .update(readFileSync(join(dir, file)))
          .digest('hex'),
      ).toBe(hash);
    }
    const manifest = readFileSync(join(dir, 'MANIFEST'), 'utf8');
    expect(manifest).toMatch(/^created=\d{8}T\d{6}Z$/m);
    expect(manifest).toMatch(
      /^volume=grafana docker_volume=observability-poc_grafana-data archive=observability-poc_grafana-data\.tar\.gz bytes=\d+$/m,
    );
  });

  it('backs up only --only volumes, skips missing ones, and rejects unknown names', async () => {
    rmSync(join(volumes, 'observability-poc_tempo-data'), { recursive: true });
    const dir = await backup(['--only', 'loki,tempo']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tar.gz'))).toEqual(['observability-poc_loki-data.tar.gz']);
    const bad = await runScript('scripts/backup.sh', ['--volumes-root', volumes, '--out', backups, '--only', 'loki,mysql']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/unknown volume 'mysql'/);
  });

  it("reads Docker's own layout (<volume>/_data) under --volumes-root", async () => {
    const dockerRoot = join(work, 'docker-volumes');
    mkdirSync(join(dockerRoot, 'observability-poc_engine-data', '_data'), { recursive: true });
    writeFileSync(join(dockerRoot, 'observability-poc_engine-data', '_data', 'queue.db'), 'queue');
    const r = await runScript('scripts/backup.sh', ['--volumes-root', dockerRoot, '--out', backups, '--only', 'engine']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/engine \(observability-poc_engine-data\) -> observability-poc_engine-data\.tar\.gz/);
  });
});

describe('scripts/restore.sh', () => {
  it('refuses to overwrite without --yes and changes nothing', async () => {
    const dir = await backup();
    writeFileSync(join(volumes, VOLUMES[0], 'data.txt'), 'changed after the backup\n');
    const r = await runScript('scripts/restore.sh', ['--volumes-root', volumes, dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('REPLACES the current content of');
    expect(r.stdout).toContain(join(volumes, VOLUMES[0]));
    expect(r.stderr).toMatch(/refusing to overwrite without --yes/);
    expect(readFileSync(join(volumes, VOLUMES[0], 'data.txt'), 'utf8')).toBe('changed after the backup\n');
  });

  it('round-trips the content with --yes (changed files restored, extra files removed)', async () => {
    const dir = await backup();
    writeFileSync(join(volumes, VOLUMES[2], 'data.txt'), 'corrupted\n');
    writeFileSync(join(volumes, VOLUMES[2], 'stray.tmp'), 'not in the backup');
    rmSync(join(volumes, VOLUMES[5]), { recursive: true });
    const r = await runScript('scripts/restore.sh', ['--yes', '--volumes-root', volumes, dir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const volume of VOLUMES) {
      expect(readFileSync(join(volumes, volume, 'data.txt'), 'utf8')).toBe(`content of ${volume}\n`);
      expect([...readFileSync(join(volumes, volume, 'sub', 'nested.bin'))]).toEqual([0, 1, 2, 255]);
    }
    expect(existsSync(join(volumes, VOLUMES[2], 'stray.tmp'))).toBe(false);
  });

  it('restores nothing when an archive does not match its checksum', async () => {
    const dir = await backup();
    const archive = join(dir, `${VOLUMES[1]}.tar.gz`);
    const bytes = readFileSync(archive);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(archive, bytes);
    writeFileSync(join(volumes, VOLUMES[0], 'data.txt'), 'current\n');
    const r = await runScript('scripts/restore.sh', ['--yes', '--volumes-root', volumes, dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/checksum mismatch/);
    expect(readFileSync(join(volumes, VOLUMES[0], 'data.txt'), 'utf8')).toBe('current\n');
  });

  it('"latest" picks the newest backup; --only limits what is restored', async () => {
    const older = join(backups, '20000101T000000Z');
    mkdirSync(older, { recursive: true });
    writeFileSync(join(older, 'SHA256SUMS'), '');
    await backup();
    writeFileSync(join(volumes, VOLUMES[0], 'data.txt'), 'x\n');
    writeFileSync(join(volumes, VOLUMES[3], 'data.txt'), 'y\n');
    const r = await runScript('scripts/restore.sh', ['--yes', '--only', 'loki', '--volumes-root', volumes, 'latest'], {
      env: { BACKUP_DIR: backups },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(volumes, VOLUMES[0], 'data.txt'), 'utf8')).toBe(`content of ${VOLUMES[0]}\n`);
    expect(readFileSync(join(volumes, VOLUMES[3], 'data.txt'), 'utf8')).toBe('y\n');
  });

  it('rejects a folder that is not a backup', async () => {
    const r = await runScript('scripts/restore.sh', ['--yes', '--volumes-root', volumes, work]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has no SHA256SUMS/);
  });
});

describe('docker mode (through a docker CLI stand-in that runs the container commands on the host)', () => {
  it('backs up each volume read-only with the pinned busybox image and restores it after the checks', async () => {
    const docker = createFakeDocker(join(work, 'docker'));
    const loki = join(docker.volumesDir, 'observability-poc_loki-data');
    mkdirSync(join(loki, 'chunks'), { recursive: true });
    writeFileSync(join(loki, 'chunks', 'c1'), 'log chunk');

    const r = await runScript('scripts/backup.sh', ['--out', backups, '--only', 'loki,tempo'], { env: docker.env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('skip tempo: volume observability-poc_tempo-data does not exist');
    const run = docker.calls().find((c) => c.startsWith('run '));
    expect(run).toMatch(
      /^run --rm -v observability-poc_loki-data:\/data:ro -v \S+:\/backup busybox:1\.37\.0 tar -czf \/backup\/observability-poc_loki-data\.tar\.gz -C \/data \.$/,
    );
    const dir = /^backup: (\/.+)$/m.exec(r.stdout.trim().split('\n').at(-1) ?? '')?.[1] ?? '';

    writeFileSync(join(loki, 'chunks', 'c1'), 'overwritten');
    docker.setRunningContainers(['3f2a1b']);
    const busy = await runScript('scripts/restore.sh', ['--yes', dir], { env: docker.env });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/in use by a running container: stop the stack first/);
    expect(readFileSync(join(loki, 'chunks', 'c1'), 'utf8')).toBe('overwritten');

    docker.setRunningContainers([]);
    const ok = await runScript('scripts/restore.sh', ['--yes', dir], { env: docker.env });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(readFileSync(join(loki, 'chunks', 'c1'), 'utf8')).toBe('log chunk');
    expect(docker.calls()).toContain('volume create observability-poc_loki-data');
  });
});
