// Run under flock by buildOnce(): builds the packages whose dist/ is older than their sources
// (src/ or package.json) or than a built workspace package they depend on, in one pnpm call that
// also builds those dependencies. Args: package folders from the repository root.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

const manifest = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

/** Workspace packages `dir` depends on at run time that have a build step of their own. */
function builtWorkspaceDeps(dir) {
  const deps = Object.entries(manifest(dir).dependencies ?? {}).filter(([, spec]) => String(spec).startsWith('workspace:'));
  return deps
    .map(([name]) => relative(process.cwd(), realpathSync(join(dir, 'node_modules', name))))
    .filter((dep) => manifest(dep).scripts?.build !== undefined);
}

// A plain `pnpm build` (make test runs one first) counts too: dist/ written after the last
// source change is current, whoever wrote it.
function isFresh(dir) {
  try {
    const built = newestMtime(join(dir, 'dist'));
    if (Math.max(newestMtime(join(dir, 'src')), statSync(join(dir, 'package.json')).mtimeMs) >= built) return false;
    return builtWorkspaceDeps(dir).every(isFresh);
  } catch {
    return false;
  }
}

const stale = process.argv.slice(2).filter((dir) => !isFresh(dir));
if (stale.length > 0) {
  execFileSync('pnpm', [...stale.flatMap((d) => ['--filter', `{./${d}}...`]), 'run', 'build'], { stdio: 'inherit' });
}
