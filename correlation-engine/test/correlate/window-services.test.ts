// An event lists each service its window's spans and logs named once, in Array#sort's order,
// however many there are, in whatever order and case they came, listed or past a cap.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormalizedLog } from '../../src/model/types.js';
import { correlatorUnderTest, span, traceId } from '../helpers/correlator-records.js';

function log(t: string, service: string): NormalizedLog {
  return {
    traceId: t,
    timeUnixMs: 1000,
    severity: 'INFO',
    service,
    message: 'step done',
    keys: {},
    attributes: {},
    format: 'plain',
    source: 'api',
  };
}

/** The event of one window whose records name `spanServices` (spans) and `logServices` (logs), in that order. */
function servicesOfWindow(spanServices: string[], logServices: string[], cap = 200): string[] {
  const { c, clock } = correlatorUnderTest(10, { maxSpansPerWindow: cap, maxLogsPerWindow: cap });
  const t = traceId(7);
  c.addSpans(spanServices.map((service, i) => ({ ...span(t, {}, (i + 1).toString(16).padStart(16, '0')), service })));
  c.addLogs(logServices.map((service) => log(t, service)));
  clock.advance(60_000);
  const events = c.tick();
  expect(events).toHaveLength(1);
  return events[0]?.services ?? [];
}

const service = fc.oneof(
  fc.constantFrom('beorn', 'palantir', 'arda', 'Arda', 'blueplanet', 'b', 'a', 'ä', 'Z', '\u{1F600}svc', 'ｚ', ''),
  fc.string({ minLength: 1, maxLength: 6 }),
);

describe('event services', () => {
  it('are the distinct services of its records in Array#sort order, from 1 to many', () => {
    fc.assert(
      fc.property(fc.array(service, { minLength: 1, maxLength: 40 }), fc.array(service, { maxLength: 40 }), (spans, logs) => {
        expect(servicesOfWindow(spans, logs)).toEqual([...new Set([...spans, ...logs])].sort());
      }),
      { numRuns: 400 },
    );
  });

  it('are the same when records past the cap are counted but not listed', () => {
    fc.assert(
      fc.property(
        fc.array(service, { minLength: 1, maxLength: 30 }),
        fc.array(service, { maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        (spans, logs, cap) => {
          expect(servicesOfWindow(spans, logs, cap)).toEqual([...new Set([...spans, ...logs])].sort());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('around the size where the search turns to a set: 7 to 10 services, in reverse order and twice', () => {
    for (let n = 7; n <= 10; n++) {
      const names = Array.from({ length: n }, (_, i) => `svc-${String.fromCharCode(106 - i)}`);
      const twice = [...names, ...names.slice().reverse()];
      expect(servicesOfWindow(twice, names)).toEqual([...names].sort());
    }
  });
});
