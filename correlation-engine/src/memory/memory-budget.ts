// The memory budget: how close the state that grows with traffic is to the engine's memory limit,
// and which shedding stage that calls for. Pressure is the larger of two ratios:
// - accounted: the bytes every kind of state reports (O(1) sums kept by their owners) against
//   STATE_SHARE of the limit; the rest of the limit is the runtime, code, request parsing and GC
//   headroom, none of which the accounting sees;
// - heap: V8's used heap against HEAP_SHARE of the heap ceiling, read on a timer at most every
//   heapSampleMs (not per record), catching whatever the estimates miss.
// The heap reading includes garbage not yet collected. Ingest is refused on it only once a full
// collection confirms it (see sampleHeap): after a burst, an idle process may go a long time
// without a major GC, and a refusal based on dead bodies would outlast the load by as long.
import type { MemoryLimit } from './memory-limit.js';

export const MEMORY_KINDS = ['windows', 'waiting_logs', 'recent_logs', 'recent_events', 'inflight_bodies', 'export_buffers'] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];
export type AccountedBytes = Record<MemoryKind, number>;

/** In the order they are reached as pressure rises (the stage's index is its metric value). */
export const SHED_STAGES = ['normal', 'close_windows', 'drop_detail', 'refuse_ingest'] as const;
export type ShedStage = (typeof SHED_STAGES)[number];

/** Share of the limit the accounted state may use before pressure reads 1. */
export const STATE_SHARE = 0.5;
/** Share of the heap ceiling (min of V8's heap limit and the memory limit) that reads as pressure 1. */
export const HEAP_SHARE = 0.8;
/** Pressure from which the oldest windows are closed early. */
export const CLOSE_WINDOWS_AT = 0.7;
/** Closing windows aims this low, so it runs in batches, not on every record near the threshold. */
export const CLOSE_WINDOWS_TARGET = 0.65;
/** Pressure from which detail beyond the pressure caps is dropped. */
export const DROP_DETAIL_AT = 0.85;
/** Pressure from which ingest is refused with 503 ... */
export const REFUSE_AT = 0.95;
/** ... until it is back under this (hysteresis: clients are not flipped between 2xx and 503). */
export const RESUME_BELOW = 0.85;

export interface MemoryBudgetOptions {
  limit: MemoryLimit;
  /** V8's heap_size_limit. */
  heapLimitBytes: number;
  /** The real heap in use (process.memoryUsage().heapUsed; tests inject it). */
  heapUsedBytes: () => number;
  /** What each kind of state holds now; must be O(1). */
  accounted: () => AccountedBytes;
  /** Least time between two heap readings (default 250 ms). */
  heapSampleMs?: number;
  /** A full collection (V8's gc), when the runtime offers one; without it heap readings are taken as they are. */
  collectGarbage?: () => void;
  /** Least time between two collections the budget asks for (default 5 s; longer after a slow one). */
  collectEveryMs?: number;
  /** Told the duration of each collection the budget asked for. */
  onCollect?: (durationMs: number) => void;
}

export interface MemoryPressure {
  /** max(stateRatio, heapRatio). */
  ratio: number;
  stateRatio: number;
  heapRatio: number;
  accountedBytes: number;
  heapUsedBytes: number;
}

const percent = (r: number): string => `${Math.round(r * 100)}%`;

export class MemoryBudget {
  readonly limit: MemoryLimit;
  /** Bytes the accounted state may hold (STATE_SHARE of the limit). */
  readonly stateBudgetBytes: number;
  /** Heap bytes that read as pressure 1. */
  readonly heapBudgetBytes: number;
  private readonly options: MemoryBudgetOptions;
  private readonly heapSampleMs: number;
  private heapUsed: number;
  private heapSampledAt = Number.NEGATIVE_INFINITY;
  private nextCollectAt = Number.NEGATIVE_INFINITY;
  private refusing = false;

  constructor(options: MemoryBudgetOptions) {
    this.options = options;
    this.limit = options.limit;
    this.stateBudgetBytes = options.limit.bytes * STATE_SHARE;
    this.heapBudgetBytes = Math.min(options.heapLimitBytes, options.limit.bytes) * HEAP_SHARE;
    this.heapSampleMs = options.heapSampleMs ?? 250;
    this.heapUsed = options.heapUsedBytes();
  }

  /**
   * Reads the real heap unless it was read less than heapSampleMs ago. When the heap alone would
   * start or keep a refusal, a full collection runs first and the reading after it counts.
   * Collections are spaced by collectEveryMs, and by fifty times the last one's duration, so
   * confirming costs at most about 2% of the time even on a large heap.
   */
  sampleHeap(nowMs: number): void {
    if (nowMs - this.heapSampledAt < this.heapSampleMs) return;
    this.heapSampledAt = nowMs;
    this.heapUsed = this.options.heapUsedBytes();
    const collect = this.options.collectGarbage;
    if (collect === undefined || nowMs < this.nextCollectAt || !this.refusalRestsOnHeap()) return;
    const started = performance.now();
    collect();
    const durationMs = performance.now() - started;
    this.nextCollectAt = nowMs + Math.max(this.options.collectEveryMs ?? 5_000, 50 * durationMs);
    this.heapUsed = this.options.heapUsedBytes();
    this.options.onCollect?.(durationMs);
  }

  /** True when the heap reading, and not the accounted state, puts pressure at the refusal threshold. */
  private refusalRestsOnHeap(): boolean {
    const p = this.pressure();
    const threshold = this.refusing ? RESUME_BELOW : REFUSE_AT;
    return p.heapRatio >= threshold && p.stateRatio < threshold;
  }

  accounted(): AccountedBytes {
    return this.options.accounted();
  }

  pressure(): MemoryPressure {
    const a = this.options.accounted();
    let accountedBytes = 0;
    for (const kind of MEMORY_KINDS) accountedBytes += a[kind];
    const stateRatio = accountedBytes / this.stateBudgetBytes;
    const heapRatio = this.heapUsed / this.heapBudgetBytes;
    return { ratio: Math.max(stateRatio, heapRatio), stateRatio, heapRatio, accountedBytes, heapUsedBytes: this.heapUsed };
  }

  /** The stage the current pressure calls for; refusal holds until pressure is under RESUME_BELOW. */
  stage(ratio = this.pressure().ratio): ShedStage {
    if (this.refusing) this.refusing = ratio >= RESUME_BELOW;
    else this.refusing = ratio >= REFUSE_AT;
    if (this.refusing) return 'refuse_ingest';
    if (ratio >= DROP_DETAIL_AT) return 'drop_detail';
    if (ratio >= CLOSE_WINDOWS_AT) return 'close_windows';
    return 'normal';
  }

  /** Bytes to shed to bring pressure down to CLOSE_WINDOWS_TARGET (0 when already there). */
  excessBytes(ratio: number): number {
    return Math.max(0, (ratio - CLOSE_WINDOWS_TARGET) * this.stateBudgetBytes);
  }

  /** Why ingest is refused, for the 503 answer and /ready. */
  refusalReason(p: MemoryPressure): string {
    return (
      `memory pressure ${percent(p.ratio)} of the budget (accounted state ${percent(p.stateRatio)}, heap ${percent(p.heapRatio)}): ` +
      `ingest refused until under ${percent(RESUME_BELOW)}`
    );
  }
}
