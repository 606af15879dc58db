import { describe, expect, it } from 'vitest';
import { normalizeSpanId, normalizeTraceId, parseTraceparent } from '../../src/model/ids.js';

describe('ids', () => {
  it.each([
    ['4bf92f3577b34da6a3ce929d0e0e4736', '4bf92f3577b34da6a3ce929d0e0e4736'],
    ['4BF92F3577B34DA6A3CE929D0E0E4736', '4bf92f3577b34da6a3ce929d0e0e4736'],
    ['00000000000000000000000000000001', '00000000000000000000000000000001'],
    ['00000000000000000000000000000000', undefined],
    ['4bf92f3577b34da6a3ce929d0e0e473', undefined],
    ['4bf92f3577b34da6a3ce929d0e0e47360', undefined],
    ['4bf92f3577b34da6a3ce929d0e0e473g', undefined],
    ['4bf92f35-77b3-4da6-a3ce-929d0e0e', undefined],
    ['4bf92f3577b34da6a3ce929d0e0e473\u0660', undefined],
    [42, undefined],
    [undefined, undefined],
    [null, undefined],
  ])('normalizeTraceId(%j) -> %j', (input, want) => {
    expect(normalizeTraceId(input)).toBe(want);
  });

  it.each([
    ['00f067aa0ba902b7', '00f067aa0ba902b7'],
    ['00F067AA0BA902B7', '00f067aa0ba902b7'],
    ['0000000000000000', undefined],
    ['00f067aa0ba902b', undefined],
    ['00f067aa0ba902bz', undefined],
    [{}, undefined],
  ])('normalizeSpanId(%j) -> %j', (input, want) => {
    expect(normalizeSpanId(input)).toBe(want);
  });

  it('parseTraceparent', () => {
    expect(parseTraceparent('00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
    });
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x')).toBeUndefined();
    expect(parseTraceparent('0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent('00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01')).toBeUndefined();
  });
});
