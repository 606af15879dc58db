// Every README and doc: relative links resolve (files and #anchors), and every command the docs
// tell people to run exists (`make <target>` in the Makefile, `scripts/...` and `ops/...` on disk).
import { readFileSync } from 'node:fs';
import { REPO_ROOT, repoPath } from '@obs/test-support/repo';
import { run } from '@obs/test-support/run';
import { describe, expect, it } from 'vitest';
import { commandProblems, linkProblems, makeTargets } from '../src/doc-refs.js';

/** Tracked and new Markdown files (what a reader of the checkout sees), outside dependencies. */
function docs(): string[] {
  const list = run('git', ['ls-files', '-co', '--exclude-standard', '-z', '--', '*.md'], { cwd: REPO_ROOT });
  if (list.code !== 0) throw new Error(list.stderr);
  return list.stdout.split('\0').filter((f) => f && !/(^|\/)node_modules\//.test(f));
}

const targets = makeTargets(readFileSync(repoPath('Makefile'), 'utf8'));

describe('documentation references', () => {
  const files = docs();

  it('covers the READMEs and docs/', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'BENCHMARKS.md', 'correlation-engine/README.md', 'docs/delivery.md']));
    expect([...targets]).toEqual(expect.arrayContaining(['demo', 'test', 'e2e', 'bench', 'health']));
  });

  it('every relative link points at an existing file and heading', () => {
    expect(files.flatMap((doc) => linkProblems(REPO_ROOT, doc, readFileSync(repoPath(doc), 'utf8')))).toEqual([]);
  });

  it('every make target, scripts/ and ops/ path named in the docs exists', () => {
    expect(files.flatMap((doc) => commandProblems(REPO_ROOT, doc, readFileSync(repoPath(doc), 'utf8'), targets))).toEqual([]);
  });

  it('reports a broken link, a missing anchor, an unknown target and a missing script', () => {
    const doc = 'docs/example.md';
    const text = [
      'See [delivery](delivery.md#guarantee), [gone](nowhere.md) and [bad anchor](../README.md#no-such-heading).',
      '```bash',
      'make demo && make no-such-target',
      'bash scripts/no-such-script.sh; ops/health-checks.sh --help',
      '```',
    ].join('\n');
    expect(linkProblems(REPO_ROOT, doc, text)).toEqual([
      'docs/example.md: link nowhere.md -> docs/nowhere.md does not exist',
      'docs/example.md: link ../README.md#no-such-heading -> README.md has no heading #no-such-heading',
    ]);
    expect(commandProblems(REPO_ROOT, doc, text, targets)).toEqual([
      'docs/example.md: `make no-such-target` is not a target in the Makefile',
      'docs/example.md: `scripts/no-such-script.sh` does not exist',
    ]);
  });
});
