// RecentBuffer's two bounds, count and bytes, with sizes given by the caller.
import { describe, expect, it } from 'vitest';
import { RecentBuffer } from '../../src/correlate/recent-buffer.js';

const sized = (capacity: number, maxBytes: number) => new RecentBuffer<{ id: number; bytes: number }>(capacity, maxBytes, (i) => i.bytes);
const ids = (b: RecentBuffer<{ id: number; bytes: number }>) => {
  const out: number[] = [];
  b.walkNewest(b.end, (item) => out.push(item.id) > 0);
  return out;
};

describe('RecentBuffer', () => {
  it('drops the oldest items past the count bound', () => {
    const b = sized(3, 1000);
    for (let id = 1; id <= 5; id++) b.push({ id, bytes: 10 });
    expect(ids(b)).toEqual([5, 4, 3]);
    expect(b.bytes).toBe(30);
  });

  it('drops the oldest items past the byte bound', () => {
    const b = sized(10, 100);
    for (let id = 1; id <= 4; id++) b.push({ id, bytes: 30 });
    expect(ids(b)).toEqual([4, 3, 2]);
    expect(b.bytes).toBe(90);
    b.push({ id: 5, bytes: 80 });
    expect(ids(b)).toEqual([5]);
  });

  it('refuses, keeping everything else, an item larger than the byte bound', () => {
    const b = sized(10, 100);
    b.push({ id: 1, bytes: 40 });
    expect(b.push({ id: 2, bytes: 101 })).toBe(false);
    expect(ids(b)).toEqual([1]);
  });

  it('shrinks to a lower byte bound, oldest first, and says how many left', () => {
    const b = sized(10, 100);
    for (let id = 1; id <= 5; id++) b.push({ id, bytes: 20 });
    expect(b.setByteLimit(50)).toBe(3);
    expect(ids(b)).toEqual([5, 4]);
    expect(b.bytes).toBe(40);
    b.setByteLimit(100);
    b.push({ id: 6, bytes: 60 });
    expect(ids(b)).toEqual([6, 5, 4]);
  });
});
