// Phase `visibility` (BENCH_ONLY=visibility). Issue 18: how soon a record is visible as an open
// window, on the API and on the live stream, at 50% load.
import { metricSum } from '@obs/test-support/prometheus-text';
import { CONNECTIONS, PROBE_ENV, SECONDS, WARMUP } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { sleep } from '../procs.ts';
import { atMost, quantile, round } from '../report.ts';
import { halfLoadRates, type Row, type Series, series } from '../series.ts';
import { load, log, startEngine, stop } from '../session.ts';
import { probeVisibility } from '../visibility-probe.ts';

export const visibilityPhase: Phase = {
  name: 'visibility',
  async run(r) {
    const { sink, figures, targets } = r;
    const { logs: w1Engine, traces: w2Engine } = r.capacity;
    // Issue 18: how soon a record is visible as an open window, on the API and on the live stream,
    // at 50% load (each workload at a quarter of its own maximum, as the mixed phase). Without
    // the w1/w2 phases in this run, their maxima are measured here first (one short run each).
    const capacity = async (workload: 'logs' | 'traces'): Promise<Series> => {
      const engine = await startEngine({ LOKI_URL: sink.url }, `visibility-capacity-${workload}`);
      const s = await series(engine.url, workload, `engine capacity (${workload})`, engine.proc, SECONDS, WARMUP, 1);
      await stop(engine.proc);
      return s;
    };
    const w1 = w1Engine ?? (await capacity('logs'));
    const w2 = w2Engine ?? (await capacity('traces'));
    const { logsRate, tracesRate } = halfLoadRates(w1, w2);
    log(`visibility at 50% load: ${round(logsRate)} log req/s + ${round(tracesRate)} span req/s, probe every 100 ms (API and live stream)`);
    const engine = await startEngine({ LOKI_URL: sink.url, ...PROBE_ENV }, 'visibility');
    const seconds = Math.max(SECONDS, 12);
    const common = { url: engine.url, warmupMs: 1000, durationMs: seconds * 1000 };
    const [logs, traces, probe] = await Promise.all([
      load({ ...common, workload: 'logs', connections: CONNECTIONS.logs, rate: logsRate }),
      load({ ...common, workload: 'traces', connections: CONNECTIONS.traces, rate: tracesRate }),
      (async () => {
        await sleep(1500);
        return probeVisibility(engine.url, (seconds - 2) * 1000);
      })(),
    ]);
    // The engine's own account of the same span for every batch it took (correlation_visibility_seconds,
    // from the batch's arrival in the handler): a probe late by a second while the engine counts no
    // batch that late waited outside its handler (sockets, the probe's own process).
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    await stop(engine.proc);
    const engineSide = (surface: string) => {
      const batches = metricSum(metrics, 'correlation_visibility_seconds_count', { surface });
      return { batches, over1s: batches - metricSum(metrics, 'correlation_visibility_seconds_bucket', { surface, le: '1' }) };
    };
    const stats = (ms: number[]) => ({
      seen: ms.length,
      p50Ms: round(quantile(ms, 0.5), 1),
      p99Ms: round(quantile(ms, 0.99), 1),
      maxMs: round(Math.max(0, ...ms), 1),
    });
    const api = stats(probe.apiMs);
    const stream = stats(probe.streamMs);
    const accept = stats(probe.acceptMs);
    const engineApi = engineSide('api');
    const engineStream = engineSide('stream');
    figures.visibility = {
      probes: probe.probes,
      api,
      stream,
      accept,
      engine: { api: engineApi, stream: engineStream },
      logsRecordsPerSec: round(logs.itemsPerSec),
      tracesSpansPerSec: round(traces.itemsPerSec),
      logsP99Ms: round(logs.p99Ms, 2),
      tracesP99Ms: round(traces.p99Ms, 2),
    };
    log(
      `visibility: API p50 ${api.p50Ms} ms p99 ${api.p99Ms} ms; stream p50 ${stream.p50Ms} ms p99 ${stream.p99Ms} ms; ` +
        `the probe's POST answered p50 ${accept.p50Ms} ms p99 ${accept.p99Ms} ms (${probe.probes} probes); ` +
        `engine side, batches over 1 s: API ${engineApi.over1s} of ${engineApi.batches}, ` +
        `stream ${engineStream.over1s} of ${engineStream.batches}`,
    );
    // A probe never seen counts as infinitely late.
    const p99 = (s: { seen: number; p99Ms: number }) => (s.seen < probe.probes ? Number.POSITIVE_INFINITY : s.p99Ms);
    targets.push(atMost('visibility p99 at 50% load (record sent -> open window on GET /api/correlations/:traceId)', p99(api), 'ms', 1000));
    targets.push(atMost('visibility p99 at 50% load (record sent -> update on the live stream)', p99(stream), 'ms', 1000));
  },
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[] {
    const rows: Row[] = [];
    if (f.visibility) {
      const v = f.visibility;
      // The engine's side: how many of all its batches (the load's and the probe's) took over 1 s.
      const engineNote = (e: { batches: number; over1s: number } | undefined) =>
        e ? `; engine: ${e.over1s} of ${e.batches} batches over 1 s` : '';
      rows.push([
        'visibility at 50% load: API (open window)',
        `${v.api.seen}/${v.probes} probes${engineNote(v.engine?.api)}`,
        v.api.p50Ms,
        v.api.p99Ms,
      ]);
      rows.push([
        'visibility at 50% load: live stream',
        `${v.stream.seen}/${v.probes} probes${engineNote(v.engine?.stream)}`,
        v.stream.p50Ms,
        v.stream.p99Ms,
      ]);
      if (v.accept)
        rows.push([
          "visibility at 50% load: the probe's POST answered",
          `${v.accept.seen}/${v.probes} probes`,
          v.accept.p50Ms,
          v.accept.p99Ms,
        ]);
    }
    return rows;
  },
};
