// gateway/docker-compose.yml, gateway/Dockerfile and the collector config must agree: every
// variable compose sets is one the config reads (a typo would silently fall back to a default),
// every mounted or copied config file exists, and the config validates with compose's values.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { otelcolBinary, repoRoot } from '../src/otelcol.js';

const gatewayDir = join(repoRoot, 'gateway');
const compose = parse(readFileSync(join(gatewayDir, 'docker-compose.yml'), 'utf8')) as {
  services: Record<
    string,
    { command: string[]; environment: Record<string, string>; ports: string[]; volumes: string[]; healthcheck: { test: string[] } }
  >;
};
const service = compose.services['otel-gateway'];
const dockerfile = readFileSync(join(gatewayDir, 'Dockerfile'), 'utf8');
const configText = [
  'otel-config.yaml',
  'otel-config.basicauth.yaml',
  'otel-config.mtls.yaml',
  'otel-config.ingress-auth.yaml',
  'otel-config.scale.yaml',
]
  .map((f) => readFileSync(join(gatewayDir, f), 'utf8'))
  .join('\n');

/** `${VAR:-default}` as compose interpolates it with an empty .env. */
const interpolate = (value: string): string => value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1').replace(/\$\{[A-Z0-9_]+\}/g, '');

describe('gateway compose, image and config agree', () => {
  it('publishes the seed ports, legacy 55680/55681 as aliases of 4317/4318', () => {
    expect(service?.ports).toEqual(['4317:4317', '4318:4318', '55680:4317', '55681:4318', '13133:13133', '8888:8888', '8889:8889']);
  });

  it('sets only variables the config reads', () => {
    for (const name of Object.keys(service?.environment ?? {})) {
      expect(configText, `${name} is set in compose but not read by the config`).toContain(`\${env:${name}`);
    }
  });

  it('mounts and copies config files that exist, and runs /healthcheck (the image has no shell)', () => {
    const mounted = (service?.volumes ?? []).map((v) => v.split(':')[0] ?? '').filter((src) => src.startsWith('./'));
    expect(mounted.length).toBeGreaterThan(0);
    for (const src of mounted) expect(existsSync(join(gatewayDir, src)), src).toBe(true);
    const copied = dockerfile.match(/^COPY (otel-config[^\n]*) \/etc\/otelcol\/$/m)?.[1]?.split(' ') ?? [];
    expect(copied).toContain('otel-config.none.yaml');
    for (const file of copied) expect(existsSync(join(gatewayDir, file)), file).toBe(true);
    expect(service?.healthcheck.test).toEqual(['CMD', '/healthcheck']);
    expect(dockerfile).toMatch(/^COPY --from=build \S+\/healthcheck \/healthcheck$/m);
  });

  it('validates with the command and environment compose gives it', () => {
    const args = (service?.command ?? []).map((arg) => interpolate(arg).replace('/etc/otelcol/', `${gatewayDir}/`));
    expect(args).toHaveLength(5);
    const env = Object.fromEntries(Object.entries(service?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
    const run = spawnSync(otelcolBinary(), ['validate', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
  });

  it('validates with every overlay slot filled (engine auth, mTLS, ingress auth, scale-out) and their variables set', () => {
    const overlays: Record<string, string> = {
      GATEWAY_AUTH_OVERLAY: 'otel-config.basicauth.yaml',
      GATEWAY_TLS_OVERLAY: 'otel-config.mtls.yaml',
      GATEWAY_INGRESS_AUTH_OVERLAY: 'otel-config.ingress-auth.yaml',
      GATEWAY_SCALE_OVERLAY: 'otel-config.scale.yaml',
    };
    const args = (service?.command ?? []).map((arg) =>
      arg.replace(/\$\{([A-Z_]+):-[^}]*\}/g, (_, name: string) => overlays[name] ?? '').replace('/etc/otelcol/', `${gatewayDir}/`),
    );
    expect(args.filter((a) => a.endsWith('.none.yaml'))).toEqual([]);
    const env = {
      ...Object.fromEntries(Object.entries(service?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))])),
      ENGINE_AUTHORIZATION: 'Basic dTpw',
      GATEWAY_INGRESS_CREDENTIALS: 'dTpw',
    };
    const run = spawnSync(otelcolBinary(), ['validate', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
  });
});
