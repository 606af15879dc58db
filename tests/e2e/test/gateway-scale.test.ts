// Scale-out, end to end: the real gateway collector with the scale overlay (load_balancing keyed by
// trace id, static resolver here in place of the DNS one) in front of three engines on loopback,
// each receiving OTLP/gRPC on three ports; and, fed the same workload, the shipped gateway in front of one engine.
// Every trace must come out of exactly one replica as the same correlation event the single engine
// makes: same spans, logs, errors, services and keys, and, with the replicas linking across each
// other through the gateway (ENGINE_CLUSTER_GATEWAY_URL, docs/scaling.md "Linking across
// replicas"), the same linked Blue Planet lines and related traces.
//
// Tolerance (stated in docs/scaling.md too): instance ids, window times and event ids differ; the
// related traces are compared as sets (their order is nearest-first on one engine, arrival order
// across replicas); a line carrying both a circuit_id and a resource_id shared with a window may
// name either key as `linkedBy` across replicas (one engine names the circuit). Everything else is
// compared exactly, per trace id. The workload keeps every key below the related-traces cap (10)
// and its records well inside the window, where linking across replicas is exact.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendFor, buildRing, traceRoutingKey } from '@obs/test-support/collector-ring';
import { type RunningEngine, startEngine } from '@obs/test-support/engine';
import { freePort, freePorts } from '@obs/test-support/ports';
import { metricSum } from '@obs/test-support/prometheus-text';
import { writeStaticScaleOverlay } from '@obs/test-support/scale-overlay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway } from '../src/collectors.js';
import { gatewayEnv } from '../src/otelcol.js';
import { newSpanId, newTraceId, resourceAttrs } from '../src/otlp-payloads.js';
import { namedPorts } from '../src/ports.js';
import { ProcessSet } from '../src/processes.js';
import { appendServiceChain, chainTracesRequest, emptyChain, stringAttr } from '../src/service-chain.js';
import { waitFor } from '../src/wait.js';

const REPLICAS = 3;
/** Each replica listed on 3 ports, as the k8s resolver's `ports` lists them (docs/scaling.md). */
const PORTS_PER_REPLICA = 3;
const TRACES = 60;
// Long enough for a cluster round trip (engine -> gateway -> owner -> gateway -> engine, ~0.1 s),
// the single gateway's 1 s batches and the scale gateway's 0.2 s per-backend ones, so every record
// and link lands inside its window on both sides.
const WINDOW_SECONDS = '8';
/** Between the lines sent before the traces, the traces, and the lines sent after them. */
const PHASE_GAP_MS = 1500;

interface Event {
  traceId: string;
  instance: string;
  spanCount: number;
  logCount: number;
  linkedLogCount: number;
  errorCount: number;
  highestSeverity: string | null;
  services: string[];
  keys: Record<string, string[]>;
  relatedTraces: { traceId: string; key: string; value: string }[];
  detail: { logs: { service: string; severity: string; message: string; linkedBy?: { key: string; value: string } }[] };
}

const dir = mkdtempSync(join(tmpdir(), 'e2e-scale-'));
let failed = false;

const circuitOf = (i: number) => `CIRC-SCALE-${i % 12}`;
const resourceOf = (i: number) => `RES-SCALE-${i % 20}`;

/**
 * One trace: beorn -> palantir -> arda spans carrying its circuit id (5 traces per circuit), the
 * arda span also its resource id (3 per resource), two logs with its trace id (one an error for
 * every fifth trace).
 */
function traceWorkload(): { traces: unknown; logs: unknown; traceIds: string[] } {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = emptyChain();
  const logs: unknown[] = [];
  const traceIds: string[] = [];
  for (let i = 0; i < TRACES; i++) {
    const traceId = newTraceId();
    traceIds.push(traceId);
    const circuit = circuitOf(i);
    appendServiceChain(spans, traceId, now, [stringAttr('circuit_id', circuit), stringAttr('request_id', `req-${i}`)], {
      arda: [stringAttr('resource_id', resourceOf(i))],
    });
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
    traces: chainTracesRequest(spans, 'e2e-scale'),
    logs: {
      resourceLogs: [
        { resource: resourceAttrs({ 'service.name': 'palantir' }), scopeLogs: [{ scope: { name: 'e2e-scale' }, logRecords: logs }] },
      ],
    },
  };
}

/**
 * Blue Planet lines without trace context, as Alloy sends them from the MDSO host: keys in the
 * text (the engine extracts them) or, for some, also as attributes (the overlay then routes the
 * line to its key's owner). `phase` makes each line unique; `which` picks the keys.
 */
function blueplanetLines(phase: 'before' | 'after'): { body: unknown; count: number } {
  const lines: { text: string; attrs?: Record<string, string>; error?: boolean }[] = [];
  const first = phase === 'before' ? 0 : 1;
  // Circuits 0, 2, 4, ... before their traces, 1, 3, 5, ... after.
  for (let c = first; c < 12; c += 2) {
    lines.push({ text: `port state change on circuit circuit_id=CIRC-SCALE-${c}`, error: c % 4 === 0 });
    if (c % 3 === 0) lines.push({ text: `provisioning step done for the circuit (${phase})`, attrs: { circuit_id: `CIRC-SCALE-${c}` } });
  }
  for (let r = first; r < 20; r += 4) lines.push({ text: `resource sync resource_id=RES-SCALE-${r}` });
  // Both keys: the window sharing both (trace 1 has CIRC-SCALE-1 and RES-SCALE-1) lists it once.
  lines.push({ text: `reconcile circuit_id=CIRC-SCALE-1 resource_id=RES-SCALE-1 (${phase})` });
  // A key no trace carries: linked nowhere, on one engine or three.
  lines.push({ text: `orphan alarm circuit_id=CIRC-NOBODY-${phase}` });
  const day = new Date().toISOString().slice(0, 10);
  const records = lines.map((line, n) => {
    const ms = String(n).padStart(3, '0');
    const level = line.error ? 'ERROR' : 'WARN';
    return {
      timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
      body: {
        stringValue: `${day} 09:${phase === 'before' ? '10' : '20'}:00,${ms} ${level} [bp-worker-${n}] com.ciena.bp.Orchestrator - ${line.text} #${phase}-${n}`,
      },
      attributes: Object.entries(line.attrs ?? {}).map(([k, v]) => stringAttr(k, v)),
    };
  });
  return {
    count: records.length,
    body: {
      resourceLogs: [
        { resource: resourceAttrs({ 'service.name': 'mdso' }), scopeLogs: [{ scope: { name: 'alloy' }, logRecords: records }] },
      ],
    },
  };
}

async function events(engine: RunningEngine): Promise<Event[]> {
  const res = await fetch(`${engine.url}/api/correlations?limit=1000`);
  return (await res.json()) as Event[];
}

/** A line naming both keys may be linked by either across replicas (see the tolerance above). */
const linkedByOf = (l: Event['detail']['logs'][number]) =>
  !l.linkedBy
    ? '-'
    : l.message.includes('circuit_id=') && l.message.includes('resource_id=')
      ? 'either'
      : `${l.linkedBy.key}=${l.linkedBy.value}`;

/** What must match between a replica's event and the single engine's for one trace. */
const comparable = (e: Event) => ({
  spanCount: e.spanCount,
  logCount: e.logCount,
  linkedLogCount: e.linkedLogCount,
  errorCount: e.errorCount,
  highestSeverity: e.highestSeverity,
  services: [...e.services].sort(),
  keys: Object.fromEntries(Object.entries(e.keys).map(([k, v]) => [k, [...v].sort()])),
  logs: e.detail.logs.map((l) => `${l.service}|${l.severity}|${l.message}|${linkedByOf(l)}`).sort(),
  related: e.relatedTraces.map((r) => r.traceId).sort(),
});

describe('scale-out: load_balancing by trace id in front of three engines, linking across them', () => {
  const set = new ProcessSet(join(dir, 'procs'));
  const replicas: RunningEngine[] = [];
  /**
   * The replicas' OTLP/gRPC endpoints as the static resolver lists them, in replica order: each
   * replica on PORTS_PER_REPLICA ports (ENGINE_OTLP_GRPC_EXTRA_PORTS), each port one backend.
   */
  const backends: string[][] = [];
  let single: RunningEngine;
  let scaleGatewayUrl: string;
  let singleGatewayUrl: string;

  beforeAll(async () => {
    // The scale gateway's cluster receiver: the replicas send it their cluster records.
    const clusterPort = await freePort();
    const engineEnv = (name: string, grpcPorts?: number[]) => ({
      CORR_WINDOW_SECONDS: WINDOW_SECONDS,
      ENGINE_INSTANCE_ID: name,
      ...(grpcPorts
        ? {
            ENGINE_OTLP_GRPC_PORT: String(grpcPorts[0]),
            ENGINE_OTLP_GRPC_EXTRA_PORTS: grpcPorts.slice(1).join(','),
            ENGINE_CLUSTER_GATEWAY_URL: `http://127.0.0.1:${clusterPort}`,
          }
        : {}),
    });
    for (let i = 0; i < REPLICAS; i++) {
      const grpcPorts = await freePorts(PORTS_PER_REPLICA);
      backends.push(grpcPorts.map((p) => `127.0.0.1:${p}`));
      replicas.push(await startEngine({ env: engineEnv(`replica-${i + 1}`, grpcPorts) }));
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
      const env = { ...gatewayEnv(p, targets, join(dir, `storage-${name}`)), GATEWAY_CLUSTER_HTTP_ENDPOINT: `127.0.0.1:${clusterPort}` };
      return (await startGateway(set, name, env, overlays)).httpUrl;
    };
    scaleGatewayUrl = await gateway('gateway-scale', replicas[0]?.url ?? '', [writeStaticScaleOverlay(dir, backends.flat())]);
    singleGatewayUrl = await gateway('gateway-single', single.url, []);
  }, 120_000);

  afterAll(async () => {
    await set.stopAll();
    await Promise.all([...replicas, single].filter(Boolean).map((e) => e.stop()));
    if (failed) console.log(`scale test artifacts: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  it('puts every trace on exactly one replica, with the event one engine makes of it, links and related traces included', async () => {
    try {
      const both = async (path: string, body: unknown) => {
        for (const base of [scaleGatewayUrl, singleGatewayUrl]) expect((await postJson(`${base}${path}`, body)).status).toBe(200);
      };
      const before = blueplanetLines('before');
      const after = blueplanetLines('after');
      const w = traceWorkload();
      await both('/v1/logs', before.body);
      await sleep(PHASE_GAP_MS);
      await both('/v1/traces', w.traces);
      await both('/v1/logs', w.logs);
      await sleep(PHASE_GAP_MS);
      await both('/v1/logs', after.body);
      // A sender cannot forge a cluster record: the overlay strips the mark from user data, so
      // this is one more (key-less) line, not a link to the first trace.
      const forgedLink = `obs.cluster.v1 ${JSON.stringify([w.traceIds[0], 'circuit_id', circuitOf(0), Date.now(), 'FATAL', 'mdso', 'forged', null])}`;
      await both('/v1/logs', {
        resourceLogs: [
          {
            resource: resourceAttrs({ 'service.name': 'mdso' }),
            scopeLogs: [{ logRecords: [{ body: { stringValue: forgedLink }, attributes: [stringAttr('obs.cluster', 'link')] }] }],
          },
        ],
      });
      const byReplica = await waitFor(
        'every trace to close into an event on the replicas and on the single engine',
        async () => {
          const lists = await Promise.all(replicas.map(events));
          const reference = await events(single);
          const total = lists.reduce((n, l) => n + l.length, 0);
          return total >= TRACES && reference.length >= TRACES ? { lists, reference } : undefined;
        },
        40_000,
      );
      const reference = new Map(byReplica.reference.map((e) => [e.traceId, e]));
      const seen = new Map<string, Event>();
      // The ring model (collector-ring.ts) names the replica of every trace: the bench's balance
      // figures and docs/scaling.md's analysis of the ring rest on it being exact.
      const ring = buildRing(backends.flat());
      for (const [i, list] of byReplica.lists.entries()) {
        for (const e of list) {
          expect(seen.has(e.traceId), `trace ${e.traceId} came out of two replicas`).toBe(false);
          seen.set(e.traceId, e);
          expect(backends[i], `the replica of trace ${e.traceId}`).toContain(backendFor(ring, traceRoutingKey(e.traceId)));
        }
      }
      expect([...seen.keys()].sort()).toEqual([...w.traceIds].sort());
      let linked = 0;
      let related = 0;
      for (const traceId of w.traceIds) {
        const one = reference.get(traceId);
        const scaled = seen.get(traceId);
        expect(scaled && comparable(scaled), traceId).toEqual(one && comparable(one));
        expect(scaled?.spanCount).toBe(3);
        linked += scaled?.linkedLogCount ?? 0;
        related += scaled?.relatedTraces.length ?? 0;
      }
      // The workload does link and relate across replicas: every trace has related traces, and
      // every circuit and resource line joined the windows of its key (counted on one engine).
      const referenceLinked = byReplica.reference.reduce((n, e) => n + e.linkedLogCount, 0);
      console.log(`[scale] linked logs ${linked} (one engine ${referenceLinked}), related entries ${related}`);
      expect(referenceLinked).toBeGreaterThan(TRACES);
      for (const e of byReplica.reference) expect(e.relatedTraces.length, e.traceId).toBeGreaterThan(0);

      // Each trace-less line is kept (and exported) once, by the replica it reached; cluster
      // records and the routing attribute are never kept as data.
      const mdsoLines: string[] = [];
      for (const engine of replicas) {
        const kept = (await (await fetch(`${engine.url}/api/logs?limit=500`)).json()) as {
          service: string;
          message: string;
          attributes?: Record<string, unknown>;
        }[];
        expect(kept.length).toBeGreaterThan(0);
        for (const log of kept) {
          expect(log.attributes ?? {}).not.toHaveProperty(['obs.route']);
          expect(log.attributes ?? {}).not.toHaveProperty(['obs.cluster']);
          if (log.service === 'mdso') mdsoLines.push(log.message);
        }
      }
      expect(mdsoLines.length).toBe(before.count + after.count + 1);
      expect(new Set(mdsoLines).size).toBe(mdsoLines.length);
      let late = 0;
      for (const engine of replicas)
        late += metricSum(await (await fetch(`${engine.url}/metrics`)).text(), 'correlation_cluster_records_dropped_total', {
          reason: 'late',
        });
      console.log(`[scale] cluster records that arrived after their window closed: ${late}`);
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
