// Puts the engines an A/B comparison runs at install paths of one length, like the image's /app.
//
// Why: V8's young-generation behaviour under workload 1 was seen to flip with nothing but the
// length of the folder the engine runs from (same build, same flags: with a short path every
// object that survived one scavenge was promoted at the next, with a long one about three in
// four). The cached baseline lives under a long path and the working tree under whatever path
// the clone has, so comparing them in place compared two install paths as well as two builds.
// Staged side by side under one short folder, each build runs from a path like the other's.
//
// A stage holds what the engine loads at run time: the root package.json, node_modules (pnpm's
// relative links into node_modules/.pnpm keep working in the copy), packages/ (when the ref has
// it) and correlation-engine/. Third-party modules are hard-linked when the file system allows it
// (they are never rewritten); our own code is copied, so a rebuild during the run cannot change it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const COPIED = ['package.json', 'packages', 'correlation-engine'];

function copyTree(from: string, to: string, link: boolean): void {
  if (link) {
    try {
      execFileSync('cp', ['-al', from, to], { stdio: ['ignore', 'ignore', 'pipe'] });
      return;
    } catch {
      // Another file system: hard links cannot cross it, a plain copy can.
    }
  }
  execFileSync('cp', ['-a', from, to], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Copies each engine folder's workspace into `<into>/<letter>/` (a, b, c ... in the order given)
 * and returns the staged engine folders, in that order. Every engine folder is
 * `<workspace>/correlation-engine`, as the repo and the cached baselines lay it out.
 */
export function stageAtEqualPaths(engineDirs: readonly string[], into: string): string[] {
  return engineDirs.map((engineDir, i) => {
    if (basename(engineDir) !== 'correlation-engine') throw new Error(`${engineDir}: not a workspace's correlation-engine folder`);
    const root = dirname(engineDir);
    const stage = join(into, String.fromCharCode(97 + i));
    mkdirSync(stage, { recursive: true });
    copyTree(join(root, 'node_modules'), join(stage, 'node_modules'), true);
    // Older refs have no packages/ folder: copy the parts the workspace has.
    for (const part of COPIED) if (existsSync(join(root, part))) copyTree(join(root, part), join(stage, part), false);
    return join(stage, 'correlation-engine');
  });
}
