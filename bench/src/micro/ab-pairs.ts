// A same-session A/B of two engine builds on one micro-benchmark: the script runs alternately on
// the base build and on the checkout's (ENGINE_DIST), each run under --cpu-prof and pinned to one
// core when taskset is there, and each pair's profiles are compared by profile-summary.ts --diff.
// Why pairs of profiles rather than two timings: on a machine whose speed swings by half between
// runs, one pair's totals say little, while where a change moves time (its functions' share of
// each profile) holds from pair to pair (docs/scaling.md).
//
// The base is a git ref, built once and cached as the A/B phase's baseline is
// (baseline-engine.ts), or an existing build given as --base-dist=<dir> (its dist/ folder, able to
// resolve the engine's packages: inside a checkout of the workspace).
// Usage: node src/micro/ab-pairs.ts <ref | --base-dist=DIR> <pairs> <micro script> [script args...]
// Environment: AB_CPU (1: the core the runs are pinned to; "" = not pinned), AB_OUT (the folder the
// profiles are written to; a fresh temporary one by default), AB_TOP (12: functions listed per pair).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineEngineDir } from '../baseline-engine.ts';

const usage = 'usage: ab-pairs.ts <ref | --base-dist=DIR> <pairs> <micro script> [script args...]';
const [base, pairsArg, script, ...scriptArgs] = process.argv.slice(2);
const pairs = Number(pairsArg);
if (base === undefined || script === undefined || !Number.isInteger(pairs) || pairs < 1) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}

const microDir = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('../../..', import.meta.url));
const baseDist = base.startsWith('--base-dist=')
  ? resolve(base.slice('--base-dist='.length))
  : join(
      baselineEngineDir(repo, base, (m) => process.stderr.write(`${m}\n`)),
      'dist',
    );
const out = process.env.AB_OUT ?? mkdtempSync(join(tmpdir(), 'ab-pairs-'));
const cpu = process.env.AB_CPU ?? '1';
const top = process.env.AB_TOP ?? '12';
const hasTaskset = cpu !== '' && spawnSync('taskset', ['--version']).status === 0;

/** Runs the script once on one build, profiled; returns its last output line and its profile. */
function runOnce(side: 'base' | 'new', pair: number): { last: string; profile: string } {
  const dir = join(out, `${side}-${pair}`);
  mkdirSync(dir, { recursive: true });
  const node = [process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, join(microDir, script as string), ...scriptArgs];
  const [cmd, ...args] = hasTaskset ? ['taskset', '-c', cpu, ...node] : node;
  const env = { ...process.env };
  if (side === 'base') env.ENGINE_DIST = baseDist;
  else delete env.ENGINE_DIST;
  const stdout = execFileSync(cmd as string, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = stdout.trim().split('\n');
  const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (profiles.length !== 1) throw new Error(`expected one profile in ${dir}, found ${profiles.length}`);
  return { last: lines[lines.length - 1] ?? '', profile: join(dir, profiles[0] as string) };
}

process.stdout.write(
  `base ${baseDist}, new ${join(repo, 'correlation-engine', 'dist')}, profiles in ${out}${hasTaskset ? `, pinned to core ${cpu}` : ''}\n`,
);
for (let pair = 1; pair <= pairs; pair++) {
  // Base first in odd pairs, new first in even ones: a machine slowing down through the session
  // weighs on both sides alike.
  const order: ('base' | 'new')[] = pair % 2 === 1 ? ['base', 'new'] : ['new', 'base'];
  const runs = Object.fromEntries(order.map((side) => [side, runOnce(side, pair)])) as Record<
    'base' | 'new',
    { last: string; profile: string }
  >;
  process.stdout.write(`\npair ${pair}\nbase: ${runs.base.last}\nnew:  ${runs.new.last}\n`);
  const diff = execFileSync(
    process.execPath,
    [join(microDir, '..', 'profile-summary.ts'), '--diff', runs.base.profile, runs.new.profile, top],
    {
      encoding: 'utf8',
    },
  );
  process.stdout.write(diff);
}
