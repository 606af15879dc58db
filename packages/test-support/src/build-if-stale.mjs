// Run under flock by buildOnce(): builds the packages whose dist/ is older than their sources
// (src/ or package.json), in one pnpm call. Args: package folders from the repository root.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

// A plain `pnpm build` (make test runs one first) counts too: dist/ written after the last
// source change is current, whoever wrote it.
function isFresh(dir) {
  try {
    return Math.max(newestMtime(join(dir, 'src')), statSync(join(dir, 'package.json')).mtimeMs) < newestMtime(join(dir, 'dist'));
  } catch {
    return false;
  }
}

const stale = process.argv.slice(2).filter((dir) => !isFresh(dir));
if (stale.length > 0) {
  execFileSync('pnpm', [...stale.flatMap((d) => ['--filter', `./${d}`]), 'run', 'build'], { stdio: 'inherit' });
}
