// Test helpers for the sense apps, on @obs/test-support: build them once, start them (and the
// engine) as real processes on loopback, wait for health, and stop them again.
import { join } from 'node:path';
import { type RunningProcess, startProcess as start, waitForHealth as waitUntilHealthy } from '@obs/test-support/processes';
import { REPO_ROOT } from '@obs/test-support/repo';

export { buildOnce as buildPackages } from '@obs/test-support/build';
export { freePort } from '@obs/test-support/ports';
export { startSenseApp } from '@obs/test-support/sense-apps';
export { eventually } from '@obs/test-support/wait';
export type { RunningProcess };

export const repoRoot = REPO_ROOT;
export const senseAppsDir = join(repoRoot, 'sense-apps');

export function startProcess(name: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): RunningProcess {
  return start({ name, args, cwd, env });
}

export function waitForHealth(url: string, proc: RunningProcess, timeoutMs = 20_000): Promise<void> {
  return waitUntilHealthy(url, proc, { timeoutMs });
}
