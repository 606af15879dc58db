// Phase `mixed` (BENCH_ONLY=mixed). Both workloads at 50% of the capacity the w1 and w2 phases
// measured, with the correlation-latency probe.
import { CONNECTIONS, PROBE_ENV, SECONDS, WINDOW_SECONDS } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { probeCorrelationLatency } from '../probe.ts';
import { sleep } from '../procs.ts';
import { atMost, quantile, round } from '../report.ts';
import { halfLoadRates, type Row } from '../series.ts';
import { gauge, load, log, startEngine, stop } from '../session.ts';

export const mixedPhase: Phase = {
  name: 'mixed',
  async run(r) {
    const { sink, figures, targets } = r;
    const { logs: w1Engine, traces: w2Engine } = r.capacity;
    if (!w1Engine || !w2Engine) {
      log('mixed: skipped, it runs at half the capacity the w1 and w2 phases measure (BENCH_ONLY without them)');
      return;
    }
    const { logsRate, tracesRate } = halfLoadRates(w1Engine, w2Engine);
    log(`mixed run at 50% load: ${round(logsRate)} log req/s + ${round(tracesRate)} span req/s, with the correlation-latency probe`);
    const engine = await startEngine({ LOKI_URL: sink.url, ...PROBE_ENV }, 'mixed');
    const seconds = Math.max(SECONDS, 12);
    const [logs, traces, probe] = await Promise.all([
      load({
        url: engine.url,
        workload: 'logs',
        connections: CONNECTIONS.logs,
        warmupMs: 1000,
        durationMs: seconds * 1000,
        rate: logsRate,
      }),
      load({
        url: engine.url,
        workload: 'traces',
        connections: CONNECTIONS.traces,
        warmupMs: 1000,
        durationMs: seconds * 1000,
        rate: tracesRate,
      }),
      (async () => {
        await sleep(1500);
        return probeCorrelationLatency(engine.url, WINDOW_SECONDS * 1000, (seconds - 1) * 1000 - WINDOW_SECONDS * 1000);
      })(),
    ]);
    // Whether the exporter kept up at this load: its backlog when the probe is done, and how long
    // it then takes to reach zero (the gauge refreshes every second).
    const depth = () => gauge(engine.url, /^exporter_queue_depth\{[^}]*exporter="loki"[^}]*\} (\d+)/m);
    const lokiBacklog = await depth();
    const tDrain = Date.now();
    while ((await depth()) > 0 && Date.now() - tDrain < 30_000) await sleep(250);
    const lokiDrainSeconds = round((Date.now() - tDrain) / 1000, 1);
    await stop(engine.proc);
    const p99 = quantile(probe.latenciesMs, 0.99);
    figures.mixed = {
      logsRecordsPerSec: round(logs.itemsPerSec),
      logsP50Ms: round(logs.p50Ms, 2),
      logsP99Ms: round(logs.p99Ms, 2),
      tracesSpansPerSec: round(traces.itemsPerSec),
      tracesP50Ms: round(traces.p50Ms, 2),
      tracesP99Ms: round(traces.p99Ms, 2),
      lokiQueueDepthAfter: lokiBacklog,
      lokiDrainSecondsAfter: lokiDrainSeconds,
      correlationLatency: {
        probes: probe.probes,
        seen: probe.seen,
        p50Ms: quantile(probe.latenciesMs, 0.5),
        p99Ms: p99,
        maxMs: Math.max(0, ...probe.latenciesMs),
        windowMs: WINDOW_SECONDS * 1000,
      },
      logs,
      traces,
    };
    const missed = probe.probes - probe.seen;
    // A probe whose event never showed counts as infinitely late.
    targets.push(
      atMost(
        'correlation latency p99 at 50% load (first record -> event visible)',
        missed > 0 ? Number.POSITIVE_INFINITY : p99,
        'ms',
        WINDOW_SECONDS * 1000 + 1000,
      ),
    );
  },
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[] {
    const rows: Row[] = [];
    if (f.mixed) {
      rows.push(['mixed 50%: logs', `${Math.round(f.mixed.logsRecordsPerSec)} records/s`, f.mixed.logsP50Ms, f.mixed.logsP99Ms]);
      rows.push(['mixed 50%: spans', `${Math.round(f.mixed.tracesSpansPerSec)} spans/s`, f.mixed.tracesP50Ms, f.mixed.tracesP99Ms]);
      const c = f.mixed.correlationLatency;
      rows.push([
        'mixed 50%: Loki backlog after the run',
        `${f.mixed.lokiQueueDepthAfter} records, 0 after ${f.mixed.lokiDrainSecondsAfter} s`,
        '-',
        '-',
      ]);
      rows.push(['correlation latency (window 5 s)', `${c.seen}/${c.probes} probes`, c.p50Ms, c.p99Ms]);
    }
    return rows;
  },
};
