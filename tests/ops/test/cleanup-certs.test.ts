// scripts/cleanup.sh (with a recording stand-in for the docker CLI) and
// scripts/certs/generate-certs.sh (openssl verify + a real mutual-TLS handshake in Node).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer as createHttpsServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { createFakeDocker } from '../lib/fake-docker.js';
import { runScript } from '../lib/run-script.js';

const work = mkdtempSync(join(tmpdir(), 'obs-cleanup-certs-'));
const docker = createFakeDocker(join(work, 'docker'));
const withFakeDocker = docker.env;
const downCalls = () => docker.calls().filter((c) => c.includes(' down'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('scripts/cleanup.sh', () => {
  it('--dry-run lists every volume it would delete and runs nothing', async () => {
    const r = await runScript('scripts/cleanup.sh', ['data', '--dry-run'], { env: withFakeDocker });
    expect(r.code, r.stderr).toBe(0);
    for (const key of ['loki-data', 'tempo-data', 'prometheus-data', 'grafana-data', 'gateway-data', 'engine-data']) {
      expect(r.stdout).toContain(`observability-poc_${key}`);
    }
    expect(r.stdout).toMatch(/command: docker compose .* down --remove-orphans --volumes$/m);
    expect(r.stdout).toContain('dry run, nothing changed');
    expect(downCalls()).toEqual([]);
  });

  it('refuses to delete data without --yes when there is no terminal', async () => {
    const r = await runScript('scripts/cleanup.sh', ['purge'], { env: withFakeDocker });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to delete without --yes/);
    expect(downCalls()).toEqual([]);
  });

  it('with --yes runs compose down with volumes (data) and images (purge); stop keeps volumes', async () => {
    expect((await runScript('scripts/cleanup.sh', ['data', '--yes'], { env: withFakeDocker })).code).toBe(0);
    expect((await runScript('scripts/cleanup.sh', ['stop'], { env: withFakeDocker })).code).toBe(0);
    const downs = downCalls();
    expect(downs).toHaveLength(2);
    expect(downs[0]).toMatch(/^compose --project-directory \S+ -f \S+docker-compose\.yml down --remove-orphans --volumes$/);
    expect(downs[1]).toMatch(/down --remove-orphans$/);
  });

  it('a COMPOSE_PROJECT_NAME changes the volume names it reports', async () => {
    const r = await runScript('scripts/cleanup.sh', ['data', '--dry-run'], { env: { ...withFakeDocker, COMPOSE_PROJECT_NAME: 'obs2' } });
    expect(r.stdout).toContain('obs2_loki-data');
  });
});

describe('scripts/certs/generate-certs.sh', () => {
  const out = join(work, 'certs');

  it('creates a CA, server and client chain that openssl verify accepts, keys private', async () => {
    const r = await runScript('scripts/certs/generate-certs.sh', [
      '--out',
      out,
      '--server-names',
      'server-124,159.56.4.94,localhost,127.0.0.1',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const verify = execFileSync('openssl', [
      'verify',
      '-CAfile',
      join(out, 'ca.crt'),
      join(out, 'server.crt'),
      join(out, 'client.crt'),
    ]).toString();
    expect(verify).toContain(`${join(out, 'server.crt')}: OK`);
    expect(verify).toContain(`${join(out, 'client.crt')}: OK`);
    const server = execFileSync('openssl', ['x509', '-in', join(out, 'server.crt'), '-noout', '-text']).toString();
    expect(server).toMatch(/DNS:server-124, IP Address:159\.56\.4\.94, DNS:localhost, IP Address:127\.0\.0\.1/);
    expect(server).toContain('TLS Web Server Authentication');
    const client = execFileSync('openssl', ['x509', '-in', join(out, 'client.crt'), '-noout', '-text']).toString();
    expect(client).toContain('TLS Web Client Authentication');
    expect(client).toMatch(/Subject: .*CN ?= ?mdso-alloy/);
    for (const key of ['ca.key', 'server.key', 'client.key']) expect(statSync(join(out, key)).mode & 0o077).toBe(0);
  });

  it('the chain works for a real mutual-TLS connection, and a client without a certificate is refused', async () => {
    const read = (f: string) => readFileSync(join(out, f));
    const server = createHttpsServer(
      { key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: true },
      (req, res) => res.end(`hello ${(req.socket as TLSSocket).getPeerCertificate().subject.CN}`),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const get = (withCert: boolean) =>
      new Promise<string>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: '/',
            ca: read('ca.crt'),
            ...(withCert ? { cert: read('client.crt'), key: read('client.key') } : {}),
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => {
              body += c.toString();
            });
            res.on('end', () => resolve(body));
          },
        );
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get(true)).toBe('hello mdso-alloy');
      await expect(get(false)).rejects.toThrow();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('never overwrites without --force; --keep-ca re-issues the leaves from the same CA', async () => {
    const caBefore = readFileSync(join(out, 'ca.crt'), 'utf8');
    const serverBefore = readFileSync(join(out, 'server.crt'), 'utf8');
    const again = await runScript('scripts/certs/generate-certs.sh', ['--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/refusing to overwrite/);
    expect(readFileSync(join(out, 'server.crt'), 'utf8')).toBe(serverBefore);

    const rotated = await runScript('scripts/certs/generate-certs.sh', [
      '--out',
      out,
      '--keep-ca',
      '--force',
      '--server-names',
      'server-124',
    ]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(readFileSync(join(out, 'ca.crt'), 'utf8')).toBe(caBefore);
    expect(readFileSync(join(out, 'server.crt'), 'utf8')).not.toBe(serverBefore);
    execFileSync('openssl', ['verify', '-CAfile', join(out, 'ca.crt'), join(out, 'server.crt')]);
  });
});
