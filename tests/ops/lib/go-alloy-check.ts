// Runs tests/ops/go/alloy-check: Go's regexp (RE2), time.Parse and text/template — the libraries
// Alloy itself uses for stage.regex/multiline, stage.timestamp and stage.template.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './run-script.js';

export interface GoCheckInput {
  regexes?: string[];
  lines?: string[];
  timestamps?: { layout: string; value: string; location?: string }[];
  template?: string;
  values?: Record<string, string>[];
}

export interface GoCheckOutput {
  regexErrors: string[] | null;
  /** [regex][line]: named groups of the match, null when the line does not match. */
  captures: (Record<string, string> | null)[][] | null;
  /** RFC 3339 UTC instant, or "error: ...". */
  timestamps: string[] | null;
  template: string[] | null;
}

export class GoToolchainMissingError extends Error {
  override name = 'GoToolchainMissingError';
}

function goBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'go'))) return join(dir, 'go');
  }
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new GoToolchainMissingError('go not found: scripts/lib/ensure-otelcol.sh installs it');
}

export function runGoAlloyCheck(input: GoCheckInput): GoCheckOutput {
  const r = spawnSync(goBinary(), ['run', '.'], {
    cwd: join(repoRoot, 'tests', 'ops', 'go', 'alloy-check'),
    input: JSON.stringify(input),
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`alloy-check failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as GoCheckOutput;
}
