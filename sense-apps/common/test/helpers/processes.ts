// Test helpers for the sense apps, on @obs/test-support: build them once, start them (and the
// engine) as real processes on loopback, wait for health, and stop them again.
import { join } from 'node:path';
import { type RunningProcess, startProcess as start, waitForHealth as waitUntilHealthy } from '@obs/test-support/processes';
import { REPO_ROOT } from '@obs/test-support/repo';

export { buildOnce as buildPackages } from '@obs/test-support/build';
export { freePort } from '@obs/test-support/ports';
export { eventually } from '@obs/test-support/wait';
export type { RunningProcess };

export const repoRoot = REPO_ROOT;
export const senseAppsDir = join(repoRoot, 'sense-apps');

export function startProcess(name: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): RunningProcess {
  return start({ name, args, cwd, env });
}

/** Starts one sense app from its built dist, with telemetry loaded first like in production. */
export function startSenseApp(app: 'beorn' | 'palantir' | 'arda', env: NodeJS.ProcessEnv): RunningProcess {
  return startProcess(app, ['--import', '@obs/sense-common/telemetry', 'dist/server.js'], join(senseAppsDir, app), env);
}

export function waitForHealth(url: string, proc: RunningProcess, timeoutMs = 20_000): Promise<void> {
  return waitUntilHealthy(url, proc, { timeoutMs });
}
