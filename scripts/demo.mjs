#!/usr/bin/env node
// `make demo`: the embedded default on a machine with only Node. Installs and builds what is
// missing, starts the correlation engine and the three sense apps as local processes on
// loopback (apps export OTLP straight to the engine), sends test traffic, waits for the
// correlation windows to close and prints the correlations. Keeps everything running until
// Ctrl-C unless DEMO_EXIT=1 (or stdin is not a terminal and DEMO_KEEP is unset). Every child's output goes to .cache/demo/<name>.log.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { assertPortFree, ProcessGroup, waitHealthy } from './demo/processes.mjs';
import { formatEvent, isHeadlineEvent } from './demo/report.mjs';
import { demoCircuits, sendTraffic } from './demo/traffic.mjs';

const root = new URL('..', import.meta.url).pathname;
const logDir = join(root, '.cache', 'demo');
const env = process.env;
const num = (name, fallback) => {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number, got "${raw}"`);
  return n;
};

const say = (line) => console.log(`demo: ${line}`);
const group = new ProcessGroup(logDir);
const stopRequested = new AbortController();

function run(label, cmd, args) {
  const logFile = join(logDir, `${label}.log`);
  say(`${label}: ${cmd} ${args.join(' ')}  (log: ${logFile})`);
  const result = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  rmSync(logFile, { force: true });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) {
    console.error(output.split('\n').slice(-25).join('\n'));
    throw new Error(`${label} failed (exit ${result.status ?? result.error?.message}); output above`);
  }
}

function sleep(ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    stopRequested.signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

async function correlationsFor(engineUrl, circuits) {
  const byId = new Map();
  for (const circuit of circuits) {
    const res = await fetch(`${engineUrl}/api/correlations?circuit_id=${encodeURIComponent(circuit)}&limit=100`);
    if (!res.ok) throw new Error(`GET /api/correlations answered ${res.status}`);
    for (const event of await res.json()) byId.set(event.id, event);
  }
  return [...byId.values()].sort((a, b) => a.windowStart.localeCompare(b.windowStart));
}

/** The open windows (GET /api/correlations?state=open) carrying any of the circuits. */
async function openWindowsFor(engineUrl, circuits) {
  const byId = new Map();
  for (const circuit of circuits) {
    const res = await fetch(`${engineUrl}/api/correlations?state=open&circuit_id=${encodeURIComponent(circuit)}&limit=100`);
    if (!res.ok) throw new Error(`GET /api/correlations?state=open answered ${res.status}`);
    for (const window of await res.json()) byId.set(window.id, window);
  }
  return [...byId.values()].sort((a, b) => a.windowStart.localeCompare(b.windowStart));
}

async function main() {
  const ports = {
    engine: num('DEMO_ENGINE_PORT', 8080),
    beorn: num('DEMO_BEORN_PORT', 5001),
    palantir: num('DEMO_PALANTIR_PORT', 5002),
    arda: num('DEMO_ARDA_PORT', 5003),
  };
  const windowSeconds = num('DEMO_WINDOW_SECONDS', 5);
  mkdirSync(logDir, { recursive: true });

  say(
    `checking ports ${Object.entries(ports)
      .map(([k, v]) => `${v} (${k})`)
      .join(', ')}`,
  );
  for (const [what, port] of Object.entries(ports))
    await assertPortFree(port, what === 'engine' ? 'correlation engine' : what, `DEMO_${what.toUpperCase()}_PORT`);

  if (env.DEMO_SKIP_BUILD !== '1') {
    run('install', 'pnpm', ['install', '--frozen-lockfile', '--prefer-offline']);
    run('build', 'pnpm', ['--filter', './correlation-engine', '--filter', './sense-apps/*', 'run', 'build']);
  }

  const engineUrl = `http://127.0.0.1:${ports.engine}`;
  const appUrls = Object.fromEntries(['beorn', 'palantir', 'arda'].map((a) => [a, `http://127.0.0.1:${ports[a]}`]));

  // The engine's runtime flags as deployed (correlation-engine/package.json `start`, Dockerfile CMD).
  const engine = group.start(
    'engine',
    ['--max-semi-space-size=16', '--min-semi-space-size=16', 'dist/server.js'],
    join(root, 'correlation-engine'),
    {
      HOST: '127.0.0.1',
      PORT: String(ports.engine),
      CORR_WINDOW_SECONDS: String(windowSeconds),
      ENGINE_DATA_DIR: join(logDir, 'engine-data'),
    },
  );
  say(`started engine (pid ${engine.child.pid}, window ${windowSeconds} s, log ${engine.logFile})`);
  const apps = ['arda', 'palantir', 'beorn'].map((app) => {
    const entry = group.start(app, ['--import', '@obs/sense-common/telemetry', 'dist/server.js'], join(root, 'sense-apps', app), {
      HOST: '127.0.0.1',
      PORT: String(ports[app]),
      PALANTIR_URL: appUrls.palantir,
      ARDA_URL: appUrls.arda,
      OTEL_SERVICE_NAME: app,
      OTEL_EXPORTER_OTLP_ENDPOINT: `${engineUrl}/api/otlp`,
      // The engine takes traces and logs; app metrics are not part of the demo.
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '500',
      OTEL_BLRP_SCHEDULE_DELAY: '500',
    });
    say(`started ${app} (pid ${entry.child.pid}, log ${entry.logFile})`);
    return entry;
  });

  for (const entry of [engine, ...apps]) {
    const url = `${entry === engine ? engineUrl : appUrls[entry.name]}/health`;
    say(`waiting for ${entry.name} at ${url} ...`);
    const ms = await waitHealthy(url, entry);
    say(`${entry.name} is healthy (${(ms / 1000).toFixed(1)} s)`);
  }

  const circuits = demoCircuits();
  say('sending traffic');
  await sendTraffic({ engineUrl, appUrls, circuits, say: (line) => say(`  ${line}`) });

  // Live: the traces are visible as open windows at once, long before their windows close.
  const open = await openWindowsFor(engineUrl, Object.values(circuits));
  say(`live now (open windows, docs/live-correlations.md; the page at ${engineUrl}/ updates them as records arrive):`);
  for (const w of open) {
    const closesIn = Math.max(0, Math.ceil((Date.parse(w.closesAt) - Date.now()) / 1000));
    say(
      `  ${w.traceId.slice(0, 8)} open — closes in ${closesIn} s: ${w.services.join(', ')}; ${w.spanCount} spans, ${w.logCount} logs so far`,
    );
  }

  // beorn chain, palantir and arda called directly, the seed's demo log trace (circuit A);
  // one trace each for circuits B and C.
  const expected = 6;
  const all = Object.values(circuits);
  const deadline = Date.now() + (windowSeconds * 3 + 20) * 1000;
  let events = [];
  let lastSay = 0;
  const waitStart = Date.now();
  while (!stopRequested.signal.aborted) {
    events = await correlationsFor(engineUrl, all);
    if (events.length >= expected || Date.now() > deadline) break;
    if (Date.now() - lastSay >= 2000) {
      const waited = Math.round((Date.now() - waitStart) / 1000);
      say(`waiting for the ${windowSeconds} s correlation windows to close (${waited} s): ${events.length}/${expected} events so far`);
      lastSay = Date.now();
    }
    const crashed = group.crashed();
    if (crashed) throw new Error(`${crashed.name} exited unexpectedly; see ${crashed.logFile}`);
    await sleep(500);
  }
  if (stopRequested.signal.aborted) return;

  console.log(`\n=== ${events.length} correlation event(s) for circuits ${all.join(', ')} ===\n`);
  for (const event of events) console.log(`${formatEvent(event)}\n`);

  const headline = events.find((e) => isHeadlineEvent(e, circuits.ok));
  if (headline) {
    say(
      `OK: trace ${headline.traceId} spans beorn -> palantir -> arda with circuit_id=${circuits.ok} and links the Blue Planet line by circuit_id`,
    );
  } else {
    process.exitCode = 1;
    say(`FAILED: no event spans beorn, palantir and arda with circuit_id=${circuits.ok} and a linked Blue Planet line (logs: ${logDir})`);
  }

  if (env.DEMO_EXIT === '1') return;
  // Nobody can press Ctrl-C without a terminal (CI, a script, `</dev/null`): finish instead of
  // waiting forever. DEMO_KEEP=1 keeps the processes running anyway.
  if (!process.stdin.isTTY && env.DEMO_KEEP !== '1') {
    say(`no terminal on stdin: stopping now (DEMO_KEEP=1 keeps everything running; the page is ${engineUrl}/)`);
    return;
  }
  say(`engine page: ${engineUrl}/   API: ${engineUrl}/api/correlations?circuit_id=${circuits.ok}`);
  say(`apps: ${Object.values(appUrls).join('  ')}   logs: ${logDir}`);
  say('everything keeps running; press Ctrl-C to stop');
  await new Promise((resolve) => stopRequested.signal.addEventListener('abort', resolve, { once: true }));
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopRequested.signal.aborted) return;
    console.log('');
    say(`${signal}: stopping`);
    if (process.exitCode === undefined) process.exitCode = 130;
    stopRequested.abort();
  });
}

try {
  await main();
} catch (err) {
  console.error(`demo: ${err.message}`);
  process.exitCode = 1;
} finally {
  say('stopping the engine and the apps');
  await group.stopAll();
  say('stopped');
}
