// The order a cluster answer merges the replicas' items in, matching what one replica lists:
// open windows first, newest opened first; closed events by when their window ended; logs by
// their time. Items keep their replica's own order whatever these say (merge-pages.ts).

type Item = Record<string, unknown>;

const ms = (value: unknown): number => (typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : Number.NaN);
const orZero = (n: number): number => (Number.isFinite(n) ? n : 0);
const isOpen = (item: Item): boolean => item.state === 'open';

export function eventOrder(a: Item, b: Item): number {
  const openA = isOpen(a);
  if (openA !== isOpen(b)) return openA ? -1 : 1;
  const field = openA ? 'windowStart' : 'windowEnd';
  return orZero(ms(b[field])) - orZero(ms(a[field]));
}

export function logOrder(a: Item, b: Item): number {
  return orZero(ms(b.timeUnixMs)) - orZero(ms(a.timeUnixMs));
}
