// The scale-out phase (issue 17): the real gateway with the scale overlay (load_balancing by trace
// id, static resolver listing each engine on PORTS_PER_REPLICA ports) in front of 3 engines,
// against the same gateway in front of 1 engine, fed the same workload-2 span load at a fixed
// rate. Figures: the share of spans each replica got, and the engines' server CPU per span (sum
// over the replicas / spans they received). Each round runs four setups on fresh processes, so
// drift of the shared machine falls on all; CPU ratios are taken per round, then the median:
// - one engine at the full rate, and three behind one gateway (what three engines cost together);
// - one engine alone at a third of the rate (what each replica gets): per-second and per-request
//   work a replica amortizes over fewer spans, plus, here, three processes time-sharing one core;
// - the control for what balancing costs a replica: the same three engines on the same core, each
//   behind a gateway of its own with a third of the load, so only the balancing differs.
//
// A fixed rate (open loop), not the maximum: the gateway acknowledges spans once they are in its
// queue, so a closed loop would measure the gateway and pile a backlog in front of the engines.
// The engines' own counters say what they received, and the measurement lasts until the gateway
// has handed over everything it acknowledged.
import { replicaShares, worstDeviation } from '@obs/test-support/collector-ring';
import { freePorts } from '@obs/test-support/ports';
import { metricSum } from '@obs/test-support/prometheus-text';
import type { LoadOptions, LoadResult } from './load.ts';
import { type Proc, sleep } from './procs.ts';
import { median, round } from './report.ts';
import { startScaleGateway } from './scale-gateway.ts';
import { tracesWorkload } from './workloads.ts';

export const SCALE_REPLICAS = 3;
/**
 * Each engine listens on this many gRPC ports and the static resolver lists them all: as the k8s
 * resolver's `ports` list does, one engine is several backends on the ring (docs/scaling.md).
 */
export const PORTS_PER_REPLICA = 12;

export interface ScaleOutDeps {
  collectorBin: string;
  work: string;
  /** Cores: the engines share the server core; the gateway runs beside the load generator. */
  engineCore: string | undefined;
  gatewayCore: string | undefined;
  startEngine(env: Record<string, string>, label: string): Promise<{ proc: Proc; url: string }>;
  load(options: LoadOptions): Promise<LoadResult>;
  track(p: Proc): Proc;
  stop(p: Proc): Promise<void>;
  log(msg: string): void;
}

export interface ScaleOutOptions {
  spansPerSec: number;
  seconds: number;
  warmupSeconds: number;
  rounds: number;
}

interface SideRun {
  replicas: number;
  /** Spans the gateway acknowledged in the timed run (2xx). */
  spansSent: number;
  /** Spans each engine received during the timed run (its correlation_records_received_total). */
  spansPerReplica: number[];
  /** Each replica's share of the received spans. */
  shares: number[];
  /** Largest |share - mean| / mean over the replicas. */
  maxShareDeviation: number;
  /**
   * The share of trace ids the exporter's hash ring gives each replica for these addresses
   * (collector-ring.ts), and its worst distance from the mean: what routing alone makes of them.
   */
  ringShares: number[];
  ringDeviation: number;
  /** Sum of the engines' CPU (user + system, /proc) / spans they received, µs. */
  engineCpuUsPerSpan: number;
  /** The gateway's own CPU per span, µs (shown, not a target). */
  gatewayCpuUsPerSpan: number;
  /** Seconds after the load ended until the engines had received what the gateway acknowledged. */
  handOverSeconds: number;
  /** Spans per export request the engines received in the timed run (the gateway's batches). */
  spansPerRequest: number;
}

export interface ScaleOutResult {
  spansPerSec: number;
  rounds: {
    single: SideRun;
    scaled: SideRun;
    singleAtReplicaRate: SideRun;
    gatewayPerEngine: SideRun;
    cpuRatio: number;
    perReplicaCpuRatio: number;
    balancingCpuRatio: number;
  }[];
  /** Median over rounds of (3-replica CPU per span / single-engine CPU per span), same total rate. */
  cpuRatio: number;
  /**
   * Median over rounds of (3-replica CPU per span / one engine's CPU per span at the rate each
   * replica gets): what being one replica behind the balancer costs an engine doing the same work.
   */
  perReplicaCpuRatio: number;
  /**
   * Median over rounds of (3-replica CPU per span / the same 3 engines on the same core, each fed a
   * third of the load by a gateway of its own): what balancing costs a replica, with the sharing
   * of one core (a bench machine's limit, not the deployment's) on both sides.
   */
  balancingCpuRatio: number;
  singleCpuUsPerSpan: number;
  scaledCpuUsPerSpan: number;
  /** One engine at the rate each replica gets (spansPerSec / replicas), median over rounds. */
  singleAtReplicaRateCpuUsPerSpan: number;
  /** The same engines each behind a gateway of its own (the control), median over rounds. */
  gatewayPerEngineCpuUsPerSpan: number;
  /** The gateway's own CPU per span in front of 1 and of 3 engines, medians (shown, not targets). */
  gatewaySingleCpuUsPerSpan: number;
  gatewayScaledCpuUsPerSpan: number;
  /** Worst replica share deviation from the mean over every round. */
  maxShareDeviation: number;
  /** The same for the ring's own shares of each round's addresses (what routing alone gives). */
  ringMaxShareDeviation: number;
  /** Largest |measured share - ring share| over every replica and round, in share (0..1). */
  maxShareVsRing: number;
}

const spansReceived = async (url: string): Promise<number> =>
  metricSum(await (await fetch(`${url}/metrics`)).text(), 'correlation_records_received_total', { signal: 'traces' });

/** Export requests the engine has served on its gRPC ports (all three OTLP services). */
const grpcRequests = async (url: string): Promise<number> =>
  metricSum(await (await fetch(`${url}/metrics`)).text(), 'grpc_server_handling_seconds_count');

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * Waits until the engines together have received `target` more spans than `before`, or their count
 * has not moved for 2 s (then what is missing is reported as not handed over), at most 60 s.
 */
async function handOver(urls: string[], before: number[], target: number): Promise<{ counts: number[]; seconds: number }> {
  const t0 = Date.now();
  let counts = await Promise.all(urls.map(spansReceived));
  let last = sum(counts);
  let lastChange = Date.now();
  while (Date.now() - t0 < 60_000) {
    if (sum(counts) - sum(before) >= target) break;
    if (Date.now() - lastChange > 2_000) break;
    await sleep(200);
    counts = await Promise.all(urls.map(spansReceived));
    if (sum(counts) !== last) {
      last = sum(counts);
      lastChange = Date.now();
    }
  }
  return { counts, seconds: (Date.now() - t0) / 1000 };
}

/** Load results of parallel runs, summed (items, requests, statuses) as one. */
function combined(runs: LoadResult[]): LoadResult {
  const statuses: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const first = runs[0] as LoadResult;
  return {
    ...first,
    requests: sum(runs.map((r) => r.requests)),
    ok: sum(runs.map((r) => r.ok)),
    items: sum(runs.map((r) => r.items)),
    itemsPerSec: sum(runs.map((r) => r.itemsPerSec)),
    requestsPerSec: sum(runs.map((r) => r.requestsPerSec)),
    statuses,
    errors: sum(runs.map((r) => r.errors)),
  };
}

/**
 * `replicas` engines on the server core. `gatewayPerEngine` false: one gateway balances the whole
 * load across all of them (the deployment measured). True: each engine has a gateway of its own
 * and 1/replicas of the load (the control: the same engines sharing the same core, no balancing).
 */
async function runSide(
  deps: ScaleOutDeps,
  o: ScaleOutOptions,
  replicas: number,
  label: string,
  requestRate: number,
  gatewayPerEngine = false,
): Promise<SideRun> {
  const engines: { proc: Proc; url: string; backends: string[] }[] = [];
  const gateways: Awaited<ReturnType<typeof startScaleGateway>>[] = [];
  try {
    for (let i = 0; i < replicas; i++) {
      // In one call, so that no port is handed out twice; each engine binds its own before the next picks.
      const ports = await freePorts(PORTS_PER_REPLICA);
      const [grpc, ...extra] = ports as [number, ...number[]];
      const engine = await deps.startEngine(
        {
          ENGINE_OTLP_GRPC_PORT: String(grpc),
          ENGINE_OTLP_GRPC_EXTRA_PORTS: extra.join(','),
          ENGINE_INSTANCE_ID: `replica-${i + 1}`,
        },
        `${label}-${i + 1}`,
      );
      engines.push({ ...engine, backends: ports.map((p) => `127.0.0.1:${p}`) });
    }
    const backends = engines.map((e) => e.backends);
    for (const group of gatewayPerEngine ? backends : [backends.flat()]) {
      const gateway = await startScaleGateway(deps.collectorBin, deps.work, group, deps.gatewayCore);
      deps.track(gateway.proc);
      gateways.push(gateway);
    }
    const urls = engines.map((e) => e.url);
    const load = async (durationMs: number): Promise<LoadResult> =>
      combined(
        await Promise.all(
          gateways.map((g) =>
            deps.load({
              url: g.url,
              workload: 'traces',
              connections: Math.max(4, Math.round(16 / gateways.length)),
              warmupMs: 0,
              rate: requestRate / gateways.length,
              durationMs,
            }),
          ),
        ),
      );
    const warm = await load(o.warmupSeconds * 1000);
    const zero = urls.map(() => 0);
    const warmed = await handOver(urls, zero, warm.items);
    const before = warmed.counts;
    const requests0 = sum(await Promise.all(urls.map(grpcRequests)));
    const cpu0 = engines.map((e) => e.proc.cpuSeconds());
    const gatewayCpu0 = gateways.map((g) => g.proc.cpuSeconds());
    const run = await load(o.seconds * 1000);
    const after = await handOver(urls, before, run.items);
    const cpu = sum(engines.map((e, i) => e.proc.cpuSeconds() - (cpu0[i] as number)));
    const gatewayCpu = sum(gateways.map((g, i) => g.proc.cpuSeconds() - (gatewayCpu0[i] as number)));
    // Read after the CPU, as before it: rendering /metrics is not work the figure should count.
    const requests = sum(await Promise.all(urls.map(grpcRequests))) - requests0;
    const spansPerReplica = after.counts.map((c, i) => c - (before[i] as number));
    const received = sum(spansPerReplica);
    const mean = received / replicas;
    const shares = spansPerReplica.map((n) => (received > 0 ? n / received : 0));
    const ring = replicaShares(backends);
    const side: SideRun = {
      replicas,
      spansSent: run.items,
      spansPerReplica,
      shares: shares.map((s) => round(s, 4)),
      maxShareDeviation: round(Math.max(...spansPerReplica.map((n) => (mean > 0 ? Math.abs(n - mean) / mean : 1))), 4),
      ringShares: ring.map((s) => round(s, 4)),
      ringDeviation: round(worstDeviation(ring), 4),
      engineCpuUsPerSpan: received > 0 ? round((cpu * 1e6) / received, 3) : Number.NaN,
      gatewayCpuUsPerSpan: received > 0 ? round((gatewayCpu * 1e6) / received, 3) : Number.NaN,
      handOverSeconds: round(after.seconds, 1),
      spansPerRequest: requests > 0 ? round(received / requests, 1) : Number.NaN,
    };
    deps.log(
      `${label}: ${run.items} spans acknowledged by the gateway, ${received} received by ${replicas} engine(s) ` +
        `(${spansPerReplica.join(' / ')}${replicas > 1 && !gatewayPerEngine ? `; the ring's shares ${ring.map((s) => `${round(s * 100, 1)}%`).join(' / ')}` : ''}), ${side.engineCpuUsPerSpan} µs engine CPU/span, ${side.spansPerRequest} spans/request, ` +
        `gateway ${side.gatewayCpuUsPerSpan} µs/span, handed over ${side.handOverSeconds} s after the load${run.errors || run.ok < run.requests ? `; non-2xx ${JSON.stringify(run.statuses)}, errors ${run.errors}` : ''}`,
    );
    return side;
  } finally {
    for (const g of gateways) await deps.stop(g.proc);
    for (const e of engines) await deps.stop(e.proc);
  }
}

export async function runScaleOut(deps: ScaleOutDeps, o: ScaleOutOptions): Promise<ScaleOutResult> {
  // The load generator builds the same bodies (same seed, 64 of them): their mean size turns the
  // span rate into a request rate.
  const bodies = tracesWorkload(64).bodies;
  const spansPerRequest = sum(bodies.map((b) => b.items)) / bodies.length;
  const requestRate = o.spansPerSec / spansPerRequest;
  const rounds: ScaleOutResult['rounds'] = [];
  // The first setup the phase starts ran 20-30% over the same setup in later rounds, in every run
  // so far, whichever phase came before: one uncounted run of the three replicas takes that.
  deps.log(`scale-out warm-up: gateway (load_balancing) -> ${SCALE_REPLICAS} engines, not counted`);
  await runSide(deps, o, SCALE_REPLICAS, 'scale-warm-up', requestRate);
  for (let r = 1; r <= o.rounds; r++) {
    deps.log(
      `scale-out round ${r}/${o.rounds}: gateway -> 1 engine, gateway -> 1 engine at 1/${SCALE_REPLICAS} of the rate, then gateway (load_balancing) -> ${SCALE_REPLICAS} engines and ${SCALE_REPLICAS} x (gateway -> 1 engine at 1/${SCALE_REPLICAS}), in turn first`,
    );
    const single = await runSide(deps, o, 1, `scale-r${r}-single`, requestRate);
    const singleAtReplicaRate = await runSide(deps, o, 1, `scale-r${r}-single-at-replica-rate`, requestRate / SCALE_REPLICAS);
    // The balanced replicas and their control run back to back, each going first every other
    // round, so that drift of the machine between the two falls on both alike.
    const balanced = (): Promise<SideRun> => runSide(deps, o, SCALE_REPLICAS, `scale-r${r}-replicas`, requestRate);
    const control = (): Promise<SideRun> => runSide(deps, o, SCALE_REPLICAS, `scale-r${r}-gateway-per-engine`, requestRate, true);
    let scaled: SideRun;
    let gatewayPerEngine: SideRun;
    if (r % 2 === 1) {
      scaled = await balanced();
      gatewayPerEngine = await control();
    } else {
      gatewayPerEngine = await control();
      scaled = await balanced();
    }
    rounds.push({
      single,
      scaled,
      singleAtReplicaRate,
      gatewayPerEngine,
      cpuRatio: round(scaled.engineCpuUsPerSpan / single.engineCpuUsPerSpan, 3),
      perReplicaCpuRatio: round(scaled.engineCpuUsPerSpan / singleAtReplicaRate.engineCpuUsPerSpan, 3),
      balancingCpuRatio: round(scaled.engineCpuUsPerSpan / gatewayPerEngine.engineCpuUsPerSpan, 3),
    });
  }
  return {
    spansPerSec: o.spansPerSec,
    rounds,
    cpuRatio: round(median(rounds.map((r) => r.cpuRatio)), 3),
    perReplicaCpuRatio: round(median(rounds.map((r) => r.perReplicaCpuRatio)), 3),
    balancingCpuRatio: round(median(rounds.map((r) => r.balancingCpuRatio)), 3),
    singleCpuUsPerSpan: round(median(rounds.map((r) => r.single.engineCpuUsPerSpan)), 3),
    scaledCpuUsPerSpan: round(median(rounds.map((r) => r.scaled.engineCpuUsPerSpan)), 3),
    singleAtReplicaRateCpuUsPerSpan: round(median(rounds.map((r) => r.singleAtReplicaRate.engineCpuUsPerSpan)), 3),
    gatewayPerEngineCpuUsPerSpan: round(median(rounds.map((r) => r.gatewayPerEngine.engineCpuUsPerSpan)), 3),
    gatewaySingleCpuUsPerSpan: round(median(rounds.map((r) => r.single.gatewayCpuUsPerSpan)), 3),
    gatewayScaledCpuUsPerSpan: round(median(rounds.map((r) => r.scaled.gatewayCpuUsPerSpan)), 3),
    maxShareDeviation: Math.max(...rounds.map((r) => r.scaled.maxShareDeviation)),
    ringMaxShareDeviation: Math.max(...rounds.map((r) => r.scaled.ringDeviation)),
    maxShareVsRing: round(
      Math.max(...rounds.flatMap((r) => r.scaled.shares.map((s, i) => Math.abs(s - (r.scaled.ringShares[i] as number))))),
      4,
    ),
  };
}
