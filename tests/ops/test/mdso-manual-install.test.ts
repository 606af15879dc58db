// mdso-alloy/README.md's manual install (the seed's Phase 4, completed) is run line by line in a
// fake root: `sudo` dropped, absolute paths moved under the root, the commands that need a real
// system (useradd, chown, chgrp, setfacl, systemctl) recorded. Then systemd's own parser checks
// the installed unit against that root: Alloy in /usr/local/bin, the alloy user's files in place.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../lib/run-script.js';
import { systemdVerify } from '../lib/systemd-verify.js';

const work = mkdtempSync(join(tmpdir(), 'mdso-manual-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The fenced block after the README's `manual-steps` marker, one command per line. */
function manualSteps(): string[] {
  const readme = readFileSync(join(repoRoot, 'mdso-alloy/README.md'), 'utf8');
  const block = readme.split('<!-- manual-steps')[1]?.match(/```bash\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error('mdso-alloy/README.md has no manual-steps block');
  return block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

/** The same command on the fake root. */
function onRoot(line: string, root: string): string {
  return line
    .replace(/^sudo /, '')
    .replace(/(^|\s)\/(usr|etc|var|bp2)\//g, `$1${root}/$2/`)
    .replace(/^systemd-analyze verify \S+\/etc\/systemd\/system\/(\S+)$/, `systemd-analyze verify --root=${root} $1`);
}

describe('mdso-alloy/README.md manual install steps', () => {
  const root = join(work, 'root');
  const cwd = join(work, 'checkout');
  const fakes = join(work, 'fakes');
  const calls = join(work, 'calls.log');

  it('run as written on a fake root and leave a unit systemd accepts, with Alloy in /usr/local/bin', () => {
    for (const dir of [root, cwd, fakes, join(root, 'var/log/ciena'), join(root, 'bp2/log'), join(root, 'usr/bin')]) {
      mkdirSync(dir, { recursive: true });
    }
    symlinkSync(join(repoRoot, 'mdso-alloy'), join(cwd, 'mdso-alloy'));
    writeFileSync(join(cwd, 'alloy-linux-amd64'), '#!/bin/sh\necho alloy v1.18.1\n', { mode: 0o755 });
    // ExecReload runs /usr/bin/env: present on every host, absent from the bare root.
    writeFileSync(join(root, 'usr/bin/env'), '#!/bin/sh\n', { mode: 0o755 });
    for (const cmd of ['useradd', 'chown', 'chgrp', 'setfacl', 'systemctl']) {
      writeFileSync(join(fakes, cmd), `#!/usr/bin/env bash\necho "${cmd} $*" >> ${JSON.stringify(calls)}\n`, { mode: 0o755 });
    }
    writeFileSync(calls, '');

    const verifyOutput: string[] = [];
    for (const line of manualSteps()) {
      const command = onRoot(line, root);
      if (command.startsWith('systemd-analyze verify')) {
        verifyOutput.push(systemdVerify(root, command.split(' ').at(-1) ?? ''));
        continue;
      }
      execFileSync('bash', ['-euo', 'pipefail', '-c', command], { cwd, env: { ...process.env, PATH: `${fakes}:${process.env.PATH}` } });
    }

    expect(verifyOutput).toEqual(['']);
    expect(existsSync(join(root, 'usr/local/bin/alloy'))).toBe(true);
    expect(existsSync(join(root, 'usr/bin/alloy'))).toBe(false);
    expect(readFileSync(join(root, 'etc/alloy/config.alloy'), 'utf8')).toBe(
      readFileSync(join(repoRoot, 'mdso-alloy/config.alloy'), 'utf8'),
    );
    expect(readFileSync(join(root, 'etc/default/alloy'), 'utf8')).toMatch(/^GATEWAY_OTLP_ENDPOINT=http:\/\/159\.56\.4\.94:4318$/m);
    expect(existsSync(join(root, 'var/lib/alloy/data'))).toBe(true);
    const log = readFileSync(calls, 'utf8');
    expect(log).toMatch(/^useradd --system .* alloy$/m);
    expect(log).toContain(`setfacl -R -m u:alloy:rX ${root}/var/log/ciena ${root}/bp2/log`);
    expect(log).toMatch(/^systemctl enable --now alloy$/m);
  });

  it('the check is real: with the binary step left out, systemd reports that alloy is missing', () => {
    rmSync(join(root, 'usr/local/bin/alloy'));
    expect(systemdVerify(root, 'alloy.service')).toMatch(/Command alloy is not executable/);
  });
});
