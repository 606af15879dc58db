// What a phase of `pnpm bench` is, and what the phases of one run share.
import type { Target } from './report.ts';
import type { Row, Series } from './series.ts';
import type { Sink } from './session.ts';

export interface BenchRun {
  /** The Loki/OTLP stand-in every engine of the run delivers to, unless a phase starts its own. */
  sink: Sink;
  /** bench/results.json `figures`: each phase writes its own key. */
  figures: Record<string, unknown>;
  targets: Target[];
  /** The engine's saturated rates from the w1 (logs) and w2 (traces) phases, when they ran: the 50% load phases start from them. */
  capacity: { logs?: Series; traces?: Series };
}

export interface Phase {
  /** Its BENCH_ONLY name. */
  name: string;
  run(r: BenchRun): Promise<void>;
  /** Its rows of the printed figures table, from the run's figures (none when it did not run). */
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[];
}
