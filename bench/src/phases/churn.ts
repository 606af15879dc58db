// Phase `churn` (BENCH_ONLY=churn). Steady state at a full window table: an engine held at 1k and
// one held at 1M open windows (CORR_MAX_OPEN_WINDOWS), where every new trace closes the oldest
// window. A figure, not a target: what the windows phase cannot show, since nothing closes there.
import { RUNS, SECONDS, WARMUP, WINDOWS } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { rotateRounds } from '../rounds.ts';
import { compareRounds, type Row, series, seriesRow } from '../series.ts';
import { log, openWindows, prefillWindows, startEngine } from '../session.ts';

export const churnPhase: Phase = {
  name: 'churn',
  async run(r) {
    const { sink, figures } = r;
    // Both sides get the same one-span traces as they were prefilled with, so the window each
    // new trace closes has one shape on both: the two do the same work per span (open a window,
    // close one, build and queue its event), and differ only in how many windows they hold. One
    // engine at a time, in rotating rounds: an engine left up would ship its backlog of events on
    // the shared core while the other is measured.
    const sides = [
      { name: 'small', windows: 1000 },
      { name: 'large', windows: WINDOWS },
    ] as const;
    const measured = await rotateRounds(
      sides,
      RUNS,
      async (side, i) => {
        log(`window churn round ${i}/${RUNS}: an engine held at ${side.windows} open windows`);
        const engine = await startEngine(
          { LOKI_URL: sink.url, CORR_WINDOW_SECONDS: '3600', CORR_MAX_OPEN_WINDOWS: String(side.windows) },
          `churn-${side.name}-${i}`,
        );
        await prefillWindows(engine.url, side.windows);
        return engine;
      },
      async (engine, side) => ({
        series: await series(engine.url, 'prefill', `churn ${side.name}`, engine.proc, SECONDS, WARMUP, 1),
        heldAfter: await openWindows(engine.url),
      }),
    );
    const rounds = measured.map((m) => ({ small: m.small.series, large: m.large.series }));
    const heldAtEnd = { small: measured.map((m) => m.small.heldAfter), large: measured.map((m) => m.large.heldAfter) };
    const c = compareRounds(rounds, 'large', 'small');
    figures.churn = {
      smallWindows: sides[0].windows,
      largeWindows: sides[1].windows,
      openWindowsAfterRuns: heldAtEnd,
      throughputRatio: c.throughputRatio,
      cpuPerSpanRatio: c.cpuPerItemRatio,
      roundRatios: c.roundRatios,
      small: c.baseline,
      large: c.current,
    };
  },
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[] {
    const rows: Row[] = [];
    if (f.churn) {
      const c = f.churn;
      rows.push(seriesRow(`window churn: engine held at ${c.smallWindows} open windows (one-span traces)`, 'spans', c.small));
      rows.push(seriesRow(`window churn: engine held at ${c.largeWindows} open windows (one-span traces)`, 'spans', c.large));
      rows.push([
        `window churn: ${c.largeWindows} / ${c.smallWindows} held windows (median of per-round ratios)`,
        `throughput x${c.throughputRatio}`,
        '-',
        '-',
        `x${c.cpuPerSpanRatio}`,
      ]);
    }
    return rows;
  },
};
