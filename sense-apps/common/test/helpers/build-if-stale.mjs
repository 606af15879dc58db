// Run under flock by buildPackages(): builds the packages whose sources changed since their
// last build here (stamp file in dist/), then stamps them. Args: package dirs from the repo root.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function isFresh(dir) {
  try {
    const stamp = statSync(join(dir, 'dist', '.build-stamp')).mtimeMs;
    return newestMtime(join(dir, 'src')) < stamp && statSync(join(dir, 'package.json')).mtimeMs < stamp;
  } catch {
    return false;
  }
}

const dirs = process.argv.slice(2);
if (!dirs.every(isFresh)) {
  execFileSync('pnpm', [...dirs.flatMap((d) => ['--filter', `./${d}`]), 'run', 'build'], { stdio: 'inherit' });
  for (const d of dirs) writeFileSync(join(d, 'dist', '.build-stamp'), `${new Date().toISOString()}\n`);
}
