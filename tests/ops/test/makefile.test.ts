// The Makefile: every seed target exists and `make help` lists each target with one line; the
// destructive targets only pass --yes when YES=1 is given.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../lib/run-script.js';

const make = (...args: string[]) => execFileSync('make', ['--no-print-directory', '-C', repoRoot, ...args], { encoding: 'utf8' });

describe('Makefile', () => {
  it('make help lists every target of the seed and of the operations side', () => {
    const help = make('help');
    const listed = new Set([...help.matchAll(/^ {2}(\S+)\s+\S/gm)].map((m) => m[1]));
    for (const target of [
      'build',
      'up',
      'down',
      'health',
      'logs',
      'restart',
      'clean',
      'purge',
      'test',
      'demo',
      'backup',
      'restore',
      'certs',
      'lint',
    ]) {
      expect(listed, target).toContain(target);
    }
  });

  it('every rule has a ## description, so help shows all of them', () => {
    const makefile = readFileSync(join(repoRoot, 'Makefile'), 'utf8');
    const rules = [...makefile.matchAll(/^([a-zA-Z0-9_-]+):(?!=)(.*)$/gm)].filter((m) => !m[1].startsWith('.'));
    expect(rules.length).toBeGreaterThan(10);
    for (const [, name, rest] of rules) expect(rest, `${name} has no "## description"`).toMatch(/## \S/);
  });

  it('clean/purge/restore ask unless YES=1; health and backup call the ops scripts', () => {
    expect(make('-n', 'clean')).toMatch(/bash scripts\/cleanup\.sh data\s*$/m);
    expect(make('-n', 'clean', 'YES=1')).toMatch(/bash scripts\/cleanup\.sh data --yes/);
    expect(make('-n', 'purge', 'YES=1')).toMatch(/bash scripts\/cleanup\.sh purge --yes/);
    expect(make('-n', 'restore')).toMatch(/bash scripts\/restore\.sh\s+latest/);
    expect(make('-n', 'restore', 'BACKUP=backups/x', 'YES=1')).toMatch(/bash scripts\/restore\.sh --yes backups\/x/);
    expect(make('-n', 'health')).toMatch(/bash ops\/health-checks\.sh\s*$/m);
    expect(make('-n', 'health', 'ONLY=loki,tempo', 'WAIT=60')).toContain('bash ops/health-checks.sh --only loki,tempo --wait 60');
    expect(make('-n', 'backup')).toContain('bash scripts/backup.sh');
    expect(make('-n', 'logs', 'SERVICE=loki')).toMatch(/bash scripts\/lib\/compose-command\.sh logs -f --tail=100 loki/);
  });
});
