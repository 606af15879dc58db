// Records for correlator tests (numbered trace ids, a minimal server span) and a correlator on a
// manual clock that counts what its bounds dropped and evicted.
import { Correlator, type CorrelatorOptions } from '../../src/correlate/correlator.js';
import type { NormalizedSpan } from '../../src/model/types.js';
import { ManualClock } from './manual-clock.js';

/** The i-th test trace id (32 hex digits, never all zeros). */
export const traceId = (i: number): string => (i + 1).toString(16).padStart(32, '0');

/** A server span of `beorn` for trace `t` with these business keys. */
export function span(t: string, keys: NormalizedSpan['keys'] = {}, spanId = '00000000000000aa'): NormalizedSpan {
  return {
    traceId: t,
    spanId,
    name: 'GET /api/test',
    service: 'beorn',
    kind: 2,
    startUnixMs: 1000,
    endUnixMs: 1010,
    status: 'OK',
    keys,
  };
}

/**
 * A correlator on a ManualClock (60 s windows, 200 spans and logs per window, `maxOpenWindows`
 * unless the options say otherwise), with every drop counted by reason and evictions counted.
 */
export function correlatorUnderTest(maxOpenWindows: number, options: Partial<CorrelatorOptions> = {}) {
  const clock = new ManualClock();
  const drops: Record<string, number> = {};
  let evictions = 0;
  const c = new Correlator({
    instance: 'i1',
    windowMs: 60_000,
    maxOpenWindows,
    maxSpansPerWindow: 200,
    maxLogsPerWindow: 200,
    now: clock.now,
    onDrop: (reason, n) => {
      drops[reason] = (drops[reason] ?? 0) + n;
    },
    onEvict: () => {
      evictions += 1;
    },
    ...options,
  });
  return { c, clock, drops, evictions: () => evictions };
}
