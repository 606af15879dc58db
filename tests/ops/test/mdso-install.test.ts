// mdso-alloy/install.sh and scripts/setup-mdso-alloy.sh: dry runs on Debian- and RHEL-family
// os-release files (nothing may change on this machine), argument errors, and the gateway
// connectivity check against real local HTTP servers.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, type Fixture, startFixture } from '../lib/http-fixture.js';
import { repoRoot, runScript } from '../lib/run-script.js';

const dir = mkdtempSync(join(tmpdir(), 'mdso-install-'));
const debian = join(dir, 'debian');
const rocky = join(dir, 'rocky');
const unknown = join(dir, 'unknown');
writeFileSync(debian, 'PRETTY_NAME="Debian GNU/Linux 12"\nID=debian\n');
writeFileSync(rocky, 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n');
writeFileSync(unknown, 'ID=alpine\n');

let ok: Fixture;
let unauthorized: Fixture;

beforeAll(async () => {
  ok = await startFixture(() => ({ status: 200, body: '{"partialSuccess":{}}' }));
  unauthorized = await startFixture(() => ({ status: 401 }));
});

afterAll(async () => {
  await ok?.close();
  await unauthorized?.close();
  rmSync(dir, { recursive: true, force: true });
});

const watched = ['/etc/alloy/config.alloy', '/etc/systemd/system/alloy.service', '/etc/default/alloy', '/etc/sysconfig/alloy'];
const snapshot = () => watched.map((p) => (existsSync(p) ? readFileSync(p, 'utf8') : null));

describe('mdso-alloy/install.sh', () => {
  it('--dry-run on Debian prints the apt repository, files, ACLs and service steps and changes nothing', async () => {
    const before = snapshot();
    const r = await runScript('mdso-alloy/install.sh', ['--dry-run', '--gateway', 'http://10.1.2.3:4318', '--env', 'staging'], {
      env: { OS_RELEASE_FILE: debian, LOG_DIRS: '/var/log/ciena /bp2/log', ALLOY_BIN: '' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('environment file /etc/default/alloy');
    expect(r.stdout).toMatch(/deb \[signed-by=\/etc\/apt\/keyrings\/grafana\.gpg\] https:\/\/apt\.grafana\.com stable main/);
    expect(r.stdout).toMatch(/\[dry-run\] apt-get install -y -q alloy=\d+\.\d+\.\d+/);
    expect(r.stdout).toContain('write /etc/alloy/config.alloy');
    expect(r.stdout).toContain('set GATEWAY_OTLP_ENDPOINT=http://10.1.2.3:4318 in /etc/default/alloy');
    expect(r.stdout).toContain('set DEPLOYMENT_ENVIRONMENT=staging in /etc/default/alloy');
    expect(r.stdout).toContain('EnvironmentFile=-/etc/default/alloy');
    expect(r.stdout).toContain('[dry-run] setfacl -R -m u:alloy:rX /var/log/ciena');
    expect(r.stdout).toContain('[dry-run] setfacl -d -m u:alloy:rX /bp2/log');
    expect(r.stdout).toContain('[dry-run] systemctl restart alloy');
    expect(r.stdout).toContain('http://10.1.2.3:4318/v1/logs');
    expect(snapshot()).toEqual(before);
  });

  it('--dry-run on a RHEL-family host uses dnf, the rpm repository and /etc/sysconfig/alloy', async () => {
    const r = await runScript('mdso-alloy/install.sh', ['--dry-run', '--no-start', '--skip-connectivity'], {
      env: { OS_RELEASE_FILE: rocky, ALLOY_BIN: '' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('write /etc/yum.repos.d/grafana.repo');
    expect(r.stdout).toMatch(/\[dry-run\] dnf install -y alloy-\d+\.\d+\.\d+/);
    expect(r.stdout).toContain('EnvironmentFile=-/etc/sysconfig/alloy');
    expect(r.stdout).not.toContain('systemctl restart');
    expect(r.stdout).not.toContain('apt-get');
  });

  it('installs from --package-file or ALLOY_BIN instead of the repository (offline hosts)', async () => {
    const pkg = join(dir, 'alloy-1.18.1-1.amd64.rpm');
    writeFileSync(pkg, 'not really an rpm');
    const fromFile = await runScript('mdso-alloy/install.sh', ['--dry-run', '--skip-connectivity', '--package-file', pkg], {
      env: { OS_RELEASE_FILE: rocky, ALLOY_BIN: '' },
    });
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toContain(`[dry-run] dnf install -y ${pkg}`);
    expect(fromFile.stdout).not.toContain('grafana.repo');

    const bin = join(dir, 'alloy');
    writeFileSync(bin, '#!/bin/sh\necho alloy v1.18.1\n', { mode: 0o755 });
    const fromBin = await runScript('mdso-alloy/install.sh', ['--dry-run', '--skip-connectivity'], {
      env: { OS_RELEASE_FILE: debian, ALLOY_BIN: bin },
    });
    expect(fromBin.code, fromBin.stderr).toBe(0);
    expect(fromBin.stdout).toContain(`[dry-run] install -D -m 0755 ${bin} /usr/bin/alloy`);
    expect(fromBin.stdout).not.toContain('apt.grafana.com');
  });

  it('refuses unknown distributions, missing package files and unknown options with a clear message', async () => {
    const alpine = await runScript('mdso-alloy/install.sh', ['--dry-run'], { env: { OS_RELEASE_FILE: unknown } });
    expect(alpine.code).toBe(1);
    expect(alpine.stderr).toMatch(/unsupported distribution 'alpine'/);
    const missing = await runScript('mdso-alloy/install.sh', ['--dry-run', '--package-file', join(dir, 'nope.deb')], {
      env: { OS_RELEASE_FILE: debian },
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.deb does not exist/);
    const bad = await runScript('mdso-alloy/install.sh', ['--frobnicate']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown option --frobnicate/);
  });

  it('--uninstall --dry-run lists what it removes', async () => {
    const r = await runScript('mdso-alloy/install.sh', ['--uninstall', '--purge', '--dry-run'], { env: { OS_RELEASE_FILE: debian } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('[dry-run] systemctl disable --now alloy');
    expect(r.stdout).toContain('[dry-run] rm -f /etc/systemd/system/alloy.service');
    expect(r.stdout).toContain('[dry-run] apt-get remove -y alloy');
  });

  it('--check-connectivity POSTs an empty OTLP logs request and reports the status', async () => {
    const good = await runScript('mdso-alloy/install.sh', ['--check-connectivity', '--gateway', ok.url], {
      env: { OS_RELEASE_FILE: debian },
    });
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/answered HTTP 200: connectivity OK/);
    const request = ok.requests.at(-1);
    expect(request).toMatchObject({ method: 'POST', url: '/v1/logs', body: '{"resourceLogs":[]}' });
    expect(request?.headers['content-type']).toBe('application/json');

    const denied = await runScript('mdso-alloy/install.sh', ['--check-connectivity', '--gateway', unauthorized.url], {
      env: { OS_RELEASE_FILE: debian },
    });
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/HTTP 401: check GATEWAY_BASIC_AUTH_/);

    const port = await closedPort();
    const down = await runScript('mdso-alloy/install.sh', ['--check-connectivity', '--gateway', `http://127.0.0.1:${port}`], {
      env: { OS_RELEASE_FILE: debian },
    });
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/unreachable/);
  });
});

describe('scripts/setup-mdso-alloy.sh', () => {
  it('passes GATEWAY_OTLP_ENDPOINT to install.sh as --gateway', async () => {
    const r = await runScript('scripts/setup-mdso-alloy.sh', ['--dry-run', '--no-start', '--skip-connectivity'], {
      env: { OS_RELEASE_FILE: debian, GATEWAY_OTLP_ENDPOINT: 'https://gw.example:4318', ALLOY_BIN: '' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('set GATEWAY_OTLP_ENDPOINT=https://gw.example:4318');
    expect(existsSync(join(repoRoot, 'mdso-alloy', 'install.sh'))).toBe(true);
  });
});

describe('mdso-alloy/install.sh for real, staged under INSTALL_ROOT (system commands replaced by recorders)', () => {
  const stage = join(dir, 'root');
  const fakes = join(dir, 'fakes');
  const calls = join(dir, 'calls.log');
  const logDirs = [join(dir, 'var-log-ciena'), join(dir, 'bp2-log')];
  const bin = join(dir, 'alloy-bin');
  const installed = (p: string) => join(stage, p);

  beforeAll(() => {
    mkdirSync(fakes, { recursive: true });
    for (const d of logDirs) mkdirSync(d, { recursive: true });
    writeFileSync(bin, '#!/bin/sh\necho "alloy, version v1.18.1"\n', { mode: 0o755 });
    // Record the calls that would change users, ACLs and services; `id -u` stays real (root check).
    for (const cmd of ['systemctl', 'useradd', 'usermod', 'setfacl', 'chown', 'chgrp', 'getent']) {
      writeFileSync(join(fakes, cmd), `#!/usr/bin/env bash\necho "${cmd} $*" >> ${JSON.stringify(calls)}\n`, { mode: 0o755 });
    }
    writeFileSync(join(fakes, 'id'), '#!/usr/bin/env bash\nif [ "$1" = -u ]; then exec /usr/bin/id -u; fi\nexit 1\n', { mode: 0o755 });
  });

  const installAt = (installRoot: string, args: string[]) =>
    runScript('mdso-alloy/install.sh', args, {
      env: {
        OS_RELEASE_FILE: debian,
        INSTALL_ROOT: installRoot,
        ALLOY_BIN: bin,
        LOG_DIRS: logDirs.join(' '),
        ALLOY_START_GRACE_SECONDS: '0',
        PATH: `${fakes}:${process.env.PATH}`,
      },
    });
  const install = (args: string[]) => installAt(stage, args);
  const recorded = () => readFileSync(calls, 'utf8').trim().split('\n');
  const gatewayIn = (installRoot: string) =>
    readFileSync(join(installRoot, 'etc/default/alloy'), 'utf8').match(/^GATEWAY_OTLP_ENDPOINT=(.*)$/m)?.[1];

  it('installs binary, config, env file and unit, grants ACLs, restarts and checks the gateway', async () => {
    const r = await install(['--gateway', ok.url, '--env', 'staging']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(installed('etc/alloy/config.alloy'), 'utf8')).toBe(
      readFileSync(join(repoRoot, 'mdso-alloy', 'config.alloy'), 'utf8'),
    );
    expect(readFileSync(installed('usr/bin/alloy'), 'utf8')).toContain('v1.18.1');
    const unit = readFileSync(installed('etc/systemd/system/alloy.service'), 'utf8');
    expect(unit).toMatch(/^EnvironmentFile=-\/etc\/default\/alloy$/m);
    const envFile = readFileSync(installed('etc/default/alloy'), 'utf8');
    expect(envFile).toMatch(new RegExp(`^GATEWAY_OTLP_ENDPOINT=${ok.url}$`, 'm'));
    expect(envFile).toMatch(/^DEPLOYMENT_ENVIRONMENT=staging$/m);
    const log = recorded();
    expect(log).toContain('useradd --system --home-dir /var/lib/alloy --no-create-home --shell /usr/sbin/nologin alloy');
    for (const d of logDirs) {
      expect(log).toContain(`setfacl -R -m u:alloy:rX ${d}`);
      expect(log).toContain(`setfacl -d -m u:alloy:rX ${d}`);
    }
    expect(log.filter((l) => l.startsWith('systemctl '))).toEqual([
      'systemctl daemon-reload',
      'systemctl enable alloy',
      'systemctl restart alloy',
      'systemctl is-active --quiet alloy',
    ]);
    expect(r.stdout).toMatch(/answered HTTP 200: connectivity OK/);
  });

  it('is idempotent: a second run changes no file and keeps the operator’s env edits', async () => {
    const envPath = installed('etc/default/alloy');
    writeFileSync(
      envPath,
      `${readFileSync(envPath, 'utf8').replace(/^DEPLOYMENT_ENVIRONMENT=.*$/m, 'DEPLOYMENT_ENVIRONMENT=prod')}OPERATOR_NOTE=keep\n`,
    );
    const before = readFileSync(envPath, 'utf8');
    const r = await install(['--skip-connectivity']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`${installed('etc/alloy/config.alloy')} unchanged`);
    expect(r.stdout).toContain(`${installed('etc/systemd/system/alloy.service')} unchanged`);
    expect(r.stdout).toContain('kept existing values, added 0 missing key(s)');
    expect(readFileSync(envPath, 'utf8')).toBe(before);
    expect(readdirSync(installed('etc/alloy'))).toEqual(['config.alloy']);
  });

  it('backs up an installed config that differs before replacing it', async () => {
    writeFileSync(installed('etc/alloy/config.alloy'), '// edited by hand on the host\n');
    const r = await install(['--skip-connectivity', '--no-start']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(installed('etc/alloy/config.alloy'), 'utf8')).toBe(
      readFileSync(join(repoRoot, 'mdso-alloy', 'config.alloy'), 'utf8'),
    );
    const backups = readdirSync(installed('etc/alloy')).filter((f) => f.startsWith('config.alloy.bak.'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(installed(`etc/alloy/${backups[0]}`), 'utf8')).toBe('// edited by hand on the host\n');
  });

  it('which gateway: --gateway wins and is printed', async () => {
    const fresh = join(dir, 'root-flag');
    const r = await installAt(fresh, ['--gateway', 'http://10.20.30.40:4318', '--skip-connectivity', '--no-start']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('gateway: http://10.20.30.40:4318 (from --gateway)');
    expect(gatewayIn(fresh)).toBe('http://10.20.30.40:4318');
  });

  it('which gateway: without --gateway, an existing /etc/default/alloy keeps its address', async () => {
    const existing = join(dir, 'root-existing');
    mkdirSync(join(existing, 'etc/default'), { recursive: true });
    writeFileSync(
      join(existing, 'etc/default/alloy'),
      'CONFIG_FILE=/etc/alloy/config.alloy\nGATEWAY_OTLP_ENDPOINT=https://gw.internal:4318\n',
    );
    const r = await installAt(existing, ['--skip-connectivity', '--no-start']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`gateway: https://gw.internal:4318 (kept from ${existing}/etc/default/alloy`);
    expect(gatewayIn(existing)).toBe('https://gw.internal:4318');
  });

  it("which gateway: with neither, the seed's Server-124 address (not a host name MDSO Dev cannot resolve), printed", async () => {
    const fresh = join(dir, 'root-default');
    const r = await installAt(fresh, ['--skip-connectivity', '--no-start']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("gateway: http://159.56.4.94:4318 (the seed's Server-124");
    expect(gatewayIn(fresh)).toBe('http://159.56.4.94:4318');
    expect(readFileSync(join(fresh, 'etc/default/alloy'), 'utf8')).not.toContain('server-124');
  });
});
