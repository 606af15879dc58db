// The OTTL statements of mdso-alloy/config.alloy run in a real OpenTelemetry Collector (the
// gateway's build, whose transform processor is the one Alloy's otelcol.processor.transform
// wraps): `validate` parses them, then records shaped like otelcol.receiver.loki's output (the
// line as body, the Loki labels as attributes) go through them and come out with the resource
// attributes, severity and trace context the config promises.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otelcolBinary } from '../../e2e/src/otelcol.js';
import { closedPort } from '../lib/http-fixture.js';
import { readMdsoAlloyConfig } from '../lib/mdso-alloy.js';

const work = mkdtempSync(join(tmpdir(), 'alloy-ottl-'));
const outFile = join(work, 'out.jsonl');
const { ottl, ottlErrorMode } = readMdsoAlloyConfig();
const sample = readFileSync(join(import.meta.dirname, '..', '..', '..', 'mdso-alloy', 'test-fixtures', 'blueplanet.log'), 'utf8').split(
  '\n',
);

function collectorConfig(statements: string[], httpPort: number, healthPort: number): string {
  // JSON is YAML: no YAML writer needed.
  return JSON.stringify({
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
    processors: { transform: { error_mode: ottlErrorMode, log_statements: [{ context: 'log', statements }] } },
    exporters: { file: { path: outFile, flush_interval: '100ms' } },
    extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
    service: {
      extensions: ['health_check'],
      telemetry: { metrics: { level: 'none' } },
      pipelines: { logs: { receivers: ['otlp'], processors: ['transform'], exporters: ['file'] } },
    },
  });
}

let collector: ChildProcess | undefined;
let httpPort = 0;
let collectorLog = '';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${collectorLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  httpPort = await closedPort();
  const healthPort = await closedPort();
  const configFile = join(work, 'config.yaml');
  writeFileSync(configFile, collectorConfig(ottl, httpPort, healthPort));
  collector = spawn(otelcolBinary(), [`--config=${configFile}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  collector.stdout?.on('data', (c: Buffer) => {
    collectorLog += c.toString();
  });
  collector.stderr?.on('data', (c: Buffer) => {
    collectorLog += c.toString();
  });
  await waitFor('collector health', async () => {
    try {
      return (await fetch(`http://127.0.0.1:${healthPort}/`)).ok ? true : undefined;
    } catch {
      return undefined;
    }
  });
}, 30_000);

afterAll(() => {
  collector?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const str = (value: string) => ({ stringValue: value });
const attrs = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value: str(value) }));

describe('config.alloy OTTL in a real collector', () => {
  it('passes `validate` (every statement parses), and validate rejects a broken statement', () => {
    const good = join(work, 'good.yaml');
    const bad = join(work, 'bad.yaml');
    writeFileSync(good, collectorConfig(ottl, 1, 2));
    writeFileSync(bad, collectorConfig([...ottl, 'set(attributes["x"], '], 1, 2));
    const ok = spawnSync(otelcolBinary(), ['validate', `--config=${good}`], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    const broken = spawnSync(otelcolBinary(), ['validate', `--config=${bad}`], { encoding: 'utf8' });
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toMatch(/statement|parse|unexpected/i);
  });

  it('sets service/env/host resource attributes, severity and the traceparent trace context', async () => {
    const traceLine = sample.find((l) => l.includes('traceparent=')) ?? '';
    const errorLine = sample.find((l) => l.includes(' ERROR ')) ?? '';
    const labels = { service: 'blueplanet', env: 'staging', host: 'mdso-dev', filename: '/var/log/ciena/blueplanet.log' };
    const now = `${Date.now()}000000`;
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [] },
          scopeLogs: [
            {
              logRecords: [
                { timeUnixNano: now, body: str(traceLine), attributes: attrs({ ...labels, level: 'info' }) },
                { timeUnixNano: now, body: str(errorLine), attributes: attrs({ ...labels, level: 'error' }) },
                { timeUnixNano: now, body: str('continuation line without a level'), attributes: attrs(labels) },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`http://127.0.0.1:${httpPort}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);

    const exported = await waitFor('exported logs', () => {
      if (!existsSync(outFile)) return undefined;
      const lines = readFileSync(outFile, 'utf8').trim().split('\n').filter(Boolean);
      return lines.length > 0 ? lines.map((l) => JSON.parse(l)) : undefined;
    });
    const resourceLogs = exported.flatMap((e) => e.resourceLogs);
    const resource = Object.fromEntries(
      resourceLogs[0].resource.attributes.map((a: { key: string; value: { stringValue: string } }) => [a.key, a.value.stringValue]),
    );
    expect(resource).toMatchObject({ 'service.name': 'blueplanet', 'deployment.environment.name': 'staging', 'host.name': 'mdso-dev' });

    const records = resourceLogs.flatMap((r: { scopeLogs: { logRecords: unknown[] }[] }) => r.scopeLogs.flatMap((s) => s.logRecords)) as {
      traceId?: string;
      spanId?: string;
      severityNumber?: number;
      severityText?: string;
      attributes: { key: string }[];
    }[];
    expect(records).toHaveLength(3);
    const [withTrace, withError, plain] = records;
    expect(withTrace.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(withTrace.spanId).toBe('00f067aa0ba902b7');
    expect(withTrace.severityNumber).toBe(9);
    expect(withTrace.severityText).toBe('info');
    expect(withError.severityNumber).toBe(17);
    expect(withError.traceId ?? '').toBe('');
    expect(plain.severityNumber ?? 0).toBe(0);
    for (const record of records) {
      const keys = record.attributes.map((a) => a.key);
      expect(keys).not.toContain('env');
      expect(keys).not.toContain('host');
      expect(keys).toContain('filename');
    }
  });
});
