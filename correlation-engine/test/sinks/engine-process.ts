// Runs the built engine (`node dist/server.js`) as a child process for fault tests: a free port,
// its own environment, readiness wait, RSS sampling from /proc, and SIGKILL/SIGTERM by pid.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const engineDir = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** Newest modification time of any file under `dir`. */
function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ unless it is newer than every source file (`make test` builds first). Skipping a
 * needless rebuild also keeps us from rewriting dist/ while another test file runs the server.
 */
export function buildEngine(): void {
  const server = join(engineDir, 'dist/server.js');
  if (existsSync(server) && statSync(server).mtimeMs >= newestMtimeMs(join(engineDir, 'src'))) return;
  const run = spawnSync('pnpm', ['--filter', './correlation-engine', 'build'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`engine build failed:\n${run.stdout}\n${run.stderr}`);
}

/** A port that was free a moment ago (the engine binds it right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

export class EngineProcess {
  readonly child: ChildProcess;
  readonly url: string;
  peakRssBytes = 0;
  output = '';
  private sampler: NodeJS.Timeout;
  private exited: Promise<void>;

  private constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.url = `http://127.0.0.1:${port}`;
    child.stdout?.on('data', (d: Buffer) => this.keep(d));
    child.stderr?.on('data', (d: Buffer) => this.keep(d));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.sampler = setInterval(() => this.sampleRss(), 100);
  }

  /** Starts the engine with `env` (over a minimal base) and waits until /health answers. */
  static async start(env: Record<string, string>): Promise<EngineProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/server.js'], {
      cwd: engineDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        ENGINE_INSTANCE_ID: 'fault-test',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const engine = new EngineProcess(child, port);
    const until = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`engine exited early:\n${engine.output}`);
      try {
        const res = await fetch(`${engine.url}/health`);
        if (res.ok) return engine;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new Error(`engine not healthy in time:\n${engine.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Current resident set size from /proc (Linux), 0 when the process is gone. */
  sampleRss(): number {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      this.peakRssBytes = Math.max(this.peakRssBytes, kb * 1024);
      return kb * 1024;
    } catch {
      return 0;
    }
  }

  /** kill -9: no shutdown hook runs, nothing is flushed. */
  async kill9(): Promise<void> {
    clearInterval(this.sampler);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    clearInterval(this.sampler);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private keep(chunk: Buffer): void {
    // Keep the tail only: a long run must not grow the test's own memory.
    this.output = (this.output + chunk.toString('utf8')).slice(-20_000);
  }
}
