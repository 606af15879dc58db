// Repository hygiene: ShellCheck on every shell script, actionlint on the workflows (installed by
// scripts/lib/ensure-shellcheck.sh / ensure-actionlint.sh, which scripts/bootstrap.sh runs), the
// workflows' pinning and filters, and Biome on the whole tree.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../lib/run-script.js';

const SKIP_DIRS = new Set(['node_modules', '.git', '.cache', 'dist', 'test-artifacts']);

function shellScripts(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) shellScripts(join(dir, entry.name), out);
    } else if (entry.name.endsWith('.sh')) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

const workflowsDir = join(repoRoot, '.github', 'workflows');
const workflows = readdirSync(workflowsDir).filter((f) => f.endsWith('.yml'));

describe('shell scripts', () => {
  it('every *.sh in the repository passes ShellCheck', () => {
    const scripts = shellScripts(repoRoot);
    const names = scripts.map((s) => relative(repoRoot, s));
    for (const expected of [
      'ops/health-checks.sh',
      'ops/test-traffic.sh',
      'mdso-alloy/install.sh',
      'scripts/backup.sh',
      'scripts/bootstrap.sh',
    ]) {
      expect(names).toContain(expected);
    }
    const r = spawnSync('shellcheck', ['-x', ...scripts], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.error, 'shellcheck missing: run scripts/lib/ensure-shellcheck.sh').toBeUndefined();
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('.github/workflows', () => {
  it('has the seed workflows plus the whole-stack job', () => {
    expect(workflows.sort()).toEqual(['correlation-engine.yml', 'gateway-ci.yml', 'sense-apps-ci.yml', 'stack-ci.yml']);
  });

  it('passes actionlint', () => {
    const actionlint = join(repoRoot, '.cache', 'bin', 'actionlint');
    expect(existsSync(actionlint), 'run scripts/lib/ensure-actionlint.sh').toBe(true);
    const r = spawnSync(actionlint, ['-no-color'], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('pins every action to an exact version (or a commit SHA)', () => {
    for (const file of workflows) {
      const text = readFileSync(join(workflowsDir, file), 'utf8');
      const uses = [...text.matchAll(/uses:\s*(\S+)/g)].map((m) => m[1]);
      expect(uses.length, file).toBeGreaterThan(0);
      for (const ref of uses) expect(ref, `${file}: ${ref}`).toMatch(/^[\w.-]+\/[\w.-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/);
    }
  });

  it('part workflows filter by path, take Node from .nvmrc and cache the pnpm store', () => {
    for (const file of ['correlation-engine.yml', 'gateway-ci.yml', 'sense-apps-ci.yml']) {
      const text = readFileSync(join(workflowsDir, file), 'utf8');
      expect(text, file).toMatch(/pull_request:\s*\n\s+paths:/);
      expect(text, file).toContain('node-version-file: .nvmrc');
      expect(text, file).toContain('cache: pnpm');
      expect(text, file).toContain('pnpm install --frozen-lockfile');
      expect(text, file).toMatch(/run: pnpm test \S+/);
    }
  });
});

describe('Biome', () => {
  it('is pinned and the whole tree passes `biome check .` (pnpm lint)', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    expect(pkg.devDependencies['@biomejs/biome']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.scripts.lint).toBe('biome check .');
    const r = spawnSync(join(repoRoot, 'node_modules', '.bin', 'biome'), ['check', '.'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
