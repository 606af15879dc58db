// LogThrottle: at most one line per key per interval, carrying the weight left out since the
// key's previous line; a bounded number of keys, the stalest forgotten first.
import { describe, expect, it } from 'vitest';
import { LogThrottle } from '../src/log-throttle.js';

describe('LogThrottle', () => {
  it('remembers a bounded number of keys, forgetting the stalest first', () => {
    let nowMs = 0;
    const throttle = new LogThrottle(() => nowMs, 3);
    for (const client of ['a', 'b', 'c', 'd', 'e']) expect(throttle.record(client)).toBe(0);
    expect(throttle.size).toBe(3);
    // 'e' is remembered (left out), 'a' was forgotten (logged again as new).
    expect(throttle.record('e')).toBeUndefined();
    expect(throttle.record('a')).toBe(0);
    nowMs = 1000;
    expect(throttle.record('e')).toBe(1);
    for (let i = 0; i < 10_000; i += 1) throttle.record(`client-${i}`);
    expect(throttle.size).toBe(3);
  });

  it('carries the weight left out, not the count, when occurrences weigh more than one', () => {
    let nowMs = 0;
    const throttle = new LogThrottle(() => nowMs, 16, 10_000);
    expect(throttle.record('400', 200)).toBe(0);
    expect(throttle.record('400', 200)).toBeUndefined();
    expect(throttle.record('400', 50)).toBeUndefined();
    // Another key has its own interval.
    expect(throttle.record('413', 7)).toBe(0);
    nowMs = 9_999;
    expect(throttle.record('400', 1)).toBeUndefined();
    nowMs = 10_000;
    expect(throttle.record('400', 200)).toBe(251);
    expect(throttle.record('400', 200)).toBeUndefined();
  });
});
