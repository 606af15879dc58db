// Phase `scale` (BENCH_ONLY=scale). Scale-out (issue 17): engines behind the gateway's
// load_balancing exporter; scale-out.ts does the work.
import { collectorBin, SCALE_ROUNDS, SCALE_SPANS_PER_SEC, SECONDS, WARMUP } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { PINNING } from '../procs.ts';
import { atMost, ratioTarget, round } from '../report.ts';
import { runScaleOut, SCALE_REPLICAS } from '../scale-out.ts';
import type { Row } from '../series.ts';
import { load, log, startEngine, stop, track, work } from '../session.ts';

export const scalePhase: Phase = {
  name: 'scale',
  async run(r) {
    const { sink, figures, targets } = r;
    const scale = await runScaleOut(
      {
        collectorBin,
        work,
        engineCore: PINNING?.server,
        gatewayCore: PINNING?.load,
        startEngine: (env, label) => startEngine({ LOKI_URL: sink.url, ...env }, label),
        load,
        track,
        stop,
        log,
      },
      { spansPerSec: SCALE_SPANS_PER_SEC, seconds: SECONDS, warmupSeconds: WARMUP, rounds: SCALE_ROUNDS },
    );
    figures.scale = scale;
    targets.push(
      atMost(
        `scale-out: spans per replica, ${SCALE_REPLICAS} engines behind load_balancing, worst replica's distance from the mean (all ${SCALE_ROUNDS} rounds)`,
        scale.maxShareDeviation * 100,
        '% of mean',
        10,
      ),
      // Per replica: the 3 engines behind load_balancing against the same 3 engines on the same
      // core, each fed the same per-engine rate by a gateway of its own: only the balancing
      // differs. One engine alone at that rate (perReplicaCpuRatio, in the table) also has a core
      // to itself here, which no replica has on a 2-core bench machine; the same total load on one
      // engine (cpuRatio) adds each replica's fixed per-second work, the cost of more engines.
      ratioTarget(
        `scale-out: engine CPU per span, ${SCALE_REPLICAS} replicas behind load_balancing vs the same ${SCALE_REPLICAS} engines each behind its own gateway at the same per-engine rate (${round(SCALE_SPANS_PER_SEC / SCALE_REPLICAS)} spans/s), median of ${SCALE_ROUNDS} interleaved rounds`,
        scale.scaledCpuUsPerSpan,
        'µs/span',
        scale.gatewayPerEngineCpuUsPerSpan,
        scale.balancingCpuRatio,
        '<=',
        1.1,
      ),
    );
  },
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[] {
    const rows: Row[] = [];
    if (f.scale) {
      const rounds = f.scale.rounds.length;
      rows.push([
        `scale-out: gateway -> 1 engine (median of ${rounds} rounds)`,
        `${f.scale.spansPerSec} spans/s offered; gateway CPU ${f.scale.gatewaySingleCpuUsPerSpan} µs/span`,
        '-',
        '-',
        f.scale.singleCpuUsPerSpan,
      ]);
      rows.push([
        `scale-out: gateway -> ${SCALE_REPLICAS} engines, CPU summed (median of ${rounds} rounds)`,
        `${f.scale.spansPerSec} spans/s offered; gateway CPU ${f.scale.gatewayScaledCpuUsPerSpan} µs/span`,
        '-',
        '-',
        f.scale.scaledCpuUsPerSpan,
      ]);
      rows.push([
        `scale-out: gateway -> 1 engine at 1/${SCALE_REPLICAS} of the rate (median of ${rounds} rounds)`,
        `${round(f.scale.spansPerSec / SCALE_REPLICAS)} spans/s offered`,
        '-',
        '-',
        f.scale.singleAtReplicaRateCpuUsPerSpan,
      ]);
      rows.push([
        `scale-out: ${SCALE_REPLICAS} engines / 1 engine at the same total rate, CPU per span (median of per-round ratios)`,
        `x${f.scale.cpuRatio}`,
        '-',
        '-',
        `x${f.scale.cpuRatio}`,
      ]);
      rows.push([
        `scale-out: ${SCALE_REPLICAS} engines / 1 engine alone on the core at the same per-engine rate, CPU per span (median of per-round ratios)`,
        `x${f.scale.perReplicaCpuRatio}`,
        '-',
        '-',
        `x${f.scale.perReplicaCpuRatio}`,
      ]);
      rows.push([
        `scale-out: ${SCALE_REPLICAS} engines behind load_balancing / the same engines each behind its own gateway, CPU per span, per round`,
        // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
        f.scale.rounds.map((r: any) => `x${r.balancingCpuRatio}`).join(' / '),
        '-',
        '-',
        `x${f.scale.balancingCpuRatio}`,
      ]);
      rows.push([
        `scale-out: share of spans per replica, per round (worst distance from the mean ${round(f.scale.maxShareDeviation * 100, 1)}%)`,
        // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
        f.scale.rounds.map((r: any) => r.scaled.shares.map((s: number) => `${round(s * 100, 1)}%`).join(' / ')).join('; '),
        '-',
        '-',
      ]);
      rows.push([
        `scale-out: the ring's own shares for each round's addresses (worst distance from the mean ${round(f.scale.ringMaxShareDeviation * 100, 1)}%; measured within ${round(f.scale.maxShareVsRing * 100, 1)} points of them)`,
        // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
        f.scale.rounds.map((r: any) => r.scaled.ringShares.map((s: number) => `${round(s * 100, 1)}%`).join(' / ')).join('; '),
        '-',
        '-',
      ]);
    }
    return rows;
  },
};
