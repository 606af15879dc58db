// What the docs point at: relative links (files and #anchors) and the commands they tell people to
// run (`make <target>`, `scripts/...`, `ops/...`). Each problem names the doc, the reference and
// why it does not resolve.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { codeTexts, headingAnchors, linkTargets } from './markdown.js';

/** Targets of the Makefile: `name:` at the start of a line (recipes and variables excluded). */
export function makeTargets(makefile: string): Set<string> {
  return new Set([...makefile.matchAll(/^([a-zA-Z0-9][a-zA-Z0-9_-]*)\s*:(?!=)/gm)].map((m) => m[1] as string));
}

export function linkProblems(repoRoot: string, doc: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto: ...
    const [pathPart = '', anchor] = target.split('#', 2);
    const file = pathPart === '' ? join(repoRoot, doc) : join(repoRoot, dirname(doc), decodeURIComponent(pathPart));
    const shown = pathPart === '' ? doc : relative(repoRoot, file);
    if (!existsSync(file)) {
      problems.push(`${doc}: link ${target} -> ${shown} does not exist`);
      continue;
    }
    if (anchor && statSync(file).isFile() && file.endsWith('.md') && !headingAnchors(readFileSync(file, 'utf8')).has(anchor)) {
      problems.push(`${doc}: link ${target} -> ${shown} has no heading #${anchor}`);
    }
  }
  return problems;
}

export function commandProblems(repoRoot: string, doc: string, markdown: string, targets: Set<string>): string[] {
  const problems = new Set<string>();
  for (const code of codeTexts(markdown)) {
    for (const m of code.matchAll(/(?:^|[\s;&|(])make\s+((?:[A-Z_]+=\S*\s+)*)([a-z][a-z0-9_-]*)/gm)) {
      const target = m[2] as string;
      if (!targets.has(target)) problems.add(`${doc}: \`make ${target}\` is not a target in the Makefile`);
    }
    for (const m of code.matchAll(/(?:^|[\s`'"(=])((?:\.\/)?(?:scripts|ops)\/[A-Za-z0-9_.*/-]*[A-Za-z0-9_*])/gm)) {
      const path = (m[1] as string).replace(/^\.\//, '');
      if (!pathExists(repoRoot, path)) problems.add(`${doc}: \`${path}\` does not exist`);
    }
  }
  return [...problems];
}

/** A path, or a glob with `*` in its last part (`scripts/lib/ensure-*.sh`) that matches a file. */
function pathExists(repoRoot: string, path: string): boolean {
  if (!path.includes('*')) return existsSync(join(repoRoot, path));
  const dir = join(repoRoot, dirname(path));
  if (!existsSync(dir)) return false;
  const base = path.slice(path.lastIndexOf('/') + 1);
  const pattern = new RegExp(`^${base.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return statSync(dir).isDirectory() && readdirSync(dir).some((name) => pattern.test(name));
}
