// mdso-alloy/systemd/alloy.service: systemd 252's own parser (`systemd-analyze verify`, installed
// by scripts/lib/ensure-systemd-analyze.sh) accepts every directive, and the unit keeps the
// packaged unit's conventions.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../lib/run-script.js';

const unitPath = join(repoRoot, 'mdso-alloy', 'systemd', 'alloy.service');
const unit = readFileSync(unitPath, 'utf8');
const root = mkdtempSync(join(tmpdir(), 'alloy-unit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A minimal root with the unit, its binaries and its environment file, for `verify --root`. */
function verify(unitName: string, content: string): string {
  for (const dir of ['usr/bin', 'etc/systemd/system', 'etc/default', 'var/lib/alloy']) mkdirSync(join(root, dir), { recursive: true });
  for (const bin of ['usr/bin/alloy', 'usr/bin/env']) {
    writeFileSync(join(root, bin), '#!/bin/sh\n');
    chmodSync(join(root, bin), 0o755);
  }
  writeFileSync(join(root, 'etc/default/alloy'), 'CONFIG_FILE=/etc/alloy/config.alloy\nCUSTOM_ARGS=\n');
  writeFileSync(join(root, 'etc/systemd/system', unitName), content);
  const r = spawnSync('systemd-analyze', ['verify', `--root=${root}`, unitName], { encoding: 'utf8' });
  expect(r.error, 'systemd-analyze missing: run scripts/lib/ensure-systemd-analyze.sh').toBeUndefined();
  // Boot targets do not exist in the bare root; that is the root's doing, not the unit's.
  return `${r.stdout}${r.stderr}`
    .split('\n')
    .filter((l) => l.trim() !== '' && !/sysinit\.target|basic\.target|shutdown\.target|network-online\.target|multi-user\.target/.test(l))
    .join('\n');
}

describe('mdso-alloy/systemd/alloy.service', () => {
  it('passes systemd-analyze verify, which does flag an unknown directive', () => {
    expect(verify('alloy.service', unit)).toBe('');
    expect(verify('broken.service', unit.replace('Restart=always', 'Restart=always\nRestartEverySoOften=yes'))).toMatch(
      /Unknown key 'RestartEverySoOften'/,
    );
  });

  it('keeps the packaged unit conventions', () => {
    expect(unit).toMatch(/^User=alloy$/m);
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/default\/alloy$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/alloy run \$CUSTOM_ARGS --storage\.path=\/var\/lib\/alloy\/data \$CONFIG_FILE$/m);
    expect(unit).toMatch(/^ExecReload=\/usr\/bin\/env kill -HUP \$MAINPID$/m);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
  });

  it('hardens without hiding the log folders', () => {
    expect(unit).toMatch(/^NoNewPrivileges=yes$/m);
    expect(unit).toMatch(/^ProtectSystem=full$/m); // not "strict": /var/log and /bp2 stay readable
    expect(unit).toMatch(/^ReadWritePaths=\/var\/lib\/alloy$/m);
    expect(unit).not.toMatch(/^(InaccessiblePaths|TemporaryFileSystem)=.*(\/var\/log|\/bp2)/m);
    expect(unit).not.toMatch(/^ProtectSystem=strict$/m);
  });
});
