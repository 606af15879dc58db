// End to end, every part real: ops/test-traffic.sh drives beorn -> palantir -> arda; the apps
// export to the gateway (shipped config); the gateway feeds the engine, the Tempo stand-in and
// Loki's OTLP endpoint; the engine pushes logs/events to Loki and correlation spans to Tempo;
// Prometheus scrapes with the shipped config. Then the engine is stopped for 20 s under traffic
// and the gateway's persistent queue must deliver everything once it is back.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/otelcol.js';
import { type FlatSpan, readLogs, readSpans } from '../src/otlp-json.js';
import { ProcessSet } from '../src/processes.js';
import { promQuery } from '../src/prometheus.js';
import { APPS, E2E_ENV, type Stack, startStack, WINDOW_SECONDS } from '../src/stack.js';
import { waitFor } from '../src/wait.js';

const run = promisify(execFile);
const CORRELATION_SPAN = 'correlation.window';
const OUTAGE_MS = 20_000;

/** The fields of the engine's CorrelationEvent these assertions read. */
interface CorrelationEvent {
  traceId: string;
  spanCount: number;
  services: string[];
}

const dir = mkdtempSync(join(tmpdir(), 'obs-e2e-'));
const summary: string[] = [];
const started = Date.now();
let set: ProcessSet;
let stack: Stack;
let failed = false;

const appSpans = (spans: FlatSpan[]) => spans.filter((s) => (APPS as readonly string[]).includes(s.resource['service.name'] ?? ''));
const byTrace = <T extends { traceId: string }>(items: T[]) => {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(item.traceId, [...(out.get(item.traceId) ?? []), item]);
  return out;
};

async function correlations(query: string): Promise<CorrelationEvent[]> {
  const res = await fetch(`${stack.engineUrl}/api/correlations?${query}`, { signal: AbortSignal.timeout(5_000) });
  expect(res.status).toBe(200);
  return (await res.json()) as CorrelationEvent[];
}

beforeAll(async () => {
  set = new ProcessSet(dir);
  try {
    stack = await startStack(set, dir);
  } catch (err) {
    failed = true; // the tests are skipped, so afterEach never sees a failure
    throw err;
  }
  summary.push(
    `start-up: ${(Date.now() - started) / 1000}s (sinks ${stack.timings.sinks}ms, engine ${stack.timings.engine}ms, gateway ${stack.timings.gateway}ms, apps ${stack.timings.apps}ms, prometheus ${stack.timings.prometheus}ms)`,
  );
}, 120_000);

// Keep every process's log when anything failed (afterAll reads this).
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  await set?.stopAll();
  await stack?.loki.close();
  summary.push(`total: ${(Date.now() - started) / 1000}s; artifacts: ${failed ? dir : 'removed'}`);
  console.log(`\ne2e summary\n  ${summary.join('\n  ')}\n`);
  // Logs of every process stay for a failed run; a green run leaves nothing behind.
  if (!failed) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('pipeline: test traffic through gateway, engine, Loki, Tempo and Prometheus', () => {
  let traces: string[] = [];
  let circuits: string[] = [];

  it('ops/test-traffic.sh gets 2xx for every request through beorn -> palantir -> arda', async () => {
    const t = Date.now();
    const { stdout } = await run('bash', [join(repoRoot, 'ops/test-traffic.sh')], {
      env: {
        ...process.env,
        BEORN_URL: stack.appUrls.beorn,
        ENGINE_URL: stack.engineUrl,
        GATEWAY_OTLP_URL: stack.gateway.httpUrl,
        COUNT: '4',
        CIRCUIT_PREFIX: 'E2E',
        DEPLOY_ENV: E2E_ENV,
      },
      timeout: 60_000,
    });
    traces = stdout.match(/^traces: (.*)$/m)?.[1]?.split(',') ?? [];
    circuits = stdout.match(/^circuits: (.*)$/m)?.[1]?.split(',') ?? [];
    expect(traces).toHaveLength(4);
    expect(circuits).toHaveLength(4);
    summary.push(`test-traffic.sh: ${traces.length} requests in ${Date.now() - t}ms`);
  }, 70_000);

  it('Tempo stand-in has each request as one trace across beorn, palantir and arda (through the gateway)', async () => {
    const grouped = await waitFor(
      'all three services in every trace',
      () => {
        const g = byTrace(appSpans(readSpans(stack.tempoFile)));
        return traces.every((id) => new Set(g.get(id)?.map((s) => s.resource['service.name'])).size === 3) && g;
      },
      20_000,
    );
    for (const id of traces) {
      const spans = grouped.get(id) ?? [];
      expect(spans.every((s) => s.resource['deployment.environment'] === E2E_ENV)).toBe(true);
      // The business keys the apps put on every span.
      expect(spans.some((s) => circuits.includes(s.attributes.circuit_id ?? ''))).toBe(true);
    }
  }, 30_000);

  it('the engine received the apps spans and logs through the gateway and closed one event per request', async () => {
    const t = Date.now();
    // Windows close CORR_WINDOW_SECONDS after their first record.
    const events = await waitFor(
      'a correlation event for every trace',
      async () => {
        const found = await Promise.all(traces.map((id) => correlations(`trace_id=${id}`)));
        return found.every((list) => list.length > 0) && found;
      },
      (WINDOW_SECONDS + 20) * 1000,
      500,
    );
    for (const list of events) {
      const services = new Set(list.flatMap((e) => e.services));
      for (const app of APPS) expect(services).toContain(app);
      expect(list.reduce((n, e) => n + e.spanCount, 0)).toBeGreaterThanOrEqual(3);
    }
    // correlation_records_received_total{signal,service}: which signals arrived from which app.
    const metrics = await (await fetch(`${stack.engineUrl}/metrics`)).text();
    const received = metrics
      .split('\n')
      .filter((line) => line.startsWith('correlation_records_received_total{') && !line.endsWith(' 0'))
      .map((line) => `${line.match(/service="([^"]*)"/)?.[1]}:${line.match(/signal="([^"]*)"/)?.[1]}`);
    for (const app of APPS) {
      expect(
        received,
        metrics
          .split('\n')
          .filter((l) => l.includes('records_received'))
          .join('\n'),
      ).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^${app}:(spans?|traces)$`)),
          expect.stringMatching(new RegExp(`^${app}:logs?$`)),
        ]),
      );
    }
    summary.push(`correlation events for ${traces.length}/${traces.length} traces after ${Date.now() - t}ms`);
  }, 40_000);

  it('Loki stand-in got the engine pushes (labels service+env only; trace_id and keys as metadata)', async () => {
    const entries = await waitFor(
      'pushed entries for every trace',
      () => {
        const ids = new Set(stack.loki.entries.map((e) => e.metadata.trace_id));
        return traces.every((id) => ids.has(id)) && stack.loki.entries;
      },
      20_000,
    );
    for (const entry of entries) {
      expect(Object.keys(entry.labels).sort()).toEqual(['env', 'service']);
    }
    const events = entries.filter((e) => e.labels.service === 'correlation-engine' && traces.includes(e.metadata.trace_id ?? ''));
    expect(events.length).toBeGreaterThanOrEqual(traces.length);
    expect(events.some((e) => circuits.includes(e.metadata.circuit_id ?? ''))).toBe(true);
    expect(stack.loki.pushStatuses.every((s) => s === 204)).toBe(true);
  }, 30_000);

  it('Loki stand-in got the gateway OTLP logs with resource attributes service and env', async () => {
    const logs = await waitFor(
      'app logs of every trace in the Loki OTLP file',
      () => {
        const all = readLogs(stack.lokiOtlpFile);
        return traces.every((id) => all.some((l) => l.traceId === id)) && all;
      },
      20_000,
    );
    const services = new Set(logs.filter((l) => traces.includes(l.traceId)).map((l) => l.resource.service));
    for (const app of APPS) expect(services).toContain(app);
    expect(logs.every((l) => l.resource.env === E2E_ENV && l.resource.service === l.resource['service.name'])).toBe(true);
  }, 30_000);

  it('Tempo stand-in got a synthetic correlation span in each request trace', async () => {
    await waitFor(
      'a correlation.window span for every trace',
      () => {
        const ids = new Set(
          readSpans(stack.tempoFile)
            .filter((s) => s.name === CORRELATION_SPAN)
            .map((s) => s.traceId),
        );
        return traces.every((id) => ids.has(id));
      },
      20_000,
    );
  }, 30_000);

  it('Prometheus (shipped config, targets rewritten) answers correlation_events_total > 0', async () => {
    const t = Date.now();
    // The shipped scrape interval is 15 s: the first scrape after the events can take that long.
    const samples = await waitFor(
      'correlation_events_total > 0',
      async () => {
        const result = await promQuery(stack.prometheusUrl, 'correlation_events_total > 0');
        return result.length > 0 && result;
      },
      40_000,
      1_000,
    );
    expect(Number(samples[0]?.value[1])).toBeGreaterThan(0);
    // Each target has its own offset in the 15 s interval: wait until all three were scraped.
    await waitFor(
      'the engine, gateway and sense-apps targets up',
      async () => {
        const up = await promQuery(stack.prometheusUrl, 'up{job=~"correlation-engine|otel-gateway|sense-apps"} == 1');
        return up.length === 3;
      },
      20_000,
      1_000,
    );
    summary.push(`prometheus: correlation_events_total > 0 after ${Date.now() - t}ms; rewritten ${stack.prometheusTargets.join('; ')}`);
  }, 70_000);

  it('ops/health-checks.sh reports every started component healthy', async () => {
    const { stdout } = await run(
      'bash',
      [join(repoRoot, 'ops/health-checks.sh'), '--only', 'engine,gateway,loki,tempo,prometheus,beorn,palantir,arda'],
      {
        env: {
          ...process.env,
          ENGINE_URL: stack.engineUrl,
          GATEWAY_HEALTH_URL: stack.gateway.healthUrl,
          LOKI_URL: stack.lokiUrl,
          TEMPO_URL: stack.tempoUrl,
          PROMETHEUS_URL: stack.prometheusUrl,
          BEORN_URL: stack.appUrls.beorn,
          PALANTIR_URL: stack.appUrls.palantir,
          ARDA_URL: stack.appUrls.arda,
        },
        timeout: 30_000,
      },
    );
    expect(stdout).toMatch(/health: 9 up, 0 down/);
    summary.push(stdout.trim().split('\n').at(-1) ?? '');
  }, 40_000);
});

describe('fault: the engine is down for 20 s under traffic', () => {
  it('the gateway queue holds and delivers every span after the engine restarts', async () => {
    const t = Date.now();
    let sending = true;
    let sent = 0;
    let failedRequests = 0;
    // Steady traffic (about 4 requests/s) for the whole outage, bounded by the flag below.
    const traffic = (async () => {
      for (let i = 0; sending && i < 1_000; i += 1) {
        const res = await fetch(`${stack.appUrls.beorn}/api/test?circuit_id=FAULT-${i}`, { signal: AbortSignal.timeout(10_000) }).catch(
          () => undefined,
        );
        if (res?.ok) sent += 1;
        else failedRequests += 1;
        await res?.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    let maxQueued = 0;
    const engineQueueSize = async (): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${stack.gatewayPorts.telemetry}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('otelcol_exporter_queue_size{') && l.includes('exporter="otlp_http/engine"') && l.includes('traces'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const faultTraces = () => {
      const grouped = byTrace(appSpans(readSpans(stack.tempoFile)));
      return new Map([...grouped].filter(([, spans]) => spans.some((s) => s.attributes.circuit_id?.startsWith('FAULT-'))));
    };
    try {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await stack.stopEngine();
      const down = Date.now();
      // While the engine is away the batches wait in the gateway's queue for it.
      while (Date.now() - down < OUTAGE_MS) {
        maxQueued = Math.max(maxQueued, await engineQueueSize());
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      await stack.startEngine();
      summary.push(`fault: engine down ${(Date.now() - down) / 1000}s (stop -> restart healthy)`);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      sending = false;
      await traffic;
    }
    expect(failedRequests).toBe(0);
    expect(maxQueued, 'otelcol_exporter_queue_size of otlp_http/engine during the outage').toBeGreaterThan(0);
    // The queue is the persistent one: its file lives in the gateway's file_storage folder.
    expect(readdirSync(join(dir, 'gateway-storage')).some((f) => f.includes('otlp_http') && f.includes('engine'))).toBe(true);
    // Ground truth of what the apps sent: every app span reached the Tempo stand-in (that path
    // never broke). The engine's count per trace is the sum of `correlation.span_count` over the
    // synthetic spans of that trace's windows — from both engine lifetimes, since windows
    // open at shutdown are closed and exported on SIGTERM.
    const deadline = (WINDOW_SECONDS + 45) * 1000;
    let progress = 'no fault traces yet';
    const missing = await waitFor(
      'the engine to account for every span the apps sent',
      () => {
        const expected = faultTraces();
        progress = `${expected.size} of ${sent} request traces in the Tempo stand-in`;
        if (expected.size < sent) return false;
        const counted = new Map<string, number>();
        for (const s of readSpans(stack.tempoFile)) {
          if (s.name !== CORRELATION_SPAN) continue;
          counted.set(s.traceId, (counted.get(s.traceId) ?? 0) + Number(s.attributes['correlation.span_count'] ?? 0));
        }
        const short = [...expected].filter(([id, spans]) => (counted.get(id) ?? 0) < spans.length);
        const lost = short.reduce((n, [id, spans]) => n + spans.length - (counted.get(id) ?? 0), 0);
        progress = `${short.length} of ${expected.size} traces short of spans in the engine (${lost} spans missing)`;
        return short.length === 0 && { expected, counted };
      },
      deadline,
      1_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${progress}`);
    });
    const appTotal = [...missing.expected.values()].reduce((n, spans) => n + spans.length, 0);
    const engineTotal = [...missing.expected.keys()].reduce((n, id) => n + (missing.counted.get(id) ?? 0), 0);
    expect(engineTotal).toBeGreaterThanOrEqual(appTotal);
    summary.push(
      `fault: up to ${maxQueued} batches queued for the engine; ${sent} requests, ${missing.expected.size} traces, apps sent ${appTotal} spans, engine counted ${engineTotal} (no loss; ${engineTotal - appTotal} duplicates from at-least-once) in ${(Date.now() - t) / 1000}s`,
    );
  }, 120_000);
});
