// Scale-out with a crash: the real gateway collector with the scale overlay (load_balancing, static
// resolver) in front of three engines, each with its own data directory and its own Loki stand-in,
// all sending correlation spans to one Tempo stand-in. A workload goes to the gateway over ~10 s;
// one replica is SIGKILLed mid-run and started again on the same ports and data directory.
//
// What this proves, and what it does not:
// - At-least-once: every log the gateway acknowledged to the sender reaches a Loki stand-in. The
//   gateway holds what it could not hand to the dead replica in that backend's sending queue and
//   retries until the replica is back (the static list does not change, so no route moves); the
//   engine acknowledges only what its durable queue holds, and the restarted process delivers that
//   queue. A record may arrive twice (a batch the engine took just before the kill is retried by
//   the gateway, or a push delivered but not yet committed is sent again): duplicates are allowed
//   and counted, never required to be zero.
// - The delay is counted: the gateway's own telemetry (failed sends of the load_balancing exporter,
//   retried until accepted) and the restarted engine's counters (records it delivered to Loki that
//   its predecessor had queued).
// - Not exact after a crash: correlation windows live in memory, so a window open on the killed
//   replica is lost; the records of its trace that arrive after the restart open a new window,
//   whose event is partial (fewer spans/logs than the trace has), or there is no event at all when
//   everything had arrived before the kill. Traces on the surviving replicas stay exact.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricSum } from '@obs/test-support/prometheus-text';
import { writeStaticScaleOverlay } from '@obs/test-support/scale-overlay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, startSinkCollector } from '../src/collectors.js';
import { EngineReplica } from '../src/engine-replicas.js';
import { LokiStandIn, type PushedEntry } from '../src/loki-stand-in.js';
import { gatewayEnv, writeSinkConfig } from '../src/otelcol.js';
import { newSpanId, newTraceId, resourceAttrs } from '../src/otlp-payloads.js';
import { namedPorts } from '../src/ports.js';
import { ProcessSet } from '../src/processes.js';
import { appendServiceChain, CHAIN_SERVICES, chainTracesRequest, emptyChain, stringAttr } from '../src/service-chain.js';
import { waitFor } from '../src/wait.js';

const REPLICAS = 3;
const VICTIM = 1;
const TRACES_PER_BATCH = 5;
const BATCH_INTERVAL_MS = 250;
const RUN_MS = 10_000;
/** Victim's Loki refuses pushes from here on, so its durable queue holds a backlog at the kill. */
const REFUSE_AT_MS = 2_500;
const KILL_AT_MS = 3_500;
const DOWN_FOR_MS = 3_000;
const SPANS_PER_TRACE = CHAIN_SERVICES.length;
const LOGS_PER_TRACE = 2;

const dir = mkdtempSync(join(tmpdir(), 'e2e-scale-restart-'));
let failed = false;

interface Batch {
  traceIds: string[];
  /** Ids written into the log bodies (`rec=<id>`), one per log. */
  logIds: string[];
  traces: unknown;
  logs: unknown;
}

/** `count` traces of beorn -> palantir -> arda spans and two logs each; every log body names its record id. */
function batch(n: number, count: number): Batch {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = emptyChain();
  const logRecords: unknown[] = [];
  const traceIds: string[] = [];
  const logIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const traceId = newTraceId();
    traceIds.push(traceId);
    appendServiceChain(spans, traceId, now, [stringAttr('circuit_id', `CIRC-RESTART-${i}`)]);
    for (let k = 0; k < LOGS_PER_TRACE; k++) {
      const id = `b${n}-t${i}-l${k}`;
      logIds.push(id);
      logRecords.push({
        timeUnixNano: String(now),
        severityNumber: 9,
        severityText: 'INFO',
        body: { stringValue: `step ${k} rec=${id}` },
        traceId,
        spanId: newSpanId(),
      });
    }
  }
  const scope = { name: 'e2e-scale-restart' };
  return {
    traceIds,
    logIds,
    traces: chainTracesRequest(spans, scope.name),
    logs: { resourceLogs: [{ resource: resourceAttrs({ 'service.name': 'palantir' }), scopeLogs: [{ scope, logRecords }] }] },
  };
}

/** The record id of a pushed log line; undefined for other entries (correlation events quote their logs' messages). */
const recordId = (e: PushedEntry): string | undefined =>
  e.labels.service === 'palantir' ? e.line.match(/rec=(b\d+-t\d+-l\d+)/)?.[1] : undefined;

interface CorrelationSpan {
  traceId: string;
  spanCount: number;
  logCount: number;
}

/** The engines' `correlation.window` spans the Tempo stand-in wrote (OTLP/JSON lines). */
function correlationSpans(tempoFile: string): CorrelationSpan[] {
  let text = '';
  try {
    text = readFileSync(tempoFile, 'utf8');
  } catch {
    return [];
  }
  const out: CorrelationSpan[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    const doc = JSON.parse(line) as {
      resourceSpans?: {
        scopeSpans?: {
          spans?: { traceId: string; name: string; attributes?: { key: string; value: { intValue?: string } }[] }[];
        }[];
      }[];
    };
    for (const rs of doc.resourceSpans ?? []) {
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          if (span.name !== 'correlation.window') continue;
          const int = (key: string) => Number(span.attributes?.find((a) => a.key === key)?.value.intValue ?? Number.NaN);
          out.push({ traceId: span.traceId, spanCount: int('correlation.span_count'), logCount: int('correlation.log_count') });
        }
      }
    }
  }
  return out;
}

const sleepUntil = (start: number, atMs: number) => new Promise((r) => setTimeout(r, Math.max(0, start + atMs - Date.now())));

describe('scale-out: a replica killed and restarted mid-run behind load_balancing', () => {
  const set = new ProcessSet(join(dir, 'procs'));
  const replicas: EngineReplica[] = [];
  const lokis: LokiStandIn[] = [];
  let gatewayUrl: string;
  let gatewayTelemetryUrl: string;
  let gatewayLog: string;
  let tempoFile: string;

  beforeAll(async () => {
    const p = await namedPorts(['grpc', 'http', 'health', 'telemetry', 'prometheus', 'tempoGrpc', 'tempoHttp', 'lokiOtlp']);
    const sink = writeSinkConfig(dir, { tempoGrpc: p.tempoGrpc, tempoHttp: p.tempoHttp, lokiOtlpHttp: p.lokiOtlp });
    tempoFile = sink.tempoFile;
    await startSinkCollector(set, 'sink', sink.config, `http://127.0.0.1:${p.tempoHttp}/`);
    for (let i = 0; i < REPLICAS; i++) {
      const loki = new LokiStandIn(`http://127.0.0.1:${p.lokiOtlp}/otlp/v1/logs`);
      const lokiUrl = await loki.listen(0);
      lokis.push(loki);
      const replica = await EngineReplica.create(`replica-${i + 1}`, join(dir, `data-${i + 1}`), {
        // Longer than the gateway's batch timeout (1 s) plus a busy machine's delays, so a trace's
        // spans and logs, batched in separate pipelines, still meet in one window.
        CORR_WINDOW_SECONDS: '3',
        LOKI_URL: lokiUrl,
        // Logs that came over OTLP go through the engine's durable queue to Loki too, so each one
        // the engine acknowledged can be followed to its stand-in: as push lines, which the
        // stand-in decodes itself (the OTLP form it would pass on to the sink collector).
        LOKI_EXPORT_OTLP_LOGS: 'true',
        LOKI_OTLP_LOGS_FORM: 'push',
        TEMPO_OTLP_URL: `http://127.0.0.1:${p.tempoHttp}`,
        EXPORT_RETRY_MAX_MS: '1000',
      });
      await replica.start();
      replicas.push(replica);
    }
    const overlay = writeStaticScaleOverlay(
      dir,
      replicas.map((r) => r.grpcEndpoint),
    );
    const targets = {
      engine: `${replicas[0]?.url}/api/otlp`,
      tempoGrpc: `127.0.0.1:${p.tempoGrpc}`,
      lokiOtlp: `http://127.0.0.1:${p.lokiOtlp}/otlp`,
    };
    const gateway = await startGateway(set, 'gateway-scale', gatewayEnv(p, targets, join(dir, 'storage')), [overlay]);
    gatewayUrl = gateway.httpUrl;
    gatewayLog = gateway.proc.logFile;
    gatewayTelemetryUrl = `http://127.0.0.1:${p.telemetry}/metrics`;
  }, 120_000);

  afterAll(async () => {
    await set.stopAll();
    await Promise.all(replicas.map((r) => r.stop()));
    await Promise.all(lokis.map((l) => l.close()));
    if (failed) console.log(`scale restart test artifacts: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing acknowledged, counts what was delayed, and keeps the survivors exact', async () => {
    try {
      const victim = replicas[VICTIM] as EngineReplica;
      const victimLoki = lokis[VICTIM] as LokiStandIn;
      const acknowledged = new Set<string>();
      const traceIds: string[] = [];
      let refusedBeforeKill = 0;
      let refusedBeforeRestart = 0;

      const crash = (async (start: number) => {
        await sleepUntil(start, REFUSE_AT_MS);
        victimLoki.refuseWith = 503;
        await sleepUntil(start, KILL_AT_MS);
        await victim.kill();
        refusedBeforeKill = victimLoki.refusedEntries.length;
        await sleepUntil(start, KILL_AT_MS + DOWN_FOR_MS);
        refusedBeforeRestart = victimLoki.refusedEntries.length;
        await victim.start();
        // Keep refusing until the restarted process has tried once, so that attempt shows what it
        // found queued on disk.
        await waitFor('the restarted replica to push to Loki', async () => victimLoki.refusedEntries.length > refusedBeforeRestart, 10_000);
        victimLoki.refuseWith = undefined;
      })(Date.now());
      crash.catch(() => undefined); // awaited below; a failure must not surface as unhandled meanwhile

      const start = Date.now();
      for (let n = 0; Date.now() - start < RUN_MS; n++) {
        const b = batch(n, TRACES_PER_BATCH);
        traceIds.push(...b.traceIds);
        const [traces, logs] = await Promise.all([
          postJson(`${gatewayUrl}/v1/traces`, b.traces),
          postJson(`${gatewayUrl}/v1/logs`, b.logs),
        ]);
        // The gateway answers 200 once the batch is in its pipeline: that is its acknowledgement.
        expect(traces.status).toBe(200);
        if (logs.status === 200) for (const id of b.logIds) acknowledged.add(id);
        await sleepUntil(start, (n + 1) * BATCH_INTERVAL_MS);
      }
      await crash;
      expect(acknowledged.size).toBe(traceIds.length * LOGS_PER_TRACE);

      const delivered = () => {
        const copies = new Map<string, number>();
        for (const loki of lokis) {
          for (const e of loki.entries) {
            const id = recordId(e);
            if (id) copies.set(id, (copies.get(id) ?? 0) + 1);
          }
        }
        return copies;
      };
      const copies = await waitFor(
        'every acknowledged log to reach a Loki stand-in',
        async () => {
          const c = delivered();
          return [...acknowledged].every((id) => c.has(id)) ? c : undefined;
        },
        40_000,
      );

      // What the killed process had acknowledged and queued, as far as it tried to push it while
      // its Loki refused, was delivered by the restarted process from the same durable queue.
      const triedBeforeKill = new Set(victimLoki.refusedEntries.slice(0, refusedBeforeKill).flatMap((e) => recordId(e) ?? []));
      const victimAccepted = new Set(victimLoki.entries.map((e) => recordId(e)));
      expect(triedBeforeKill.size).toBeGreaterThan(0);
      for (const id of triedBeforeKill) expect(victimAccepted.has(id), `${id} queued before the kill`).toBe(true);
      // The restarted process's first push already carried that backlog, read from disk.
      const firstPushAfterRestart = victimLoki.refusedEntries.slice(refusedBeforeRestart).flatMap((e) => recordId(e) ?? []);
      expect(firstPushAfterRestart.filter((id) => triedBeforeKill.has(id)).length).toBeGreaterThan(0);

      // The gateway's side. Its telemetry counts what the routing tier took and handed on (the
      // per-backend sub-exporters' retries are not exposed as metrics at 0.159), and its log
      // names every retry towards the dead backend: the delay, counted per attempt.
      const gatewayMetrics = await (await fetch(gatewayTelemetryUrl)).text();
      writeFileSync(join(dir, 'gateway-metrics.txt'), gatewayMetrics); // kept with the artifacts on failure
      expect(metricSum(gatewayMetrics, 'otelcol_receiver_accepted_log_records')).toBe(acknowledged.size);
      expect(metricSum(gatewayMetrics, 'otelcol_exporter_sent_log_records', { exporter: 'load_balancing/engines' })).toBe(
        acknowledged.size,
      );
      expect(metricSum(gatewayMetrics, 'otelcol_exporter_send_failed_log_records')).toBe(0);
      const gatewayRetries = readFileSync(gatewayLog, 'utf8')
        .split('\n')
        .filter((line) => line.includes('Will retry') && line.includes(`"endpoint": "${victim.grpcEndpoint}"`)).length;
      expect(gatewayRetries).toBeGreaterThan(0);
      // The engine's side: the restarted process retried its pushes (Loki refused) and then
      // delivered at least the backlog its predecessor had queued.
      const victimMetrics = await victim.metrics();
      const victimSent = metricSum(victimMetrics, 'exporter_sent_total', { exporter: 'loki' });
      const victimRetries = metricSum(victimMetrics, 'exporter_retries_total', { exporter: 'loki' });
      expect(victimSent).toBeGreaterThanOrEqual(triedBeforeKill.size);
      expect(victimRetries).toBeGreaterThan(0);

      const duplicates = [...copies.values()].filter((c) => c > 1).length;

      // Correlation: exact on the survivors, partial or missing for windows open on the victim.
      const ownerOf = new Map<string, number>();
      lokis.forEach((loki, i) => {
        for (const e of loki.entries) if (e.metadata.trace_id) ownerOf.set(e.metadata.trace_id, i);
      });
      const spans = await waitFor(
        'a correlation span for every trace held by a surviving replica',
        async () => {
          const list = correlationSpans(tempoFile);
          const have = new Set(list.map((s) => s.traceId));
          return traceIds.every((t) => ownerOf.get(t) === VICTIM || have.has(t)) ? list : undefined;
        },
        20_000,
      );
      const byTrace = new Map<string, CorrelationSpan[]>();
      for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
      const victimTraces = { complete: 0, partial: 0, missing: 0 };
      for (const traceId of traceIds) {
        const events = byTrace.get(traceId) ?? [];
        if (ownerOf.get(traceId) !== VICTIM) {
          // At-least-once to Tempo: a re-sent event keeps its span, so copies are identical.
          expect(events.length, traceId).toBeGreaterThan(0);
          for (const e of events)
            expect({ spans: e.spanCount, logs: e.logCount }, traceId).toEqual({ spans: SPANS_PER_TRACE, logs: LOGS_PER_TRACE });
          continue;
        }
        // Partial means records missing from a window, never counted twice in one.
        for (const e of events) expect(e.spanCount <= SPANS_PER_TRACE && e.logCount <= LOGS_PER_TRACE, traceId).toBe(true);
        const complete = events.some((e) => e.spanCount === SPANS_PER_TRACE && e.logCount === LOGS_PER_TRACE);
        if (complete) victimTraces.complete++;
        else if (events.length > 0) victimTraces.partial++;
        else victimTraces.missing++;
      }
      const victimTotal = victimTraces.complete + victimTraces.partial + victimTraces.missing;
      expect(victimTotal).toBeGreaterThan(0);
      console.log(
        `[scale-restart] logs acknowledged ${acknowledged.size}, delivered ${copies.size} (${duplicates} with duplicates); ` +
          `victim queued before kill ${triedBeforeKill.size}, restarted process delivered ${victimSent} to Loki after ${victimRetries} retries; ` +
          `gateway retries towards the killed replica ${gatewayRetries}; ` +
          `victim traces ${victimTotal}: complete ${victimTraces.complete}, partial ${victimTraces.partial}, no event ${victimTraces.missing}`,
      );
    } catch (err) {
      failed = true;
      throw err;
    }
  }, 120_000);
});
