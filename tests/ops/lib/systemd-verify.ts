// `systemd-analyze verify --root=ROOT UNIT` (systemd 252, installed by
// scripts/lib/ensure-systemd-analyze.sh), with the noise a bare root causes removed: its boot
// targets do not exist, which is the root's doing, not the unit's. What is left are the unit's
// own problems (unknown keys, a command that is not there); '' means none.
import { spawnSync } from 'node:child_process';

export class MissingSystemdAnalyzeError extends Error {
  override name = 'MissingSystemdAnalyzeError';
}

export function systemdVerify(root: string, unitName: string): string {
  const r = spawnSync('systemd-analyze', ['verify', `--root=${root}`, unitName], { encoding: 'utf8' });
  if (r.error) throw new MissingSystemdAnalyzeError('systemd-analyze missing: run scripts/lib/ensure-systemd-analyze.sh');
  return `${r.stdout}${r.stderr}`
    .split('\n')
    .filter((l) => l.trim() !== '' && !/sysinit\.target|basic\.target|shutdown\.target|network-online\.target|multi-user\.target/.test(l))
    .join('\n');
}
