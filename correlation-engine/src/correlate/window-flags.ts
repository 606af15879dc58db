// A window's small facts in one number: whether it continues a trace that closed a window
// before, whether a cap left spans or logs out of its detail, its highest severity, and how many
// trace-less logs joined it. As separate fields they cost a pointer-sized slot each on every one
// of up to a million open windows, for values that fit a few bits and change rarely.
//
// Layout: bit 0 continuation, bit 1 spans capped, bit 2 logs capped, bits 3-5 the highest
// severity's rank + 1 (0: none yet), and the linked-log count times 64 above them. The count is
// read and written with arithmetic, not shifts, so it stays exact past 32 bits (a small integer,
// unboxed, below 2^25 linked logs); `&` on the low bits is exact for any integer count, since
// ToInt32 keeps the low 32 bits.
import type { Window } from './state.js';

const CONTINUATION = 1;
const SPANS_CAPPED = 2;
const LOGS_CAPPED = 4;
const RANK_SHIFT = 3;
const RANK_MASK = 7 << RANK_SHIFT;
const LINKED_LOG = 64;

/** The flags of a new window. */
export const initialFlags = (continuation: boolean): number => (continuation ? CONTINUATION : 0);

/** True when the window's trace closed a window before. */
export const isContinuation = (w: Window): boolean => (w.flags & CONTINUATION) !== 0;

/** True when the span cap left spans out of the detail. */
export const spansCapped = (w: Window): boolean => (w.flags & SPANS_CAPPED) !== 0;

/** True when the log cap left logs out of the detail. */
export const logsCapped = (w: Window): boolean => (w.flags & LOGS_CAPPED) !== 0;

/** True when a cap left any record out of the detail (the window then keeps its own services). */
export const anyCapped = (w: Window): boolean => (w.flags & (SPANS_CAPPED | LOGS_CAPPED)) !== 0;

export function markSpansCapped(w: Window): void {
  if (!spansCapped(w)) w.flags += SPANS_CAPPED;
}

export function markLogsCapped(w: Window): void {
  if (!logsCapped(w)) w.flags += LOGS_CAPPED;
}

/** The highest severity's position in SEVERITIES, or -1 when no record had one. */
export const highestRank = (w: Window): number => ((w.flags & RANK_MASK) >> RANK_SHIFT) - 1;

/** Raises the highest severity to `rank` when it is higher. */
export function raiseRank(w: Window, rank: number): void {
  const current = highestRank(w);
  if (rank > current) w.flags += (rank - current) << RANK_SHIFT;
}

/** Trace-less logs that joined the window through a business key. */
export const linkedLogCount = (w: Window): number => Math.floor(w.flags / LINKED_LOG);

export function countLinkedLog(w: Window): void {
  w.flags += LINKED_LOG;
}
