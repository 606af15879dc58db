// Phase `memory` (BENCH_ONLY=memory). RSS per open window, one-span and keyed shapes, measured in a
// child process with the engine's Correlator.
import { join } from 'node:path';
import { engineNodeFlags } from '../engine-flags.ts';
import { benchDir, engineDir, WINDOWS } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { PINNING, Proc } from '../procs.ts';
import { atMost } from '../report.ts';
import type { Row } from '../series.ts';
import { lastJsonLine, log, track } from '../session.ts';

export const memoryPhase: Phase = {
  name: 'memory',
  async run(r) {
    const { figures, targets } = r;
    // Two shapes (window-memory.ts): one span per window, and keyed windows (3 spans and 2 logs
    // each, 500 circuit ids shared by all), each at 200k and at WINDOWS open windows.
    // With the engine's own Node flags: the young generation they bound is part of the RSS.
    const sizes = [...new Set([200_000, WINDOWS])];
    const flags = engineNodeFlags(engineDir);
    const mem: Record<string, unknown>[] = [];
    for (const shape of ['one-span', 'keyed'] as const) {
      for (const size of sizes) {
        log(`RSS per open window: ${size} ${shape} windows in the engine's Correlator (child process, decoded spans, after GC)`);
        const p = track(
          new Proc(
            process.execPath,
            ['--expose-gc', '--max-old-space-size=8192', ...flags, join(benchDir, 'src/window-memory.ts'), String(size), shape],
            {
              core: PINNING?.server,
            },
          ),
        );
        const m = await lastJsonLine<{ shape: string; windows: number; rssPerWindowBytes: number; heapPerWindowBytes: number }>(
          p,
          'window-memory',
        );
        mem.push(m);
        // The targets: one-span windows at the largest size (issue 2), keyed windows at 200k (issue 13).
        if ((shape === 'one-span' && size === WINDOWS) || (shape === 'keyed' && size === 200_000))
          targets.push(atMost(`RSS per open window, ${shape}, at ${m.windows} windows`, m.rssPerWindowBytes, 'bytes', 1024));
      }
    }
    figures.memory = mem;
  },
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[] {
    const rows: Row[] = [];
    for (const m of f.memory ?? [])
      rows.push([
        `RSS per open window (${m.shape}, ${m.windows})`,
        `${Math.round(m.rssPerWindowBytes)} B (heap ${Math.round(m.heapPerWindowBytes)} B, estimate ${Math.round(m.approxBytesPerWindow)} B; full GC ${Math.round(m.fullGcCpuMs)} ms CPU; young generation ${Math.round(m.youngGenerationMiB)} MiB)`,
        '-',
        '-',
      ]);
    return rows;
  },
};
