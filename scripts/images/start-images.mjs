// Starts each built image from its own filesystem and checks it answers, the way a container
// engine would run it: as the image's USER, with its ENV, WORKDIR and ENTRYPOINT + CMD, with
// /proc, /dev and an /etc/hosts of its own. `podman run` cannot start containers here (setrlimit
// is refused), so the container's root filesystem is mounted (`podman create` + `podman mount`)
// and the command entered with `nsenter --root --wd --setuid --setgid`.
//
// Run by check.sh inside `unshare --net --mount`: a private network namespace, so every port is
// a free loopback port (the engine's HEALTHCHECK fixes 8080) and nothing outside is reachable,
// and a private mount namespace, so nothing mounted here outlives the check.
//
// Usage: node start-images.mjs <storage-root> <run-root> <log-dir>
// Exit code 0 when every image passed; each failure names the image and what failed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [storageRoot, runRoot, logDir] = process.argv.slice(2);
const podmanBase = ['--root', storageRoot, '--runroot', runRoot, '--storage-driver', 'overlay'];
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const START_TIMEOUT_MS = 90_000;

class ImageCheckError extends Error {
  name = 'ImageCheckError';
}

function podman(...args) {
  return execFileSync('podman', [...podmanBase, ...args], { encoding: 'utf8' }).trim();
}

/** The image's run configuration, as a container engine reads it. */
function readImageConfig(tag) {
  const [info] = JSON.parse(podman('image', 'inspect', tag));
  const config = info.Config ?? {};
  return {
    user: config.User ?? '',
    env: config.Env ?? [],
    workdir: config.WorkingDir || '/',
    argv: [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])],
    healthcheck: (info.Healthcheck ?? info.HealthCheck ?? config.Healthcheck)?.Test ?? null,
  };
}

/** USER as uid/gid/home: "name", "name:group", "uid" or "uid:gid", looked up in the image's files. */
function resolveUser(root, user) {
  const [who, group] = (user || '0').split(':');
  const passwd = readLines(join(root, 'etc/passwd')).map((line) => line.split(':'));
  const entry = passwd.find((f) => f[0] === who || f[2] === who);
  const uid = /^\d+$/.test(who) ? Number(who) : entry ? Number(entry[2]) : null;
  if (uid === null) throw new ImageCheckError(`USER ${user} is not in the image's /etc/passwd`);
  let gid = entry ? Number(entry[3]) : uid;
  if (group !== undefined) {
    const groups = readLines(join(root, 'etc/group')).map((line) => line.split(':'));
    const g = groups.find((f) => f[0] === group || f[2] === group);
    gid = /^\d+$/.test(group) ? Number(group) : g ? Number(g[2]) : Number.NaN;
    if (Number.isNaN(gid)) throw new ImageCheckError(`USER ${user}: group ${group} is not in /etc/group`);
  }
  return { uid, gid, home: entry?.[5] || '/' };
}

function readLines(path) {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean);
  } catch {
    return []; // scratch images have no /etc/passwd: numeric USER only
  }
}

/** What a container gets besides its image: /proc, /dev and a hosts file. */
function prepareRoot(root) {
  for (const dir of ['proc', 'dev', 'etc']) mkdirSync(join(root, dir), { recursive: true });
  execFileSync('mount', ['-t', 'proc', 'proc', join(root, 'proc')]);
  execFileSync('mount', ['--rbind', '/dev', join(root, 'dev')]);
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n');
}

/** A running image: its container, mounted root and main process. */
class Instance {
  constructor(name, tag, extraEnv) {
    this.name = name;
    this.tag = tag;
    this.config = readImageConfig(tag);
    this.container = podman('create', '--name', `images-check-${name}-${process.pid}`, tag);
    this.root = podman('mount', this.container);
    prepareRoot(this.root);
    this.user = resolveUser(this.root, this.config.user);
    const env = new Map([
      ['PATH', DEFAULT_PATH],
      ['HOSTNAME', name],
      ['HOME', this.user.home],
    ]);
    for (const pair of this.config.env) {
      const i = pair.indexOf('=');
      env.set(pair.slice(0, i), pair.slice(i + 1));
    }
    for (const [k, v] of Object.entries(extraEnv)) env.set(k, v);
    this.env = Object.fromEntries(env);
    this.logPath = join(logDir, `run-${name}.log`);
  }

  /** nsenter arguments that enter the image as its user, in its working directory. */
  enter(argv) {
    return [
      `--root=${this.root}`,
      `--wd=${join(this.root, this.config.workdir)}`,
      `--setuid=${this.user.uid}`,
      `--setgid=${this.user.gid}`,
      '--',
      ...argv,
    ];
  }

  start() {
    if (this.config.argv.length === 0) throw new ImageCheckError('the image has no ENTRYPOINT or CMD');
    const log = openSync(this.logPath, 'w');
    this.process = spawn('nsenter', this.enter(this.config.argv), {
      env: this.env,
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    this.exit = null;
    this.process.on('exit', (code, signal) => {
      this.exit = signal ?? `exit code ${code}`;
    });
  }

  /** The uid the main process really runs as (from /proc), to prove it is not root. */
  runningUid() {
    const status = readFileSync(`/proc/${this.process.pid}/status`, 'utf8');
    return Number(/^Uid:\s+(\d+)/m.exec(status)[1]);
  }

  /** Runs the image's own HEALTHCHECK command inside it, as Docker does; returns its output. */
  runHealthcheck() {
    const test = this.config.healthcheck;
    if (!test || test[0] === 'NONE') throw new ImageCheckError('the image has no HEALTHCHECK');
    const argv = test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test[1]] : test.slice(1);
    const result = spawnSync('nsenter', this.enter(argv), { env: this.env, encoding: 'utf8', timeout: 30_000 });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    if (result.status !== 0) {
      throw new ImageCheckError(`HEALTHCHECK ${JSON.stringify(argv)} failed (${result.status ?? result.signal}): ${output}`);
    }
    return output;
  }

  logTail() {
    try {
      return readFileSync(this.logPath, 'utf8').trim().split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  }

  /** Signals the whole process group (dumb-init, node, anything they started). */
  signal(name) {
    if (this.process && this.exit === null) {
      try {
        process.kill(-this.process.pid, name);
      } catch {}
    }
  }

  remove() {
    for (const dir of ['dev', 'proc']) spawnSync('umount', ['-l', join(this.root, dir)]);
    spawnSync('podman', [...podmanBase, 'umount', this.container]);
    spawnSync('podman', [...podmanBase, 'rm', '-f', '-v', this.container]); // and its anonymous VOLUME
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls url until it answers 2xx; fails early when the instance's process has exited. */
async function waitHealthy(instance, url) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (instance.exit !== null) throw new ImageCheckError(`its command exited (${instance.exit}) before ${url} answered`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await sleep(250);
  }
  throw new ImageCheckError(`${url} did not become healthy in ${START_TIMEOUT_MS / 1000}s (${last})`);
}

async function expectOk(what, url, init) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  if (!res.ok) throw new ImageCheckError(`${what}: ${url} answered ${res.status}: ${body.slice(0, 300)}`);
  return body;
}

const postJson = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function otlpSpan(service) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'images-check' },
            spans: [
              {
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
                name: 'images-check span',
                kind: 2,
                startTimeUnixNano: String(now - 1_000_000n),
                endTimeUnixNano: String(now),
              },
            ],
          },
        ],
      },
    ],
  };
}

const tag = (name) => `localhost/observability-poc/${name}:${process.env.IMAGES_TAG || 'check'}`;

// What each image must do once started. The extra environment mirrors docker-compose.yml where
// the image needs it (exporters on, so the engine's durable queue uses its data directory).
const suites = [
  {
    name: 'correlation-engine',
    images: [
      {
        name: 'correlation-engine',
        // Port 9 (discard) has no listener in this namespace: the exporters queue and retry.
        env: { LOKI_URL: 'http://127.0.0.1:9', TEMPO_OTLP_URL: 'http://127.0.0.1:9' },
        health: 'http://127.0.0.1:8080/health',
      },
    ],
    async check() {
      await expectOk(
        'POST /api/logs',
        'http://127.0.0.1:8080/api/logs',
        postJson({ resource: { service: 'images-check' }, records: [{ message: 'hello from images-check' }] }),
      );
      await expectOk('POST /api/otlp/v1/traces', 'http://127.0.0.1:8080/api/otlp/v1/traces', postJson(otlpSpan('images-check')));
      return 'answers /health, accepted a log (POST /api/logs) and an OTLP span (POST /api/otlp/v1/traces)';
    },
  },
  {
    name: 'sense apps',
    images: [
      { name: 'arda', env: { PORT: '5003' }, health: 'http://127.0.0.1:5003/health' },
      { name: 'palantir', env: { PORT: '5002', ARDA_URL: 'http://127.0.0.1:5003' }, health: 'http://127.0.0.1:5002/health' },
      { name: 'beorn', env: { PORT: '5001', PALANTIR_URL: 'http://127.0.0.1:5002' }, health: 'http://127.0.0.1:5001/health' },
    ],
    async check() {
      // beorn calls palantir, which calls arda: each answers /api/test with its neighbour.
      for (const [app, port] of [
        ['arda', 5003],
        ['palantir', 5002],
        ['beorn', 5001],
      ]) {
        await expectOk(`${app} GET /api/test`, `http://127.0.0.1:${port}/api/test`);
      }
      return 'arda, palantir and beorn answer /health and /api/test (beorn -> palantir -> arda)';
    },
  },
  {
    name: 'otel-gateway',
    images: [{ name: 'otel-gateway', env: {}, health: 'http://127.0.0.1:13133/' }],
    async check() {
      await expectOk('OTLP/HTTP span', 'http://127.0.0.1:4318/v1/traces', postJson(otlpSpan('images-check')));
      return 'started with its baked-in config, health_check answers, accepted an OTLP/HTTP span';
    },
  },
];

async function runSuite(suite) {
  const started = [];
  const lines = [];
  let current = suite.images[0].name;
  try {
    for (const spec of suite.images) {
      current = spec.name;
      const instance = new Instance(spec.name, tag(spec.name), spec.env);
      started.push(instance);
      instance.start();
      await waitHealthy(instance, spec.health);
      const uid = instance.runningUid();
      if (uid === 0) throw new ImageCheckError('its command runs as root');
      const hc = instance.runHealthcheck();
      lines.push(`${spec.name}: runs as uid ${uid} (USER ${instance.config.user}); HEALTHCHECK passed${hc ? ` (${hc})` : ''}`);
    }
    current = suite.name;
    lines.push(`${suite.name}: ${await suite.check()}`);
    for (const instance of started) {
      if (instance.exit !== null) throw new ImageCheckError(`${instance.name} exited (${instance.exit}) during the check`);
    }
    return { ok: true, lines };
  } catch (err) {
    const instance = started.find((i) => i.name === current);
    const tail = instance ? `\n  last lines of ${instance.logPath}:\n${indent(instance.logTail())}` : '';
    lines.push(`FAIL image ${current}: ${err.message}${tail}`);
    return { ok: false, lines };
  } finally {
    for (const instance of started) instance.signal('SIGTERM');
    // Time to close servers and flush, as `docker stop` gives; then nothing may outlive the check.
    for (let i = 0; i < 50 && started.some((x) => x.exit === null); i++) await sleep(100);
    for (const instance of started) instance.signal('SIGKILL');
    for (const instance of started) instance.remove();
  }
}

const indent = (text) =>
  text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');

execFileSync('ip', ['link', 'set', 'lo', 'up']);
const only = (process.env.IMAGES_ONLY ?? '').split(',').filter(Boolean);
let failed = 0;
for (const suite of suites) {
  if (only.length > 0 && !suite.images.some((i) => only.includes(i.name))) continue;
  const result = await runSuite(suite);
  for (const line of result.lines) console.log(line);
  if (!result.ok) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
