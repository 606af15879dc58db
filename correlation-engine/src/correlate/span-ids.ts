// Span ids kept as numbers. The decoders give an OTLP span id (8 bytes) as 16 lowercase hex
// digits: a 32-byte string per span, kept by its open window until it closes. As two 32-bit
// halves in the window's number-only times array (window-detail.ts) the same id costs 16 bytes and
// no object of its own; the string is made again, once, when the event is built. An id of any
// other form (API logs may carry anything) stays a string.

/** The value of the 8 hex digits of `id` from `from`, or -1 when one is not a lowercase hex digit. */
export function hexHalf(id: string, from: number): number {
  let value = 0;
  for (let i = from; i < from + 8; i++) {
    const c = id.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** True when the id is 16 lowercase hex digits, so it can be kept as two halves. */
export const packsAsNumbers = (id: string): boolean => id.length === 16 && hexHalf(id, 0) >= 0 && hexHalf(id, 8) >= 0;

/** True when the id is the one these halves hold. */
export const isIdOf = (id: string, high: number, low: number): boolean =>
  id.length === 16 && hexHalf(id, 0) === high && hexHalf(id, 8) === low;

const codes = new Array<number>(16);
const DIGITS = '0123456789abcdef';

/** The 16-digit id these halves hold, as one flat string (concatenating parts would make a rope). */
export function idOf(high: number, low: number): string {
  for (let i = 7; i >= 0; i--) {
    codes[i] = DIGITS.charCodeAt(high % 16);
    codes[i + 8] = DIGITS.charCodeAt(low % 16);
    high = Math.floor(high / 16);
    low = Math.floor(low / 16);
  }
  return String.fromCharCode(...codes);
}
