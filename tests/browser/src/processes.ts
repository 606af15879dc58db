// Real child processes for the browser tests, from @obs/test-support: a clean environment (no
// developer OTEL_* or engine variables), a wait until an HTTP endpoint answers, and a stop by pid
// even when a test failed. These names stay for the browser tests' existing imports.
import { type RunningProcess, startProcess, waitForHealth } from '@obs/test-support/processes';

export { freePort } from '@obs/test-support/ports';
export type Started = RunningProcess;

export function startNode(name: string, args: string[], options: { cwd: string; env: Record<string, string> }): Started {
  return startProcess({ name, args, cwd: options.cwd, env: options.env, inheritEnv: false });
}

/** Polls `url` until it answers 2xx (any auth given in headers), or fails naming the process. */
export function waitForHttp(proc: Started, url: string, timeoutMs = 20_000, headers: Record<string, string> = {}): Promise<void> {
  return waitForHealth(url, proc, { timeoutMs, headers });
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stop(proc: Started | undefined, graceMs = 5000): Promise<void> {
  await proc?.stop(graceMs);
}
