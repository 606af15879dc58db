// Real child processes for the browser tests: start with a clean environment, wait until an
// HTTP endpoint answers, and stop them (by their own pid) even when a test failed.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface Started {
  name: string;
  child: ChildProcess;
  /** Everything the process printed, for failure messages. */
  output: () => string;
}

/** Asks the kernel for a free loopback port (the child then binds it; the gap is tiny). */
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

export function startNode(name: string, args: string[], options: { cwd: string; env: Record<string, string> }): Started {
  // Only what the child needs: a developer's OTEL_* or engine variables must not leak in.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env };
  const child = spawn(process.execPath, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { name, child, output: () => out };
}

/** Polls `url` until it answers 2xx (any auth given in headers), or fails naming the process. */
export async function waitForHttp(proc: Started, url: string, timeoutMs = 20_000, headers: Record<string, string> = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) {
      throw new Error(`${proc.name} exited with ${proc.child.exitCode} before ${url} answered:\n${proc.output()}`);
    }
    try {
      const res = await fetch(url, { headers });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${proc.name}: ${url} did not answer within ${timeoutMs} ms:\n${proc.output()}`);
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stop(proc: Started | undefined, graceMs = 5000): Promise<void> {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
