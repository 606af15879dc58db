// The compose files, loaded with Docker Compose v2's own loader (compose-go: schema validation,
// include resolution, interpolation, depends_on consistency) and cross-checked with Debian's
// docker-compose 1.29 `config -q`; then the deployment rules: pinned images, healthchecks,
// start order, ports, named volumes, retention, memory limits, restart policies.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { copyRepoFiles } from '../src/build-context.js';
import { type ComposeProject, loadCompose, memoryLimit, mustLoad, readEnvFile, toComposeV1 } from '../src/compose.js';
import { repoPath } from '../src/paths.js';
import { run, describe as show } from '../src/run.js';

const PROJECT = 'observability-poc';
const PER_FOLDER = ['observability-stack', 'correlation-engine', 'gateway', 'sense-apps'] as const;

// Published host port -> container port, per service (design.md / seed ports). Tempo publishes
// only its API: its OTLP receivers stay inside the network because the gateway owns 4317/4318.
const EXPECTED_PORTS: Record<string, Record<string, number>> = {
  grafana: { '3000': 3000 },
  loki: { '3100': 3100 },
  tempo: { '3200': 3200 },
  prometheus: { '9090': 9090 },
  'correlation-engine': { '8080': 8080 },
  'otel-gateway': { '4317': 4317, '4318': 4318, '55680': 4317, '55681': 4318, '13133': 13133, '8888': 8888, '8889': 8889 },
  beorn: { '5001': 5001 },
  palantir: { '5002': 5002 },
  arda: { '5003': 5003 },
};

// Where each stateful service keeps its data: must be a named volume, never a container layer.
const DATA_MOUNTS: Record<string, string> = {
  loki: '/loki',
  tempo: '/var/tempo',
  prometheus: '/prometheus',
  grafana: '/var/lib/grafana',
  'correlation-engine': '/var/lib/correlation-engine',
};

// An exact version tag: 1.2.3 / v1.2.3 (optionally -suffix), never `latest` or a bare major.
const PINNED_TAG = /^[a-z0-9./_-]+:v?\d+\.\d+\.\d+(?:[-.][A-Za-z0-9.-]+)?$/;
const ONE_SHOT = (restart?: string): boolean => restart === 'no' || restart === undefined;

let work = '';
let rootProject: ComposeProject | undefined;
let rootWithEnvExampleProject: ComposeProject | undefined;
let rootError: unknown;

let partialProject: ComposeProject | undefined;

// The root file includes every component's file; until all exist it cannot load. Then the tests
// that are about the root fail with the loader's message, and the deployment rules are checked
// on the union of the per-folder files that do load, so one missing file is one clear failure.
function needRoot(): ComposeProject {
  if (!rootProject) throw rootError instanceof Error ? rootError : new Error(String(rootError));
  return rootProject;
}

function stackUnderTest(): ComposeProject {
  if (rootProject) return rootProject;
  if (!partialProject) {
    const merged: ComposeProject = { name: PROJECT, services: {}, volumes: {} };
    for (const folder of PER_FOLDER) {
      const { project } = loadCompose(join(work, folder, 'docker-compose.yml'));
      if (!project) continue;
      Object.assign(merged.services, project.services);
      Object.assign(merged.volumes ?? {}, project.volumes);
    }
    partialProject = merged;
  }
  return partialProject;
}

beforeAll(() => {
  // A clean copy, so a developer's own .env cannot change what is checked.
  work = mkdtempSync(join(tmpdir(), 'compose-'));
  copyRepoFiles(work);
  const envDir = mkdtempSync(join(tmpdir(), 'compose-env-'));
  try {
    rootProject = mustLoad(join(work, 'docker-compose.yml'));
    copyRepoFiles(envDir);
    copyFileSync(repoPath('.env.example'), join(envDir, '.env'));
    rootWithEnvExampleProject = mustLoad(join(envDir, 'docker-compose.yml'));
  } catch (err) {
    rootError = err;
  } finally {
    rmSync(envDir, { recursive: true, force: true });
  }
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('compose files load in Docker Compose v2 (compose-go)', () => {
  it.each(PER_FOLDER)('%s/docker-compose.yml loads on its own, in the shared project', (folder) => {
    const project = mustLoad(join(work, folder, 'docker-compose.yml'));
    expect(project.name).toBe(PROJECT);
    expect(Object.keys(project.services).length).toBeGreaterThan(0);
  });

  it('the root file brings up the whole stack', () => {
    expect(needRoot().name).toBe(PROJECT);
    for (const service of Object.keys(EXPECTED_PORTS)) expect(Object.keys(needRoot().services)).toContain(service);
  });

  it('defines every service once: the root file only includes', () => {
    const rootFile = readFileSync(repoPath('docker-compose.yml'), 'utf8');
    expect(rootFile).not.toMatch(/^services:/m);
    for (const folder of PER_FOLDER) expect(rootFile).toContain(`${folder}/docker-compose.yml`);
    const definedIn = new Map<string, string[]>();
    for (const folder of PER_FOLDER) {
      const text = readFileSync(repoPath(folder, 'docker-compose.yml'), 'utf8');
      const block = /^services:\n([\s\S]*?)(?=^\S|$(?![\s\S]))/m.exec(text)?.[1] ?? '';
      for (const m of block.matchAll(/^ {2}([a-z0-9-]+):\s*$/gm)) {
        const name = m[1] as string;
        definedIn.set(name, [...(definedIn.get(name) ?? []), folder]);
      }
    }
    for (const [name, folders] of definedIn) expect(folders, `${name} defined in ${folders.join(', ')}`).toHaveLength(1);
    expect(definedIn.size).toBe(Object.keys(needRoot().services).length);
  });

  it('the loader rejects a broken file (so loading is a real check)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-bad-'));
    try {
      writeFileSync(
        join(dir, 'docker-compose.yml'),
        'services:\n  a:\n    image: busybox:1.37.0\n    depends_on:\n      missing:\n        condition: service_healthy\n',
      );
      expect(loadCompose(join(dir, 'docker-compose.yml')).result.code).not.toBe(0);
      writeFileSync(
        join(dir, 'docker-compose.yml'),
        'services:\n  a:\n    image: busybox:1.37.0\n    healthcheck:\n      tset: ["CMD", "true"]\n',
      );
      expect(loadCompose(join(dir, 'docker-compose.yml')).result.code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('.env.example and the defaults written in the files resolve to the same stack', () => {
    const summary = (p: ComposeProject): unknown =>
      Object.fromEntries(
        Object.entries(p.services).map(([n, s]) => [n, { image: s.image, ports: s.ports, mem: memoryLimit(s), command: s.command }]),
      );
    if (rootProject) {
      expect(summary(rootWithEnvExampleProject as ComposeProject)).toEqual(summary(rootProject));
    } else {
      // Root not loadable yet: compare on the engine's file (it includes the stack), with
      // .env.example as that folder's .env.
      const dir = mkdtempSync(join(tmpdir(), 'compose-env-'));
      try {
        copyRepoFiles(dir);
        const file = join(dir, 'correlation-engine', 'docker-compose.yml');
        const defaults = mustLoad(file);
        copyFileSync(repoPath('.env.example'), join(dir, 'correlation-engine', '.env'));
        expect(summary(mustLoad(file))).toEqual(summary(defaults));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    // And every variable the files read with a default is listed in .env.example or belongs to
    // another component's section there.
    const example = readEnvFile(repoPath('.env.example'));
    for (const name of [
      'LOKI_IMAGE',
      'TEMPO_IMAGE',
      'PROMETHEUS_IMAGE',
      'GRAFANA_IMAGE',
      'ENGINE_IMAGE',
      'GRAFANA_PORT',
      'PROMETHEUS_RETENTION',
      'GRAFANA_ADMIN_PASSWORD',
    ]) {
      expect(Object.keys(example)).toContain(name);
    }
  });
});

describe('Docker Compose v1 (Debian docker-compose 1.29) config -q', () => {
  it('accepts observability-stack/docker-compose.yml (minus the newer top-level name)', () => {
    const text = readFileSync(repoPath('observability-stack', 'docker-compose.yml'), 'utf8').replace(/^name:.*$/m, '');
    const file = join(work, 'observability-stack', 'docker-compose.v1.yml');
    writeFileSync(file, text);
    const r = run('docker-compose', ['-f', file, '--project-directory', join(work, 'observability-stack'), 'config', '-q'], {
      env: { PATH: process.env.PATH },
    });
    expect(r.code, show(r)).toBe(0);
  });

  it('accepts the fully resolved whole-stack model (v1 cannot read include: itself)', () => {
    const file = join(work, 'resolved.v1.yml');
    // Quoted scalars: v1 reads YAML 1.1, where a bare `no` (restart: "no") is a boolean.
    writeFileSync(file, stringify(toComposeV1(stackUnderTest()), { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }));
    const r = run('docker-compose', ['-f', file, 'config', '-q'], { env: { PATH: process.env.PATH } });
    expect(r.code, show(r)).toBe(0);
  });
});

describe('deployment rules (resolved root project)', () => {
  it('pins every image to an exact version', () => {
    for (const [name, s] of Object.entries(stackUnderTest().services)) {
      expect(s.image, `${name} has no image`).toBeDefined();
      expect(s.image, name).toMatch(PINNED_TAG);
      expect(s.image, name).not.toMatch(/:latest$/);
    }
    expect(stackUnderTest().services.loki?.image).toBe('grafana/loki:3.7.6');
    expect(stackUnderTest().services.tempo?.image).toBe('grafana/tempo:2.10.8');
    expect(stackUnderTest().services.prometheus?.image).toBe('prom/prometheus:v3.14.0');
    expect(stackUnderTest().services.grafana?.image).toBe('grafana/grafana:13.2.0');
  });

  it('gives every service a healthcheck that runs a binary, not a shell the image may lack', () => {
    for (const [name, s] of Object.entries(stackUnderTest().services)) {
      const test = s.healthcheck?.test ?? [];
      expect(s.healthcheck?.disable, name).not.toBe(true);
      expect(test[0], `${name} healthcheck`).toBe('CMD');
      expect(test.length, name).toBeGreaterThan(1);
    }
    // Distroless images: Loki's own health flag, busybox from the init volume for Tempo.
    expect(stackUnderTest().services.loki?.healthcheck?.test).toEqual(['CMD', '/usr/bin/loki', '-health']);
    expect(stackUnderTest().services.tempo?.healthcheck?.test?.[1]).toBe('/tools/busybox');
    const tempoMounts = stackUnderTest().services.tempo?.volumes?.map((v) => `${v.source}:${v.target}`) ?? [];
    expect(tempoMounts).toContain('healthcheck-tools:/tools');
  });

  it('orders start-up by health (one-shot init containers by successful completion)', () => {
    let healthy = 0;
    for (const [name, s] of Object.entries(stackUnderTest().services)) {
      for (const [dep, cfg] of Object.entries(s.depends_on ?? {})) {
        const target = stackUnderTest().services[dep];
        expect(target, `${name} depends on unknown ${dep}`).toBeDefined();
        if (ONE_SHOT(target?.restart)) expect(cfg.condition, `${name} -> ${dep}`).toBe('service_completed_successfully');
        else {
          expect(cfg.condition, `${name} -> ${dep}`).toBe('service_healthy');
          healthy += 1;
        }
      }
    }
    expect(healthy).toBeGreaterThan(5);
    expect(Object.keys(stackUnderTest().services['correlation-engine']?.depends_on ?? {})).toEqual(
      expect.arrayContaining(['loki', 'tempo']),
    );
    expect(Object.keys(stackUnderTest().services.grafana?.depends_on ?? {})).toEqual(
      expect.arrayContaining(['loki', 'tempo', 'prometheus']),
    );
  });

  it('publishes exactly the agreed ports', () => {
    for (const [name, s] of Object.entries(stackUnderTest().services)) {
      const published = Object.fromEntries((s.ports ?? []).map((p) => [p.published ?? '', p.target]));
      expect(published, name).toEqual(EXPECTED_PORTS[name] ?? {});
    }
  });

  it('keeps data in named volumes the init container hands to the image users', () => {
    for (const [name, target] of Object.entries(DATA_MOUNTS)) {
      const mount = stackUnderTest().services[name]?.volumes?.find((v) => v.target === target);
      expect(mount?.type, `${name} ${target}`).toBe('volume');
      expect(Object.keys(stackUnderTest().volumes ?? {}), name).toContain(mount?.source);
    }
    const init = stackUnderTest().services['init-volumes'];
    const initCommand = (init?.command ?? []).join(' ');
    for (const [volume, owner] of [
      ['/vol/tempo', '10001:10001'],
      ['/vol/loki', '10001:10001'],
      ['/vol/prometheus', '65534:65534'],
      ['/vol/grafana', '472:0'],
    ]) {
      expect(initCommand).toMatch(new RegExp(`chown -R ${owner}[^&]*${volume}`));
    }
    expect(ONE_SHOT(init?.restart)).toBe(true);
  });

  it('keeps metrics 15 days and receives Tempo remote-write with exemplars', () => {
    const command = stackUnderTest().services.prometheus?.command ?? [];
    expect(command).toContain('--storage.tsdb.retention.time=15d');
    expect(command).toContain('--web.enable-remote-write-receiver');
    expect(command).toContain('--enable-feature=exemplar-storage');
    // Overriding the command must keep the image's config and data paths.
    expect(command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(command).toContain('--storage.tsdb.path=/prometheus');
  });

  it('limits memory and restarts long-running services', () => {
    for (const [name, s] of Object.entries(stackUnderTest().services)) {
      const limit = memoryLimit(s);
      expect(limit, `${name} memory limit`).toBeGreaterThan(0);
      if (!ONE_SHOT(s.restart)) expect(['unless-stopped', 'always'], name).toContain(s.restart);
    }
    expect(stackUnderTest().services['correlation-engine']?.init).toBe(true);
  });

  it('points the engine at Loki and Tempo inside the network, with its queue on the volume', () => {
    const env = stackUnderTest().services['correlation-engine']?.environment ?? {};
    expect(env.LOKI_URL).toBe('http://loki:3100');
    expect(env.TEMPO_OTLP_URL).toBe('http://tempo:4318');
    expect(env.ENGINE_DATA_DIR).toBe('/var/lib/correlation-engine');
  });
});
