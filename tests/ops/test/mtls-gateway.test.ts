// The mTLS path end to end with real parts: certificates from scripts/certs/generate-certs.sh,
// the gateway collector (built from gateway/builder-config.yaml) running gateway/otel-config.yaml
// + otel-config.mtls.yaml, and mdso-alloy/install.sh --check-connectivity reading the TLS files
// from the Alloy environment file, as on the MDSO host.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig, gatewayEnv, mtlsOverlay, otelcolBinary } from '../../e2e/src/otelcol.js';
import { closedPort } from '../lib/http-fixture.js';
import { runScript } from '../lib/run-script.js';

const work = mkdtempSync(join(tmpdir(), 'obs-mtls-'));
const certs = join(work, 'certs');
const debian = join(work, 'os-release');
writeFileSync(debian, 'ID=debian\n');
let gateway: ChildProcess | undefined;
let httpPort = 0;
let output = '';

beforeAll(async () => {
  const gen = await runScript('scripts/certs/generate-certs.sh', ['--out', certs, '--server-names', 'localhost,127.0.0.1']);
  expect(gen.code, gen.stderr).toBe(0);
  const [grpc, http, health, telemetry, prometheus] = await Promise.all([1, 2, 3, 4, 5].map(() => closedPort()));
  httpPort = http;
  const nowhere = `127.0.0.1:${await closedPort()}`;
  const storage = join(work, 'storage');
  mkdirSync(storage);
  gateway = spawn(otelcolBinary(), [`--config=${gatewayConfig}`, `--config=${mtlsOverlay}`], {
    env: {
      ...process.env,
      ...gatewayEnv(
        { grpc, http, health, telemetry, prometheus },
        { engine: `http://${nowhere}/api/otlp`, tempoGrpc: nowhere, lokiOtlp: `http://${nowhere}/otlp` },
        storage,
      ),
      GATEWAY_TLS_CERT_FILE: join(certs, 'server.crt'),
      GATEWAY_TLS_KEY_FILE: join(certs, 'server.key'),
      GATEWAY_TLS_CLIENT_CA_FILE: join(certs, 'ca.crt'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gateway.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  gateway.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (gateway.exitCode !== null) throw new Error(`gateway exited: ${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${health}/`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`gateway not healthy: ${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 45_000);

afterAll(() => {
  gateway?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** install.sh --check-connectivity with an Alloy env file holding these lines. */
function check(lines: string[]) {
  const root = mkdtempSync(join(work, 'root-'));
  mkdirSync(join(root, 'etc', 'default'), { recursive: true });
  writeFileSync(join(root, 'etc', 'default', 'alloy'), `${lines.join('\n')}\n`);
  return runScript('mdso-alloy/install.sh', ['--check-connectivity'], { env: { OS_RELEASE_FILE: debian, INSTALL_ROOT: root } });
}

describe('mTLS: generated certificates + gateway mTLS overlay + install.sh connectivity check', () => {
  it('accepts Alloy with the client certificate over https', async () => {
    const r = await check([
      `GATEWAY_OTLP_ENDPOINT=https://localhost:${httpPort}`,
      `GATEWAY_TLS_CA_FILE=${join(certs, 'ca.crt')}`,
      `GATEWAY_TLS_CERT_FILE=${join(certs, 'client.crt')}`,
      `GATEWAY_TLS_KEY_FILE=${join(certs, 'client.key')}`,
    ]);
    expect(r.code, `${r.stdout}${r.stderr}\n${output}`).toBe(0);
    expect(r.stdout).toMatch(/answered HTTP 200: connectivity OK/);
  });

  it('refuses a client without a certificate, and plain http', async () => {
    const noCert = await check([`GATEWAY_OTLP_ENDPOINT=https://localhost:${httpPort}`, `GATEWAY_TLS_CA_FILE=${join(certs, 'ca.crt')}`]);
    expect(noCert.code).toBe(2);
    const plain = await check([`GATEWAY_OTLP_ENDPOINT=http://127.0.0.1:${httpPort}`]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).not.toMatch(/connectivity OK/);
  });
});
