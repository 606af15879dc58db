// One bench session's processes: every server and load generator it starts is tracked, so a failed
// phase still stops them; the work folder the engines keep their data in; the run log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { engineNodeFlags } from './engine-flags.ts';
import { benchDir, engineDir, WINDOW_SECONDS } from './knobs.ts';
import type { LoadOptions, LoadResult } from './load.ts';
import { freePort, PINNING, Proc, waitHttp } from './procs.ts';

export const work = mkdtempSync(join(tmpdir(), 'obs-bench-'));
const started = new Set<Proc>();

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

export function track(p: Proc): Proc {
  started.add(p);
  return p;
}

export async function stop(p: Proc): Promise<void> {
  await p.stop();
  started.delete(p);
}

/** Waits for a tracked child that reports one JSON line, and returns its last such line. */
export async function lastJsonLine<T>(p: Proc, what: string): Promise<T> {
  await new Promise<void>((r) => p.child.once('exit', () => r()));
  started.delete(p);
  const line = p.log
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) throw new Error(`${what} failed:\n${p.log}`);
  return JSON.parse(line) as T;
}

/** One load-generator process (pinned to the load core); resolves with its result line. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const p = track(new Proc(process.execPath, [join(benchDir, 'src/load.ts'), JSON.stringify(options)], { core: PINNING?.load }));
  return lastJsonLine<LoadResult>(p, 'load generator');
}

/** Opens `windows` one-span windows on the engine at `url` (the prefill workload, 500 traces a request). */
export async function prefillWindows(url: string, windows: number): Promise<void> {
  const requests = Math.ceil(windows / 500);
  // No more senders than requests: each sender checks the limit before it sends.
  await load({ url, workload: 'prefill', connections: Math.min(8, requests), warmupMs: 0, durationMs: 600_000, maxRequests: requests });
}

export interface Engine {
  proc: Proc;
  url: string;
}

export async function startEngine(
  env: Record<string, string>,
  label: string,
  dir = engineDir,
  nodeFlags = engineNodeFlags(dir),
  /** The cores it may run on (a taskset list); the servers' core by default. */
  core = PINNING?.server,
): Promise<Engine> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(work, `engine-${label}-`));
  const args = [];
  if (process.env.BENCH_CPU_PROF)
    args.push('--cpu-prof', `--cpu-prof-dir=${resolve(process.env.BENCH_CPU_PROF)}`, `--cpu-prof-name=engine-${label}.cpuprofile`);
  // By default the engine's own start flags (its package.json `start`, as the Dockerfile runs it):
  // every phase measures the engine as it is deployed. The A/B phase passes one set to both builds.
  args.push(...nodeFlags, 'dist/server.js');
  const proc = track(
    new Proc(process.execPath, args, {
      core,
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ENGINE_INSTANCE_ID: 'bench',
        ENGINE_DATA_DIR: dataDir,
        CORR_WINDOW_SECONDS: String(WINDOW_SECONDS),
        // A 10 s run at full speed must not reach the backlog bound (it would answer 429).
        QUEUE_MAX_BYTES: String(4 * 1024 * 1024 * 1024),
        // Stopping between phases must not wait for a backlog to drain (it stays on disk, then is deleted).
        EXPORT_SHUTDOWN_DEADLINE_MS: '1000',
        // BENCH_ENGINE_NODE_OPTIONS: runtime flags to try on the engine (e.g. --max-semi-space-size=32).
        ...(process.env.BENCH_ENGINE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_ENGINE_NODE_OPTIONS } : {}),
        ...env,
        // BENCH_ENGINE_ENV: a JSON object of engine variables to try (A/B runs), applied last.
        ...(process.env.BENCH_ENGINE_ENV ? (JSON.parse(process.env.BENCH_ENGINE_ENV) as Record<string, string>) : {}),
      },
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${url}/ready`);
  } catch (err) {
    // What the engine said is what explains it (a port taken, a bad variable): not only "timed out".
    throw new Error(
      `engine ${label} never answered ${url}/ready (exit code ${proc.child.exitCode}); its output:\n${proc.log.slice(-4000)}`,
      {
        cause: err,
      },
    );
  }
  return { proc, url };
}

/** The Loki/OTLP stand-in the engines and collectors deliver to (servers/loki-sink.ts). */
export interface Sink {
  proc: Proc;
  url: string;
}

export async function startSink(port = 0): Promise<Sink> {
  const proc = track(
    new Proc(process.execPath, [join(benchDir, 'src/servers/loki-sink.ts')], {
      core: PINNING?.load,
      env: { ...process.env, PORT: String(port) },
    }),
  );
  const m = await proc.waitFor(/listening (http:\S+)/);
  return { proc, url: m[1] as string };
}

export async function gauge(url: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = text.match(pattern);
  return m ? Number(m[1]) : Number.NaN;
}

export const openWindows = (url: string) => gauge(url, /^correlation_open_windows(?:\{[^}]*\})? (\d+)/m);

/** Stops whatever is still running (a phase that failed half-way) and removes the work folder. */
export async function stopAll(): Promise<void> {
  for (const p of started) await p.stop(2000);
  rmSync(work, { recursive: true, force: true });
}
