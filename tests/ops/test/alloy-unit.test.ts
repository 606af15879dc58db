// mdso-alloy/systemd/alloy.service: systemd 252's own parser (`systemd-analyze verify`, installed
// by scripts/lib/ensure-systemd-analyze.sh) accepts every directive, and the unit keeps the
// packaged unit's conventions.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../lib/run-script.js';
import { systemdVerify } from '../lib/systemd-verify.js';

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
  return systemdVerify(root, unitName);
}

describe('mdso-alloy/systemd/alloy.service', () => {
  it('passes systemd-analyze verify, which does flag an unknown directive', () => {
    expect(verify('alloy.service', unit)).toBe('');
    expect(verify('broken.service', unit.replace('Restart=always', 'Restart=always\nRestartEverySoOften=yes'))).toMatch(
      /Unknown key 'RestartEverySoOften'/,
    );
  });

  it("finds Alloy in /usr/local/bin (the seed's manual install) or /usr/bin (the package), and says so when neither has it", () => {
    const unitName = 'alloy-search.service';
    const place = (dir: string | null) => {
      for (const d of ['usr/bin', 'usr/local/bin']) rmSync(join(root, d, 'alloy'), { force: true });
      if (dir) {
        mkdirSync(join(root, dir), { recursive: true });
        writeFileSync(join(root, dir, 'alloy'), '#!/bin/sh\n', { mode: 0o755 });
      }
      writeFileSync(join(root, 'etc/systemd/system', unitName), unit);
      return systemdVerify(root, unitName);
    };
    verify(unitName, unit); // lays out the root
    expect(place('usr/local/bin')).toBe('');
    expect(place('usr/bin')).toBe('');
    expect(place(null)).toMatch(/Command alloy is not executable/);
  });

  it('starts without an environment file: it is optional and the unit has defaults for what ExecStart needs', () => {
    expect(unit).toMatch(/^Environment=CONFIG_FILE=\/etc\/alloy\/config\.alloy$/m);
    expect(unit).toMatch(/^Environment="CUSTOM_ARGS=[^"]*--server\.http\.listen-addr=127\.0\.0\.1:12345/m);
    expect(unit).toMatch(/^EnvironmentFile=-\/etc\/default\/alloy$/m);
    verify('alloy-noenv.service', unit);
    rmSync(join(root, 'etc/default/alloy'), { force: true });
    expect(systemdVerify(root, 'alloy-noenv.service')).toBe('');
  });

  it('keeps the packaged unit conventions', () => {
    expect(unit).toMatch(/^User=alloy$/m);
    expect(unit).toMatch(/^EnvironmentFile=-\/etc\/default\/alloy$/m);
    expect(unit).toMatch(/^ExecStart=alloy run \$CUSTOM_ARGS --storage\.path=\/var\/lib\/alloy\/data \$CONFIG_FILE$/m);
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
