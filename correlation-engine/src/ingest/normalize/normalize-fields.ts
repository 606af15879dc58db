// Field extraction shared by the line formats: key=value text (logfmt and free text) and JSON
// objects. Both feed a LogBuilder.

import type { AttributeValue } from '../../model/types.js';
import { FIELD_NAMES, type LogBuilder } from './normalize-builder.js';
import { SHARED_PARENT_MAX_LENGTH } from './normalize-flat.js';
import { severityFromValue } from './normalize-severity.js';
import { timeFromValue } from './normalize-time.js';

const MAX_KEY_LENGTH = 128;

// Fields of a structured record (JSON line, logfmt line, OTLP kvlist body) with a meaning of their
// own rather than "just an attribute".
const MESSAGE = 1;
const LEVEL = 2;
const TIME = 3;
const HOST = 4;
const SERVICE = 5;
const SPECIAL = new Map<string, number>([
  ['message', MESSAGE],
  ['msg', MESSAGE],
  ['level', LEVEL],
  ['lvl', LEVEL],
  ['severity', LEVEL],
  ['levelname', LEVEL],
  ['log.level', LEVEL],
  ['time', TIME],
  ['timestamp', TIME],
  ['ts', TIME],
  ['@timestamp', TIME],
  ['host', HOST],
  ['hostname', HOST],
  ['host.name', HOST],
  ['service', SERVICE],
  ['service.name', SERVICE],
  ['service_name', SERVICE],
]);

// Speed: a key cut out of a line is a fresh string; hashing it for the Map lookups and using it as
// a property name (V8 then looks it up in its string table) dominated parsing a Blue Planet line.
// Known names are matched in place and the literal is used instead.
const KNOWN_KEYS_BY_LENGTH: string[][] = [];
for (const k of [...FIELD_NAMES, ...SPECIAL.keys()]) {
  const sameLength = KNOWN_KEYS_BY_LENGTH[k.length] ?? [];
  sameLength.push(k);
  KNOWN_KEYS_BY_LENGTH[k.length] = sameLength;
}

/** `text.slice(start, end)`, as the shared literal when it is a field name with a meaning. */
export function keyAt(text: string, start: number, end: number): string {
  const known = KNOWN_KEYS_BY_LENGTH[end - start];
  if (known !== undefined) {
    const c = text.charCodeAt(start);
    for (let i = 0; i < known.length; i++) {
      const k = known[i] as string;
      if (k.charCodeAt(0) === c && text.startsWith(k, start)) return k;
    }
  }
  return text.slice(start, end);
}

/**
 * One field of a structured record. Special fields (message, level, time, host, service) set the
 * log's own properties when they parse; otherwise the field goes to keys/ids/attributes.
 */
export function applyStructuredField(b: LogBuilder, key: string, value: unknown, override: boolean): void {
  const special = SPECIAL.get(key);
  // A special field that does not parse (e.g. `level: {}`) is still kept as an attribute.
  if (special !== undefined && applySpecial(b, special, value, override)) return;
  const v = toAttributeValue(value);
  if (v !== undefined) b.field(key, v, override);
}

/** Sets the log property a special field stands for; false when the value does not fit it. */
function applySpecial(b: LogBuilder, special: number, value: unknown, override: boolean): boolean {
  switch (special) {
    case MESSAGE:
      if (typeof value !== 'string') return false;
      b.setMessage(value, override);
      return true;
    case LEVEL: {
      const s = severityFromValue(value);
      if (s === undefined) return false;
      b.setSeverity(s, override);
      return true;
    }
    case TIME: {
      const t = timeFromValue(value);
      if (t === undefined) return false;
      b.setTime(t, override);
      return true;
    }
    case HOST:
      if (typeof value !== 'string' || value.length === 0) return false;
      b.setHost(value, override);
      return true;
    case SERVICE:
      if (typeof value !== 'string' || value.length === 0) return false;
      b.setService(value, override);
      return true;
    default:
      return false;
  }
}

/** Applies every field of a parsed JSON object (or an OTLP kvlist turned into one). */
export function applyObject(b: LogBuilder, obj: Record<string, unknown>, override: boolean): void {
  for (const key in obj) {
    if (Object.hasOwn(obj, key)) applyStructuredField(b, key, obj[key], override);
  }
}

/** Strings, finite numbers and booleans as they are; objects/arrays as (capped) JSON; null dropped. */
export function toAttributeValue(value: unknown): AttributeValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return undefined;
      try {
        return JSON.stringify(value);
      } catch {
        return undefined;
      }
    default:
      return undefined;
  }
}

// Character classes for the key=value scanner, as a table indexed by char code for the checks of
// one character at a time (the key's backward scan, the delimiter before a key).
const KEY_CHAR = new Uint8Array(128);
const VALUE_END = new Uint8Array(128);
for (let c = 48; c <= 57; c++) KEY_CHAR[c] = 1;
for (let c = 65; c <= 90; c++) KEY_CHAR[c] = 1;
for (let c = 97; c <= 122; c++) KEY_CHAR[c] = 1;
for (const ch of '_.-@') KEY_CHAR[ch.charCodeAt(0)] = 1;
// Where an unquoted value ends; the same characters also start a new key.
const VALUE_END_CHARS = ' \t\r\n,;()[]{}"\'';
for (const ch of VALUE_END_CHARS) VALUE_END[ch.charCodeAt(0)] = 1;
// The same class as a regular expression, for the forward search of a value's end. Why: V8 runs a
// character class as compiled native code, while a charCodeAt loop pays a bounds check and a
// dispatch on the string's representation per character, several times the cost over a value of
// tens of characters (ids, circuit names). The key's backward scan stays a loop: no regex runs
// backwards, and keys are short.
const VALUE_END_RE = new RegExp(
  `[${[...VALUE_END_CHARS].map((ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')}]`,
  'g',
);

function isValueEnd(c: number): boolean {
  return c < 128 && VALUE_END[c] === 1;
}

/**
 * Finds `key=value` / `key="quoted value"` pairs in `text` in one left-to-right pass (O(n): its
 * one regular expression is a single character class, which has nothing to backtrack over, so
 * an adversarial line cannot make it slow). With `structured` the text is a logfmt
 * line and msg/level/time/... set the log's properties; otherwise (free text after a header)
 * every pair is an attribute/key/id and never overrides what the header said.
 * Scanning begins at `start` (the text before it is not looked at). Returns the number of pairs found.
 *
 * Speed: most characters of a message are not `=`, so the scan jumps from `=` to `=` with the
 * native indexOf and only looks back from each one for its key (at most MAX_KEY_LENGTH chars,
 * never past the previous pair, so the total work stays linear).
 */
export function scanKeyValues(b: LogBuilder, text: string, structured: boolean, start = 0): number {
  const n = text.length;
  // Values are cut from `text`; a long text must not stay alive behind them (normalize-flat.ts).
  if (n > SHARED_PARENT_MAX_LENGTH) b.copyKept = true;
  let pairs = 0;
  // Everything before `from` is consumed (a previous pair's value, or text before `start`).
  let from = start;
  // Position from which no `"` exists any more; guards the unterminated-quote case, where a
  // naive "search for the closing quote" per pair would make the scan quadratic.
  let noQuoteFrom = n + 1;
  for (let eq = text.indexOf('=', from); eq >= 0; eq = text.indexOf('=', from)) {
    const keyStart = keyStartBefore(text, eq, from);
    if (keyStart < 0) {
      from = eq + 1;
      continue;
    }
    const key = keyAt(text, keyStart, eq);
    let value: string;
    let j = eq + 1;
    if (text.charCodeAt(j) === 34 /* " */ && j + 1 < noQuoteFrom) {
      const close = findClosingQuote(text, j + 1);
      if (close < 0) {
        noQuoteFrom = j + 1;
        value = readBare(text, j + 1);
        j = j + 1 + value.length;
      } else {
        value = unescapeQuoted(text, j + 1, close);
        j = close + 1;
      }
    } else {
      value = readBare(text, j);
      j += value.length;
    }
    if (value.length > 0) {
      if (structured) applyStructuredField(b, key, value, false);
      else b.field(key, value, false);
      // No cap on pairs: the scan is linear in the (already capped) line length, and a business
      // key late in a long line must still be found; the attribute set caps itself.
      pairs++;
    }
    from = j;
  }
  b.pairCount += pairs;
  return pairs;
}

/**
 * Start of the key that ends at `eq`, or -1 when there is none: the key is the run of key
 * characters right before `=`, preceded by a delimiter, the line start or the previous pair
 * (`min`). `a:b=c`, `http://x?a=b` and `=x` have no key.
 */
function keyStartBefore(text: string, eq: number, min: number): number {
  const lowest = Math.max(min, eq - MAX_KEY_LENGTH);
  let p = eq - 1;
  while (p >= lowest) {
    const c = text.charCodeAt(p);
    if (c < 128 && KEY_CHAR[c] === 1) {
      p--;
      continue;
    }
    // Stopped on a non-key character: only a delimiter may precede a key.
    return isValueEnd(c) && p < eq - 1 ? p + 1 : -1;
  }
  // Ran into the consumed region / line start: fine unless the key would be too long or empty.
  if (p < min) return p + 1 < eq ? p + 1 : -1;
  return -1;
}

/** The unquoted value starting at `start`: up to the first value-end character or the text's end. */
function readBare(text: string, start: number): string {
  VALUE_END_RE.lastIndex = start;
  const end = VALUE_END_RE.test(text) ? VALUE_END_RE.lastIndex - 1 : text.length;
  return text.slice(start, end);
}

/** Index of the `"` closing a value that starts at `from`, honouring `\"`; -1 when none. */
function findClosingQuote(text: string, from: number): number {
  let k = text.indexOf('"', from);
  while (k > 0 && text.charCodeAt(k - 1) === 92 /* \ */ && !evenBackslashesBefore(text, k, from)) {
    k = text.indexOf('"', k + 1);
  }
  return k;
}

function evenBackslashesBefore(text: string, k: number, from: number): boolean {
  let count = 0;
  for (let p = k - 1; p >= from && text.charCodeAt(p) === 92; p--) count++;
  return count % 2 === 0;
}

/** `\"` -> `"`, `\\` -> `\`, `\]` -> `]` (RFC 5424 SD escapes are the same set). */
export function unescapeQuoted(text: string, start: number, end: number): string {
  const raw = text.slice(start, end);
  if (raw.indexOf('\\') < 0) return raw;
  let out = '';
  for (let p = 0; p < raw.length; p++) {
    const ch = raw[p] as string;
    const next = raw[p + 1];
    if (ch === '\\' && (next === '"' || next === '\\' || next === ']')) {
      out += next;
      p++;
    } else {
      out += ch;
    }
  }
  return out;
}
