// The same OTLP logs reach Loki by two roads and must arrive the same: the gateway's own
// logs/loki pipeline (transform/loki_labels, otlp_http to Loki's /otlp), and the correlation engine
// behind it shipping them itself (LOKI_EXPORT_OTLP_LOGS=true, the default OTLP form: each request
// forwarded as received, with the `service`/`env` resource attributes set by the engine). The real
// gateway collector built from our manifest, the built engine as a process, two Loki stand-ins
// (one per road) passing /otlp/v1/logs on to one sink collector, whose OTLP receiver decodes each
// request (a malformed frame is refused) and whose `file` exporter writes what it got. Every
// record must be there twice, byte for byte the same in the sink's JSON, resource included.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postJson, type RunningGateway, startGateway, startSinkCollector } from '../src/collectors.js';
import { EngineReplica } from '../src/engine-replicas.js';
import { LokiStandIn } from '../src/loki-stand-in.js';
import { gatewayEnv, writeSinkConfig } from '../src/otelcol.js';
import { newTraceId, resourceAttrs } from '../src/otlp-payloads.js';
import { namedPorts } from '../src/ports.js';
import { ProcessSet } from '../src/processes.js';
import { waitFor } from '../src/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'obs-engine-loki-otlp-'));
let failed = false;
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

/** Every log record the sink collector wrote: its resource attributes and the record, as JSON text. */
function sinkRecords(file: string): string[] {
  const out: string[] = [];
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const request = JSON.parse(line) as {
      resourceLogs?: { resource?: { attributes?: { key: string }[] }; scopeLogs?: { scope?: unknown; logRecords?: unknown[] }[] }[];
    };
    for (const rl of request.resourceLogs ?? []) {
      const resource = [...(rl.resource?.attributes ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      for (const sl of rl.scopeLogs ?? []) for (const r of sl.logRecords ?? []) out.push(JSON.stringify({ resource, scope: sl.scope, r }));
    }
  }
  return out;
}

const RECORDS_PER_RESOURCE = 20;

/** Two services, one resource carrying the new environment name too; records with and without trace context, typed attributes. */
function request(): unknown {
  const now = BigInt(Date.now()) * 1_000_000n;
  const traceId = newTraceId();
  const records = (service: string) =>
    Array.from({ length: RECORDS_PER_RESOURCE }, (_, i) => ({
      timeUnixNano: String(now + BigInt(i)),
      observedTimeUnixNano: String(now + 1000n + BigInt(i)),
      severityNumber: i % 3 === 0 ? 17 : 9,
      severityText: i % 3 === 0 ? 'ERROR' : 'INFO',
      body: { stringValue: `${service} line ${i} circuit_id=CKT-E2E-${i % 4} é` },
      attributes: [
        { key: 'circuit_id', value: { stringValue: `CKT-E2E-${i % 4}` } },
        { key: 'attempt', value: { intValue: String(i) } },
        { key: 'ok', value: { boolValue: i % 2 === 0 } },
      ],
      ...(i < 5 ? { traceId, spanId: `${'0'.repeat(14)}${String(i + 1).padStart(2, '0')}` } : {}),
    }));
  return {
    resourceLogs: [
      {
        resource: resourceAttrs({ 'service.name': 'beorn', 'host.name': 'server-124' }),
        scopeLogs: [{ scope: { name: 'e2e', version: '1.0.0' }, logRecords: records('beorn') }],
      },
      {
        resource: resourceAttrs({ 'service.name': 'mdso', 'deployment.environment.name': 'lab', 'service.version': '7.1' }),
        scopeLogs: [{ scope: { name: 'bp' }, logRecords: records('mdso') }],
      },
    ],
  };
}

describe('OTLP logs to Loki: through the gateway and shipped by the engine, the same', () => {
  let set: ProcessSet;
  let gateway: RunningGateway;
  let engine: EngineReplica;
  let lokiOtlpFile: string;
  let viaGateway: LokiStandIn | undefined;
  let viaEngine: LokiStandIn | undefined;

  beforeAll(async () => {
    set = new ProcessSet(join(dir, 'procs'));
    const p = await namedPorts(['grpc', 'http', 'health', 'telemetry', 'prometheus', 'tempoGrpc', 'tempoHttp', 'lokiOtlp']);
    const sink = writeSinkConfig(dir, { tempoGrpc: p.tempoGrpc, tempoHttp: p.tempoHttp, lokiOtlpHttp: p.lokiOtlp });
    lokiOtlpFile = sink.lokiOtlpFile;
    await startSinkCollector(set, 'sink', sink.config, `http://127.0.0.1:${p.tempoHttp}/`);
    const forwardTo = `http://127.0.0.1:${p.lokiOtlp}/otlp/v1/logs`;
    viaGateway = new LokiStandIn(forwardTo);
    viaEngine = new LokiStandIn(forwardTo);
    const gatewayLoki = await viaGateway.listen(0);
    const engineLoki = await viaEngine.listen(0);
    engine = await EngineReplica.create('engine', join(dir, 'engine-data'), {
      LOKI_URL: engineLoki,
      LOKI_EXPORT_OTLP_LOGS: 'true',
      EXPORT_LINGER_MS: '50',
    });
    await engine.start();
    gateway = await startGateway(set, 'gateway', {
      ...gatewayEnv(
        p,
        { engine: `${engine.url}/api/otlp`, tempoGrpc: `127.0.0.1:${p.tempoGrpc}`, lokiOtlp: `${gatewayLoki}/otlp` },
        join(dir, 'storage'),
      ),
      DEPLOYMENT_ENV: 'e2e',
    });
  }, 120_000);

  afterAll(async () => {
    await set?.stopAll();
    await engine?.stop();
    await viaGateway?.close();
    await viaEngine?.close();
    if (failed) console.log(`engine-loki-otlp test artifacts: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  it('every record arrives once by each road, resource and record identical', async () => {
    expect((await postJson(`${gateway.httpUrl}/v1/logs`, request())).status).toBe(200);
    const sent = 2 * RECORDS_PER_RESOURCE;
    const records = await waitFor(
      'both roads to deliver every record to the sink',
      () => {
        const all = sinkRecords(lokiOtlpFile);
        return all.length >= 2 * sent && all;
      },
      30_000,
    );
    expect(records).toHaveLength(2 * sent);
    const counts = new Map<string, number>();
    for (const r of records) counts.set(r, (counts.get(r) ?? 0) + 1);
    expect(counts.size).toBe(sent);
    expect([...counts.values()].every((n) => n === 2)).toBe(true);
    // The labels Loki would index: the gateway's choice, on both roads.
    const labels = [...counts.keys()].map((r) => {
      const attrs = (JSON.parse(r) as { resource: { key: string; value: { stringValue?: string } }[] }).resource;
      const get = (k: string) => attrs.find((a) => a.key === k)?.value.stringValue;
      return `${get('service')}/${get('env')}`;
    });
    expect(new Set(labels)).toEqual(new Set(['beorn/e2e', 'mdso/e2e']));
  }, 60_000);
});
