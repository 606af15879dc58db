// How sides are measured against each other on a shared machine: fresh engines in rotating rounds,
// or all engines up at once with the load alternating between them at one fixed rate.
import { AB_SLICE_SECONDS, connectionsFor, SECONDS, WARMUP, WINDOW_SECONDS } from './knobs.ts';
import type { LoadOptions } from './load.ts';
import { sleep } from './procs.ts';
import { round } from './report.ts';
import { failures, type Series, series } from './series.ts';
import { type Engine, load, log, stop, track } from './session.ts';

/**
 * Rounds over the sides, each side on a fresh engine, sides in turn (A, B, C, A, B, C, ...):
 * drift of a shared machine then falls on every side alike. `measure` runs on the started engine.
 */
export async function rotateRounds<S extends { name: string }, T>(
  sides: readonly S[],
  roundCount: number,
  start: (side: S, round: number) => Promise<Engine>,
  measure: (engine: Engine, side: S, round: number) => Promise<T>,
): Promise<Record<S['name'], T>[]> {
  const rounds: Record<S['name'], T>[] = [];
  for (let i = 0; i < roundCount; i++) {
    const round = {} as Record<S['name'], T>;
    for (const side of sides) {
      const engine = await start(side, i + 1);
      round[side.name as S['name']] = await measure(engine, side, i + 1);
      await stop(engine.proc);
    }
    rounds.push(round);
  }
  return rounds;
}

/**
 * rotateRounds' `start` for sides that know how to start their server (an engine, a collector, a
 * bare route): says which round and side begins, and tracks the server so a failed run stops it.
 */
export function startEachSide<S extends { name: string; start: () => Promise<Engine> }>(label: string, roundCount: number) {
  return (side: S, n: number): Promise<Engine> => {
    log(`${label} round ${n}/${roundCount}: ${side.name}`);
    return startTracked(side);
  };
}

/** Starts a side's server and tracks it, so a failed run stops it (interleavedRounds logs the round itself). */
export async function startTracked(side: { start: () => Promise<Engine> }): Promise<Engine> {
  const server = await side.start();
  track(server.proc);
  return server;
}

/** One warm-up and one timed closed-loop run per side and round (rotateRounds). */
export function interleavedRounds<S extends { name: string; workload: LoadOptions['workload'] }>(
  label: string,
  sides: readonly S[],
  roundCount: number,
  start: (side: S, round: number) => Promise<Engine>,
  warmup = WARMUP,
): Promise<Record<S['name'], Series>[]> {
  return rotateRounds(
    sides,
    roundCount,
    (side, n) => {
      log(`${label} round ${n}/${roundCount}: ${side.name}`);
      return start(side, n);
    },
    (engine, side) => series(engine.url, side.workload, `${label} ${side.name}`, engine.proc, SECONDS, warmup, 1),
  );
}

/** What alternatingFixedRate measured: server CPU per item of each side over all cycles, and per cycle. */
export interface AlternatingResult<K extends string> {
  total: Record<K, number>;
  cycles: Record<K, number>[];
}

/**
 * Server CPU per item of each side at one fixed rate (open loop, requests/s). All engines run at
 * once on the same core and the load alternates between them in slices of AB_SLICE_SECONDS, the
 * order turning each cycle (A B C, B C A, ...), so drift of the shared machine (other tenants,
 * clock, caches) falls on every side within seconds, where fresh engines started in turn see it
 * over minutes. Each engine's CPU is
 * read from after the warm-ups have settled to after the last slice has (a window length and the
 * exporters' flush), so the windows it closes and the records it exports after its slices are
 * its own and all counted, and divided by the items it answered. The per-cycle figures (a cycle's
 * CPU, whichever slice's work it was, over its slice's items) show the spread.
 * Below saturation every build does the same work in the same time, answering and exporting all
 * of it, so the CPU it spends is its cost for that work.
 */
export async function alternatingFixedRate<S extends { name: string; workload: LoadOptions['workload'] }>(
  label: string,
  sides: readonly S[],
  cycles: number,
  rate: number,
  start: (side: S) => Promise<Engine>,
): Promise<AlternatingResult<S['name']>> {
  const engines: Engine[] = [];
  for (const side of sides) engines.push(await start(side));
  const slice = (side: S, engine: Engine, seconds: number) =>
    load({
      url: engine.url,
      workload: side.workload,
      connections: connectionsFor(side.workload),
      warmupMs: 0,
      durationMs: seconds * 1000,
      rate,
    });
  const settle = () => sleep((WINDOW_SECONDS + 2) * 1000);
  const cpu = () => engines.map((e) => e.proc.cpuSeconds());
  const perItem = (seconds: number, items: number) => (items > 0 ? (seconds * 1e6) / items : 0);
  try {
    for (const [i, side] of sides.entries()) await slice(side, engines[i] as Engine, WARMUP);
    await settle();
    const first = cpu();
    const items = sides.map(() => 0);
    const perCycle: Record<S['name'], number>[] = [];
    for (let c = 1; c <= cycles; c++) {
      const cpu0 = cpu();
      const sliceItems: number[] = sides.map(() => 0);
      const notes: string[] = [];
      // The order turns every cycle (A B C, B C A, C A B, ...): a side that always went first
      // would always meet the machine just after the others' windows closed.
      for (let j = 0; j < sides.length; j++) {
        const i = (j + c - 1) % sides.length;
        const side = sides[i] as S;
        const r = await slice(side, engines[i] as Engine, AB_SLICE_SECONDS);
        sliceItems[i] = r.items;
        items[i] = (items[i] as number) + r.items;
        notes.push(`${side.name} ${r.items} items, p99 ${round(r.p99Ms, 2)} ms${failures(r)}`);
      }
      const cpu1 = cpu();
      const cycle = {} as Record<S['name'], number>;
      for (const [i, side] of sides.entries()) {
        cycle[side.name as S['name']] = perItem((cpu1[i] as number) - (cpu0[i] as number), sliceItems[i] as number);
      }
      log(
        `${label} cycle ${c}/${cycles}: ${sides.map((s) => `${s.name} ${round(cycle[s.name as S['name']], 2)} µs CPU/item`).join(', ')} (${notes.join('; ')})`,
      );
      perCycle.push(cycle);
    }
    await settle();
    const last = cpu();
    const total = {} as Record<S['name'], number>;
    for (const [i, side] of sides.entries()) {
      total[side.name as S['name']] = perItem((last[i] as number) - (first[i] as number), items[i] as number);
    }
    log(`${label}: ${sides.map((s) => `${s.name} ${round(total[s.name as S['name']], 2)} µs CPU/item`).join(', ')} over ${cycles} cycles`);
    return { total, cycles: perCycle };
  } finally {
    for (const e of engines) await stop(e.proc);
  }
}
