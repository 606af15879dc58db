// Builds workspace packages once for all test files: test files run in parallel and several need
// the same dist/. flock serialises the builds, and the freshness check (in build-if-stale.mjs)
// keeps a second build from rewriting dist files that another file's processes are loading.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '#repo';

/** Builds the given packages (folders relative to the repository root) unless their dist/ is current. */
export function buildOnce(...pkgDirs: string[]): void {
  mkdirSync(join(REPO_ROOT, '.cache'), { recursive: true });
  const script = fileURLToPath(new URL('./build-if-stale.mjs', import.meta.url));
  try {
    execFileSync('flock', [join(REPO_ROOT, '.cache', 'test-build.lock'), process.execPath, script, ...pkgDirs], {
      cwd: REPO_ROOT,
      stdio: 'pipe',
      timeout: 300_000,
    });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`build of ${pkgDirs.join(', ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
