// Starts a built correlation engine (`node dist/server.js`) as a real process on a free local
// port with its own data directory, and stops it again.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningEngine {
  url: string;
  port: number;
  output: () => string;
  stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`engine exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`engine did not become healthy within ${timeoutMs} ms:\n${output()}`);
}

/** `appDir` holds dist/server.js and its node_modules (a workspace package or a `pnpm deploy` folder). */
export async function startEngine(appDir: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<RunningEngine> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'engine-data-'));
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: appDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      ENGINE_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const append = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const output = (): string => log;
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child, output, 20_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, output, stop };
}

/** Metric family names (from `# TYPE` lines) of a Prometheus text exposition. */
export function metricFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const line of exposition.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (m?.[1] && m[2]) families.set(m[1], m[2]);
  }
  return families;
}

// What Prometheus (2.x and 3.x) asks a target for; the answer decides the stored names.
export const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Scrapes like Prometheus does and returns the series names it would store. */
export async function scrapeSeriesNames(url: string): Promise<Set<string>> {
  const res = await fetch(url, { headers: { accept: PROMETHEUS_ACCEPT } });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  const openMetrics = (res.headers.get('content-type') ?? '').includes('openmetrics');
  return seriesNames(metricFamilies(await res.text()), openMetrics);
}

/**
 * Series names a family exposes: histograms add _bucket/_sum/_count, summaries _sum/_count, and
 * in OpenMetrics a counter family `x` has samples `x_total`.
 */
export function seriesNames(families: Map<string, string>, openMetrics = false): Set<string> {
  const names = new Set<string>();
  for (const [name, type] of families) {
    names.add(openMetrics && type === 'counter' && !name.endsWith('_total') ? `${name}_total` : name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}
