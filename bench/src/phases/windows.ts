// Phase `windows` (BENCH_ONLY=windows). Throughput of an engine holding 1M open windows against one
// holding 1k (O(1) per record in the open windows).
import { RUNS, WINDOWS } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { atLeast, round } from '../report.ts';
import { type Row, type Series, seriesOf, seriesRow, type TimedRun, timedRun, warmUp } from '../series.ts';
import { type Engine, log, openWindows, prefillWindows, startEngine, stop } from '../session.ts';

export const windowsPhase: Phase = {
  name: 'windows',
  async run(r) {
    const { sink, figures, targets } = r;
    // Two engines, one prefilled with ~1k and one with WINDOWS one-span windows (window 3600 s, so
    // nothing closes), both up at once, then the same workload 2 runs against each in turn (small,
    // large, then large, small, ...), so drift of the shared machine falls on both sides. Runs are
    // shorter here because every measured trace also stays open: both engines gain the same
    // number of windows from it.
    const sides = [
      ['small', 1000],
      ['large', WINDOWS],
    ] as const;
    const engines: { label: string; engine: Engine; windows: number; rssBytes: number; runs: TimedRun[]; windowsAtRuns: number[] }[] = [];
    try {
      for (const [label, target] of sides) {
        log(`prefilling an engine with ${target} open windows (window 3600 s)`);
        const engine = await startEngine(
          { LOKI_URL: sink.url, CORR_WINDOW_SECONDS: '3600', CORR_MAX_OPEN_WINDOWS: String(WINDOWS * 2) },
          `windows-${label}`,
        );
        const tFill = Date.now();
        await prefillWindows(engine.url, target);
        const windows = await openWindows(engine.url);
        const rssBytes = engine.proc.rssBytes();
        log(`prefilled ${windows} open windows in ${round((Date.now() - tFill) / 1000, 1)} s; engine RSS ${round(rssBytes / 1048576)} MiB`);
        engines.push({ label, engine, windows, rssBytes, runs: [], windowsAtRuns: [] });
      }
      for (const e of engines) await warmUp(e.engine.url, 'traces', 2);
      for (let i = 0; i < RUNS; i++) {
        const order = i % 2 === 0 ? engines : [...engines].reverse();
        for (const e of order) {
          // Every measured trace stays open too, so each run starts with more windows than the last.
          const before = await openWindows(e.engine.url);
          e.windowsAtRuns.push(before);
          e.runs.push(
            await timedRun(e.engine.url, 'traces', `engine, ${e.windows} windows (${before} open), run ${i + 1}`, e.engine.proc, 5),
          );
        }
      }
    } finally {
      for (const e of engines) await stop(e.engine.proc);
    }
    type Side = { windows: number; rssBytes: number; series: Series; windowsAtRuns: number[] };
    const measured: Record<string, Side> = {};
    for (const e of engines)
      measured[e.label] = { windows: e.windows, rssBytes: e.rssBytes, series: seriesOf(e.runs), windowsAtRuns: e.windowsAtRuns };
    const small = measured.small as Side;
    const large = measured.large as Side;
    figures.windows = {
      smallWindows: small.windows,
      largeWindows: large.windows,
      spansPerSecSmall: round(small.series.itemsPerSec),
      spansPerSecLarge: round(large.series.itemsPerSec),
      engineRssSmallMiB: round(small.rssBytes / 1048576),
      engineRssLargeMiB: round(large.rssBytes / 1048576),
      // In the live engine RSS also holds garbage not yet collected; the child figure below is exact.
      engineRssPerWindowBytes: round((large.rssBytes - small.rssBytes) / Math.max(1, large.windows - small.windows)),
      // Open windows as each timed run began (in run order): the measured traces add to both sides.
      smallWindowsAtRuns: small.windowsAtRuns,
      largeWindowsAtRuns: large.windowsAtRuns,
      small: small.series,
      large: large.series,
    };
    targets.push(
      atLeast(
        `throughput at ${large.windows} vs ${small.windows} prefilled open windows (the measured traces stay open on both)`,
        large.series.itemsPerSec,
        'spans/s',
        small.series.itemsPerSec,
        0.9,
      ),
    );
  },
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[] {
    const rows: Row[] = [];
    if (f.windows) {
      const span = (at: number[] | undefined): string =>
        at && at.length > 0 ? `, ${Math.min(...at)}–${Math.max(...at)} open as runs began` : '';
      rows.push(
        seriesRow(
          `engine prefilled with ${f.windows.smallWindows} open windows${span(f.windows.smallWindowsAtRuns)}`,
          'spans',
          f.windows.small,
        ),
      );
      rows.push(
        seriesRow(
          `engine prefilled with ${f.windows.largeWindows} open windows${span(f.windows.largeWindowsAtRuns)}`,
          'spans',
          f.windows.large,
        ),
      );
      rows.push(['engine RSS small -> large', `${f.windows.engineRssSmallMiB} -> ${f.windows.engineRssLargeMiB} MiB`, '-', '-']);
    }
    return rows;
  },
};
