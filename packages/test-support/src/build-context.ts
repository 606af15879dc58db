// Copies the repository's files as git sees them (tracked + new, minus .gitignore'd, minus what
// .dockerignore drops) into a folder: the build context of `docker build .` and a clean place to
// load compose files from without a developer's own .env.
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '#repo';
import { run, describe as show } from '#run';

export function copyRepoFiles(to: string): void {
  const list = run('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO_ROOT });
  if (list.code !== 0) throw new Error(show(list));
  for (const file of list.stdout.split('\0').filter(Boolean)) {
    if (/(^|\/)(node_modules|dist|data|\.cache)(\/|$)/.test(file)) continue; // as .dockerignore
    mkdirSync(join(to, dirname(file)), { recursive: true });
    try {
      cpSync(join(REPO_ROOT, file), join(to, file));
    } catch {
      // deleted in the working tree but still in the index
    }
  }
}
