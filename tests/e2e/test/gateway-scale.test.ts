// Scale-out, end to end: the real gateway collector with the scale overlay (load_balancing keyed by
// trace id, static resolver here in place of the DNS one) in front of three engines on loopback,
// each receiving OTLP/gRPC; and, fed the same workload, the shipped gateway in front of one engine.
// Every trace must come out of exactly one replica as the same correlation event the single engine
// makes: same spans, logs, errors, services and keys.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningEngine, startEngine } from '@obs/test-support/engine';
import { freePort } from '@obs/test-support/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway } from '../src/collectors.js';
import { gatewayEnv, scaleOverlay } from '../src/otelcol.js';
import { newSpanId, newTraceId, resourceAttrs } from '../src/otlp-payloads.js';
import { namedPorts } from '../src/ports.js';
import { ProcessSet } from '../src/processes.js';
import { waitFor } from '../src/wait.js';

const REPLICAS = 3;
const TRACES = 60;
const WINDOW_SECONDS = '2';

interface Event {
  traceId: string;
  instance: string;
  spanCount: number;
  logCount: number;
  errorCount: number;
  services: string[];
  keys: Record<string, string[]>;
}

const dir = mkdtempSync(join(tmpdir(), 'e2e-scale-'));
let failed = false;

/**
 * The shipped overlay with its DNS resolver swapped for a static list of the replicas' gRPC
 * endpoints (the one line that differs from compose, where the service name resolves to them).
 */
function staticOverlay(endpoints: string[]): string {
  const shipped = readFileSync(scaleOverlay, 'utf8');
  const dnsBlock = / {4}resolver:\n {6}dns:\n(?: {8}.*\n)+/;
  expect(shipped).toMatch(dnsBlock);
  const file = join(dir, 'otel-config.scale.static.yaml');
  writeFileSync(file, shipped.replace(dnsBlock, `    resolver:\n      static:\n        hostnames: [${endpoints.join(', ')}]\n`));
  return file;
}

/** One trace: beorn -> palantir -> arda spans carrying its circuit id, two logs with its trace id (one an error for every fifth trace). */
function workload(): { traces: unknown; logs: unknown; traceIds: string[] } {
  const now = BigInt(Date.now()) * 1_000_000n;
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const spans: Record<string, unknown[]> = { beorn: [], palantir: [], arda: [] };
  const logs: unknown[] = [];
  const traceIds: string[] = [];
  for (let i = 0; i < TRACES; i++) {
    const traceId = newTraceId();
    traceIds.push(traceId);
    const circuit = `CIRC-SCALE-${i % 8}`;
    let parent: string | undefined;
    for (const service of ['beorn', 'palantir', 'arda']) {
      const spanId = newSpanId();
      spans[service]?.push({
        traceId,
        spanId,
        ...(parent ? { parentSpanId: parent } : {}),
        name: `GET /${service}`,
        kind: 2,
        startTimeUnixNano: String(now - 5_000_000n),
        endTimeUnixNano: String(now),
        attributes: [str('circuit_id', circuit), str('request_id', `req-${i}`)],
      });
      parent = spanId;
    }
    for (const n of [0, 1]) {
      const error = n === 1 && i % 5 === 0;
      logs.push({
        timeUnixNano: String(now),
        severityNumber: error ? 17 : 9,
        severityText: error ? 'ERROR' : 'INFO',
        body: { stringValue: `step ${n} of trace ${i} circuit_id=${circuit}` },
        traceId,
        spanId: newSpanId(),
      });
    }
  }
  return {
    traceIds,
    traces: {
      resourceSpans: Object.entries(spans).map(([service, list]) => ({
        resource: resourceAttrs({ 'service.name': service }),
        scopeSpans: [{ scope: { name: 'e2e-scale' }, spans: list }],
      })),
    },
    logs: {
      resourceLogs: [
        { resource: resourceAttrs({ 'service.name': 'palantir' }), scopeLogs: [{ scope: { name: 'e2e-scale' }, logRecords: logs }] },
      ],
    },
  };
}

async function events(engine: RunningEngine): Promise<Event[]> {
  const res = await fetch(`${engine.url}/api/correlations?limit=1000`);
  return (await res.json()) as Event[];
}

const comparable = (e: Event) => ({
  spanCount: e.spanCount,
  logCount: e.logCount,
  errorCount: e.errorCount,
  services: e.services,
  keys: e.keys,
});

describe('scale-out: load_balancing by trace id in front of three engines', () => {
  const set = new ProcessSet(join(dir, 'procs'));
  const replicas: RunningEngine[] = [];
  let single: RunningEngine;
  let scaleGatewayUrl: string;
  let singleGatewayUrl: string;

  beforeAll(async () => {
    const engineEnv = (name: string, grpcPort?: number) => ({
      CORR_WINDOW_SECONDS: WINDOW_SECONDS,
      ENGINE_INSTANCE_ID: name,
      ...(grpcPort ? { ENGINE_OTLP_GRPC_PORT: String(grpcPort) } : {}),
    });
    const grpcPorts: number[] = [];
    for (let i = 0; i < REPLICAS; i++) {
      const grpcPort = await freePort();
      grpcPorts.push(grpcPort);
      replicas.push(await startEngine({ env: engineEnv(`replica-${i + 1}`, grpcPort) }));
    }
    single = await startEngine({ env: engineEnv('single') });

    // Nothing listens on the Tempo/Loki ports: only the engine path matters here.
    const gateway = async (name: string, engineUrl: string, overlays: string[]): Promise<string> => {
      const p = await namedPorts(['grpc', 'http', 'health', 'telemetry', 'prometheus', 'tempoGrpc', 'lokiOtlp']);
      const targets = {
        engine: `${engineUrl}/api/otlp`,
        tempoGrpc: `127.0.0.1:${p.tempoGrpc}`,
        lokiOtlp: `http://127.0.0.1:${p.lokiOtlp}/otlp`,
      };
      return (await startGateway(set, name, gatewayEnv(p, targets, join(dir, `storage-${name}`)), overlays)).httpUrl;
    };
    scaleGatewayUrl = await gateway('gateway-scale', replicas[0]?.url ?? '', [staticOverlay(grpcPorts.map((p) => `127.0.0.1:${p}`))]);
    singleGatewayUrl = await gateway('gateway-single', single.url, []);
  }, 120_000);

  afterAll(async () => {
    await set.stopAll();
    await Promise.all([...replicas, single].filter(Boolean).map((e) => e.stop()));
    if (failed) console.log(`scale test artifacts: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  it('puts every trace on exactly one replica, with the event one engine makes of it', async () => {
    try {
      const w = workload();
      for (const base of [scaleGatewayUrl, singleGatewayUrl]) {
        expect((await postJson(`${base}/v1/traces`, w.traces)).status).toBe(200);
        expect((await postJson(`${base}/v1/logs`, w.logs)).status).toBe(200);
      }
      const byReplica = await waitFor(
        'every trace to close into an event on the replicas and on the single engine',
        async () => {
          const lists = await Promise.all(replicas.map(events));
          const reference = await events(single);
          const total = lists.reduce((n, l) => n + l.length, 0);
          return total >= TRACES && reference.length >= TRACES ? { lists, reference } : undefined;
        },
        60_000,
      );
      const reference = new Map(byReplica.reference.map((e) => [e.traceId, e]));
      const seen = new Map<string, Event>();
      for (const list of byReplica.lists) {
        for (const e of list) {
          expect(seen.has(e.traceId), `trace ${e.traceId} came out of two replicas`).toBe(false);
          seen.set(e.traceId, e);
        }
      }
      expect([...seen.keys()].sort()).toEqual([...w.traceIds].sort());
      for (const traceId of w.traceIds) {
        const one = reference.get(traceId);
        const scaled = seen.get(traceId);
        expect(scaled && comparable(scaled), traceId).toEqual(one && comparable(one));
        expect(scaled?.spanCount).toBe(3);
        expect(scaled?.logCount).toBe(2);
      }
      // The routing attribute the overlay adds is dropped by the engines, never kept as data.
      for (const engine of replicas) {
        const kept = (await (await fetch(`${engine.url}/api/logs?limit=200`)).json()) as { attributes?: Record<string, unknown> }[];
        expect(kept.length).toBeGreaterThan(0);
        for (const log of kept) expect(log.attributes ?? {}).not.toHaveProperty(['obs.route']);
      }
      // Every replica holds a share (60 trace ids over 3 backends).
      const shares = byReplica.lists.map((l) => l.length);
      console.log(`[scale] traces per replica: ${shares.join(', ')}`);
      for (const share of shares) expect(share).toBeGreaterThan(0);
    } catch (err) {
      failed = true;
      throw err;
    }
  }, 120_000);
});
