// Child processes of the demo: each one's output goes to its own log file, they are stopped
// together (SIGTERM, then SIGKILL after a grace period), and a busy port is reported by name.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export class PortBusyError extends Error {
  name = 'PortBusyError';
}

/** Rejects with a message naming `what` and the variable that moves it when 127.0.0.1:`port` is taken. */
export function assertPortFree(port, what, variable) {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => {
      const reason = err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be opened (${err.code})`;
      reject(new PortBusyError(`port ${port} (${what}) ${reason}: stop what listens there, or pick another port with ${variable}=<port>`));
    });
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

export class ProcessGroup {
  #children = [];

  constructor(logDir) {
    this.logDir = logDir;
  }

  /** Starts `node args...` in `cwd`; stdout and stderr go to <logDir>/<name>.log. */
  start(name, args, cwd, env) {
    const logFile = join(this.logDir, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'w' });
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const entry = { name, child, logFile, exited };
    this.#children.push(entry);
    return entry;
  }

  /** The first child that exited on its own, if any. */
  crashed() {
    return this.#children.find((c) => c.child.exitCode !== null || c.child.signalCode !== null);
  }

  /**
   * Stops the children in reverse start order, each before the next: the apps go first and
   * flush their telemetry into the still-running engine, then the engine flushes its own.
   */
  async stopAll(graceMs = 5000) {
    for (const c of [...this.#children].reverse()) {
      if (c.child.exitCode !== null || c.child.signalCode !== null) continue;
      c.child.kill('SIGTERM');
      const timer = setTimeout(() => c.child.kill('SIGKILL'), graceMs);
      await c.exited;
      clearTimeout(timer);
    }
  }
}

/** Polls `url` until it answers 2xx; fails early when `entry` exits. */
export async function waitHealthy(url, entry, timeoutMs = 30_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (entry.child.exitCode !== null) throw new Error(`${entry.name} exited (code ${entry.child.exitCode}); see ${entry.logFile}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${entry.name} did not answer ${url} within ${timeoutMs / 1000} s; see ${entry.logFile}`);
}
