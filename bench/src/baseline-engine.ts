// The baseline engine of the A/B phase: the engine as it was at a git ref, built in the same run
// so both builds meet the same load on the same machine state. The build is cached by commit under
//   ${XDG_CACHE_HOME:-$HOME/.cache}/observability-poc/bench-baseline/<sha>/
// A checkout is made with `git worktree add` into a temporary folder next to the cache entry,
// installed and built there, then detached from the repository (its `.git` link removed, the
// worktree pruned) and renamed into place, so no worktree stays registered and a failed build
// leaves nothing behind.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const DONE = '.bench-baseline-built';

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function commandFailure(err: unknown): string {
  const e = err as { stdout?: string; stderr?: string; message?: string };
  return `${e.message ?? ''}\n${e.stdout ?? ''}${e.stderr ?? ''}`;
}

/** The commit a ref names, in full (a typo fails here, before anything is created). */
export function resolveCommit(repo: string, ref: string): string {
  return run('git', ['rev-parse', '--verify', `${ref}^{commit}`], repo).trim();
}

/** Folder of the engine built at `ref` (its `dist/server.js` runs as the current one does). */
export function baselineEngineDir(repo: string, ref: string, log: (msg: string) => void): string {
  const sha = resolveCommit(repo, ref);
  const root = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'observability-poc', 'bench-baseline');
  const final = join(root, sha);
  const engine = join(final, 'correlation-engine');
  if (existsSync(join(final, DONE))) {
    log(`baseline engine ${ref} (${sha.slice(0, 7)}): cached build in ${final}`);
    return engine;
  }
  mkdirSync(root, { recursive: true });
  const tmp = join(root, `${sha}.tmp-${process.pid}`);
  log(`baseline engine ${ref} (${sha.slice(0, 7)}): git worktree add, install, build (cached afterwards)`);
  try {
    run('git', ['worktree', 'add', '--detach', tmp, sha], repo);
    run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], tmp);
    // The whole workspace, as `pnpm build` does: newer refs' engine reads workspace packages
    // (@obs/shared-constants) from their dist.
    run('pnpm', ['run', 'build'], tmp);
    // Detach before the move: the cached tree must not stay a registered worktree of the repo.
    rmSync(join(tmp, '.git'), { force: true });
    writeFileSync(join(tmp, DONE), `${sha}\n`);
    if (existsSync(final)) rmSync(tmp, { recursive: true, force: true });
    else renameSync(tmp, final);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`baseline engine build at ${ref} failed: ${commandFailure(err)}`);
  } finally {
    run('git', ['worktree', 'prune'], repo);
  }
  return engine;
}
