// Timestamp parsing for log lines. Hand-written digit readers instead of Date.parse or a regex:
// Date.parse accepts too much (and varies by form), and this runs for every record.

const DAY_MS = 86_400_000;

// Speed: the parsers return Unix ms (NaN: not a timestamp) and leave where the timestamp ended in
// this variable instead of returning an { ms, end } object: one allocation less per timestamp.
// Parsing is synchronous, so a caller reads it right after its own call with nothing in between.
let parsedEnd = 0;

/** Index right after the timestamp of the last successful parseIsoTimestamp/parseBsdTimestamp. */
export function timestampEnd(): number {
  return parsedEnd;
}

function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** Two digits at i as a number, -1 when not two digits. */
function two(s: string, i: number): number {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

// Speed: the fraction parser reports through these two module variables instead of returning a
// tuple, which saves an allocation per timestamp (parsing is synchronous, so no interleaving).
let fracMs = 0;
let fracEnd = 0;

/** Reads `.123456` / `,123` at i (any number of digits) into fracMs / fracEnd. */
function fraction(s: string, i: number): void {
  fracMs = 0;
  fracEnd = i;
  const c = s.charCodeAt(i);
  if (c !== 46 && c !== 44) return;
  let j = i + 1;
  let value = 0;
  let scale = 1;
  // Only nine digits (ns) carry meaning; keep consuming the rest so `end` is right.
  for (let dg = digit(s, j); dg >= 0; dg = digit(s, ++j)) {
    if (scale < 1e9) {
      value = value * 10 + dg;
      scale *= 10;
    }
  }
  if (j === i + 1) return;
  fracMs = (value * 1000) / scale;
  fracEnd = j;
}

/**
 * Unix ms of a UTC civil time. Integer arithmetic (days-from-civil, proleptic Gregorian) instead
 * of Date.UTC, which showed up as the most expensive call of the whole line parser. Out-of-range
 * days roll over into the next month exactly like Date.UTC.
 */
export function utcMs(year: number, month: number, day: number, h: number, mi: number, sec: number): number {
  return dayStartMs(year, month, day) + h * 3_600_000 + mi * 60_000 + sec * 1000;
}

// Speed: the records of one request are mostly from the same day, so the last day's start is kept
// (one entry), so the divisions below run once per day seen, not once per timestamp.
let cachedDay = Number.NaN;
let cachedDayMs = 0;

function dayStartMs(year: number, month: number, day: number): number {
  const key = year * 10_000 + month * 100 + day;
  if (key === cachedDay) return cachedDayMs;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12; // March = 0
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146_097 + doe - 719_468;
  cachedDay = key;
  cachedDayMs = days * DAY_MS;
  return cachedDayMs;
}

/**
 * `YYYY-MM-DD[T ]HH:MM:SS[(.|,)fraction][Z|+HH:MM|+HHMM|+HH]` starting at `start`.
 * Without a zone the time is taken as UTC: the MDSO host and our servers log in UTC (an Alloy
 * stage can rewrite timestamps if a host does not). Returns Unix ms (the fraction keeps sub-ms
 * digits), NaN when there is no such timestamp; timestampEnd() then says where it ended.
 */
export function parseIsoTimestamp(s: string, start: number): number {
  if (s.length < start + 19) return Number.NaN;
  const yHi = two(s, start);
  const yLo = two(s, start + 2);
  if (yHi < 0 || yLo < 0 || s.charCodeAt(start + 4) !== 45 || s.charCodeAt(start + 7) !== 45) return Number.NaN;
  const mo = two(s, start + 5);
  const d = two(s, start + 8);
  const sep = s.charCodeAt(start + 10);
  if (sep !== 84 && sep !== 116 && sep !== 32) return Number.NaN; // T, t or space
  const h = two(s, start + 11);
  const mi = two(s, start + 14);
  const sec = two(s, start + 17);
  if (s.charCodeAt(start + 13) !== 58 || s.charCodeAt(start + 16) !== 58) return Number.NaN;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) {
    return Number.NaN;
  }
  fraction(s, start + 19);
  const frac = fracMs;
  let end = fracEnd;
  let offsetMin = 0;
  const z = s.charCodeAt(end);
  if (z === 90 || z === 122) {
    end++;
  } else if (z === 43 || z === 45) {
    const oh = two(s, end + 1);
    if (oh >= 0 && oh <= 23) {
      let om = 0;
      let zoneEnd = end + 3;
      if (s.charCodeAt(zoneEnd) === 58 && two(s, zoneEnd + 1) >= 0) {
        om = two(s, zoneEnd + 1);
        zoneEnd += 3;
      } else if (two(s, zoneEnd) >= 0) {
        om = two(s, zoneEnd);
        zoneEnd += 2;
      }
      offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
      end = zoneEnd;
    }
  }
  parsedEnd = end;
  return utcMs(yHi * 100 + yLo, mo, d, h, mi, sec) + frac - offsetMin * 60_000;
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// Speed: months by their three char codes packed into one number, so a lookup needs no slice
// (a fresh 3-char string hashed for every line that starts with a capital letter).
const MONTHS = new Map<number, number>(MONTH_NAMES.map((m, i) => [packChars(m, 0), i]));

/** Three ASCII chars at i as one number; -1 when one is missing or not ASCII. */
function packChars(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  return a < 128 && b < 128 && c < 128 ? (a << 16) | (b << 8) | c : -1;
}

/** Month index for a three-letter English abbreviation at i, -1 otherwise. */
export function monthAt(s: string, i: number): number {
  return MONTHS.get(packChars(s, i)) ?? -1;
}

/**
 * RFC 3164 `Mmm dd hh:mm:ss` (day may be space-padded) at `start`. The format has no year: use
 * the year of `nowMs`, or the previous year when that would put the record more than a day in the
 * future (a December line read in January). No zone either: UTC, as above. Returns like
 * parseIsoTimestamp.
 */
export function parseBsdTimestamp(s: string, start: number, nowMs: number): number {
  if (s.length < start + 15 || s.charCodeAt(start + 3) !== 32) return Number.NaN;
  const mo = monthAt(s, start);
  if (mo < 0) return Number.NaN;
  const d1 = s.charCodeAt(start + 4) === 32 ? 0 : digit(s, start + 4);
  const d2 = digit(s, start + 5);
  if (d1 < 0 || d2 < 0 || s.charCodeAt(start + 6) !== 32) return Number.NaN;
  const d = d1 * 10 + d2;
  const h = two(s, start + 7);
  const mi = two(s, start + 10);
  const sec = two(s, start + 13);
  if (s.charCodeAt(start + 9) !== 58 || s.charCodeAt(start + 12) !== 58) return Number.NaN;
  if (d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return Number.NaN;
  // Some relays add fractional seconds (`Nov 24 21:40:08.123`).
  fraction(s, start + 15);
  const year = new Date(nowMs).getUTCFullYear();
  let ms = utcMs(year, mo + 1, d, h, mi, sec) + fracMs;
  if (ms > nowMs + DAY_MS) ms = utcMs(year - 1, mo + 1, d, h, mi, sec) + fracMs;
  parsedEnd = fracEnd;
  return ms;
}

/**
 * An epoch number of unknown unit -> ms, by magnitude: seconds up to 1e11 (year 5138), then ms,
 * µs and ns. Producers disagree (pino: ms, Python: s, Go zap: s or ns).
 */
export function epochToMs(n: number): number | undefined {
  if (!Number.isFinite(n) || n <= 0) return undefined;
  if (n < 1e11) return n * 1000;
  if (n < 1e14) return n;
  if (n < 1e17) return n / 1e3;
  return n / 1e6;
}

/** A timestamp field of a structured record: epoch number, numeric string or ISO string. */
export function timeFromValue(v: unknown): number | undefined {
  if (typeof v === 'number') return epochToMs(v);
  if (typeof v !== 'string' || v.length === 0 || v.length > 64) return undefined;
  const iso = parseIsoTimestamp(v, 0);
  if (!Number.isNaN(iso)) return iso;
  const c = v.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const n = Number(v);
    if (!Number.isNaN(n)) return epochToMs(n);
  }
  // Last resort for RFC 2822 and other forms Date understands; off the common path.
  const parsed = Date.parse(v);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/**
 * OTLP int64 nanoseconds (number or decimal string) -> ms. Strings are split so the sub-ms
 * digits survive: a ns count near 1.8e18 does not fit a double exactly.
 */
export function nanosToMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v / 1e6 : undefined;
  if (typeof v === 'bigint') return v > 0n ? Number(v / 1_000_000n) + Number(v % 1_000_000n) / 1e6 : undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 20) return undefined;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const ms = v.length > 6 ? Number(v.slice(0, v.length - 6)) + Number(v.slice(v.length - 6)) / 1e6 : Number(v) / 1e6;
  return ms > 0 ? ms : undefined;
}
