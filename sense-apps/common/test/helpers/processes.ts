// Test helpers: build the sense apps, start them (and the engine) as real processes on
// loopback, wait for health, and stop them again.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const senseAppsDir = join(repoRoot, 'sense-apps');

/**
 * Builds the given workspace packages (dirs relative to the repo root) unless their dist is
 * newer than their sources. Test files run in parallel and several need the same packages:
 * flock serialises them, and the freshness check keeps a second build from rewriting dist
 * files that another file's processes are loading.
 */
export function buildPackages(...pkgDirs: string[]): void {
  mkdirSync(join(repoRoot, '.cache'), { recursive: true });
  const script = join(dirname(fileURLToPath(import.meta.url)), 'build-if-stale.mjs');
  execFileSync('flock', [join(repoRoot, '.cache', 'test-build.lock'), process.execPath, script, ...pkgDirs], {
    cwd: repoRoot,
    stdio: 'pipe',
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningProcess {
  name: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export function startProcess(name: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): RunningProcess {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    child,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/** Starts one sense app from its built dist, with telemetry loaded first like in production. */
export function startSenseApp(app: 'beorn' | 'palantir' | 'arda', env: NodeJS.ProcessEnv): RunningProcess {
  return startProcess(app, ['--import', '@obs/sense-common/telemetry', 'dist/server.js'], join(senseAppsDir, app), env);
}

export async function waitForHealth(url: string, proc: RunningProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited early:\n${proc.output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} not healthy at ${url} within ${timeoutMs} ms:\n${proc.output()}`);
}

/** Polls `probe` until it returns a value that is not undefined. */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
