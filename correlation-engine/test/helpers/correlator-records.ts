// Records for correlator tests: numbered trace ids and a minimal server span.
import type { NormalizedSpan } from '../../src/model/types.js';

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
