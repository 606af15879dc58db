// Child processes for tests: started with a chosen environment, their output kept for failure
// messages, waited for until an HTTP endpoint answers, and stopped by their own pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { WaitTimeoutError } from '#wait';

export interface StartOptions {
  name: string;
  args: readonly string[];
  /** Defaults to this Node binary. */
  command?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * false: the child sees only PATH, HOME and `env`, so a developer's OTEL_* or engine variables
   * cannot leak in. Default true (the parent's environment under `env`).
   */
  inheritEnv?: boolean;
}

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last output (stdout and stderr interleaved), for assertion messages. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

// Keep only the tail: a chatty child must not grow the test's own memory.
const OUTPUT_TAIL_CHARS = 64_000;

export function startProcess(options: StartOptions): RunningProcess {
  const base = options.inheritEnv === false ? { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } : process.env;
  const child = spawn(options.command ?? process.execPath, [...options.args], {
    cwd: options.cwd,
    env: { ...base, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: Buffer): void => {
    out = (out + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name: options.name,
    child,
    output: () => out,
    exited,
    async stop(graceMs = 8_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

export interface HealthOptions {
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** Polls `url` until it answers 2xx; fails at once, with the child's output, if the child exits first. */
export async function waitForHealth(
  url: string,
  proc: Pick<RunningProcess, 'name' | 'child' | 'output'>,
  options: HealthOptions = {},
): Promise<void> {
  const { timeoutMs = 20_000, headers = {} } = options;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null)
      throw new Error(`${proc.name} exited with ${proc.child.exitCode} before ${url} answered:\n${proc.output()}`);
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new WaitTimeoutError(`${proc.name}: ${url} did not answer 2xx within ${timeoutMs} ms:\n${proc.output()}`);
}
