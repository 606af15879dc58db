// The ISO 8601 UTC text of an event's times (`2026-11-24T21:40:05.123Z`), as Date#toISOString
// writes it. Why not toISOString itself: V8 runs it through its C++ date code, about a
// microsecond a call, and every event carries two or three such times. Here the text up to the
// minute comes from a small cache (an event's times fall in the same or adjacent minutes, and
// consecutive events in the same ones), and the seconds and milliseconds from tables.

/** First millisecond whose year takes more than four digits (10000-01-01T00:00:00.000Z). */
const FOUR_DIGIT_YEARS_END = 253_402_300_800_000;
const MS_PER_MINUTE = 60_000;

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/** Direct-mapped by minute: `YYYY-MM-DDTHH:MM:` of the minute held in each slot. */
const SLOTS = 8;
const cachedMinutes = new Float64Array(SLOTS).fill(-1);
const cachedPrefixes: string[] = new Array<string>(SLOTS).fill('');

/** `new Date(ms).toISOString()`, the same text (and the same RangeError for an invalid time). */
export function isoTime(ms: number): string {
  // Date truncates a fractional time toward zero; outside years 1970-9999 (or NaN) Date decides.
  const t = Math.trunc(ms);
  if (!(t >= 0 && t < FOUR_DIGIT_YEARS_END)) return new Date(ms).toISOString();
  const minute = Math.floor(t / MS_PER_MINUTE);
  const slot = minute & (SLOTS - 1);
  let prefix = cachedPrefixes[slot] as string;
  if (cachedMinutes[slot] !== minute) {
    prefix = new Date(minute * MS_PER_MINUTE).toISOString().slice(0, 17);
    cachedPrefixes[slot] = prefix;
    cachedMinutes[slot] = minute;
  }
  const inMinute = t - minute * MS_PER_MINUTE;
  const seconds = Math.floor(inMinute / 1000);
  return `${prefix}${TWO_DIGITS[seconds]}.${THREE_DIGITS[inMinute - seconds * 1000]}Z`;
}
