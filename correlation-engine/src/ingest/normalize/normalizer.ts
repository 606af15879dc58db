// Turns one raw log line (or one POST /api/logs record) into a NormalizedLog. Pure functions,
// no I/O; they run for every record, so formats are recognised by their first characters and
// parsed by hand-written scanners (see normalize-*.ts) rather than by trying a list of regexes.
import { normalizeSpanId, normalizeTraceId } from '../../model/ids.js';
import type { BusinessKey, NormalizedLog } from '../../model/types.js';
import { LogBuilder } from './normalize-builder.js';
import { applyObject, scanKeyValues } from './normalize-fields.js';
import { SHARED_PARENT_MAX_LENGTH } from './normalize-flat.js';
import { mayStartLevelWord, severityFromSyslogPri, severityFromValue, severityFromWord } from './normalize-severity.js';
import { parseRfc3164, parseRfc5424, readPri } from './normalize-syslog.js';
import { monthAt, parseIsoTimestamp, timeFromValue, timestampEnd } from './normalize-time.js';

export interface LogDefaults {
  service: string;
  env?: string;
  host?: string;
  nowMs: number;
}

/** Only this much of a line is parsed for structure; the message is capped by the builder. */
const MAX_PARSE_LENGTH = 65_536;
/** How many leading words of an unrecognised line may hold its level (`[ERROR]`, `WARN:`). */
const LEVEL_SEARCH_WORDS = 4;

/**
 * Parses one raw line (RFC 5424 incl. structured data, RFC 3164, Blue Planet/Java-style
 * `2026-11-24 21:41:21,123 INFO  [thread] logger - message`, ISO-timestamp + level + JSON payload,
 * JSON lines, key=value text, anything else = plain). Never throws. source:'api'.
 */
export function parseLine(line: string, defaults: LogDefaults): NormalizedLog {
  return parseLineInto(new LogBuilder(), line, defaults.nowMs).build(defaults, 'api');
}

/**
 * The parser behind parseLine, writing into a builder so the OTLP decoder can overlay its own
 * fields afterwards. Never throws: anything unexpected degrades to a plain message.
 */
export function parseLineInto(b: LogBuilder, raw: string, nowMs: number): LogBuilder {
  let line = typeof raw === 'string' ? raw : String(raw);
  if (line.length > SHARED_PARENT_MAX_LENGTH) b.copyKept = true;
  // Trailing newline/CR from file tails; trimEnd returns the same string when there is none.
  line = line.trimEnd();
  if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
  try {
    parseFormats(b, line.length > MAX_PARSE_LENGTH ? line.slice(0, MAX_PARSE_LENGTH) : line, nowMs);
  } catch {
    // Defensive: a parser bug must not lose the record; the raw line is the truthful message.
    b.message = line;
  }
  if (b.message === undefined) b.message = line;
  return b;
}

function parseFormats(b: LogBuilder, line: string, nowMs: number): void {
  if (line.length === 0) {
    b.message = '';
    return;
  }
  const c0 = line.charCodeAt(0);
  // `<PRI>`: syslog. A digit after the PRI is RFC 5424's VERSION, anything else is RFC 3164.
  if (c0 === 60 /* < */) {
    const pri = readPri(line);
    if (pri) {
      const [value, afterPri] = pri;
      const c = line.charCodeAt(afterPri);
      let msgStart = -1;
      if (c >= 49 && c <= 57 && line.charCodeAt(afterPri + 1) === 32) msgStart = parseRfc5424(line, afterPri, value, b);
      if (msgStart < 0) msgStart = parseRfc3164(line, afterPri, value, nowMs, b);
      if (msgStart < 0) {
        // PRI but no recognisable header: the PRI still tells the severity.
        b.setSeverity(severityFromSyslogPri(value), false);
        msgStart = afterPri;
      }
      body(b, line, msgStart, false);
      return;
    }
  }
  if (c0 === 123 /* { */ && jsonBody(b, line, 0)) {
    b.format = 'json';
    return;
  }
  // `2026-11-24...`: ISO / Java-style timestamp header.
  if (c0 >= 48 && c0 <= 57) {
    const ms = parseIsoTimestamp(line, 0);
    if (!Number.isNaN(ms)) {
      timestampedLine(b, line, ms, timestampEnd());
      return;
    }
  }
  // `Nov 24 21:40:08 host tag: msg` without PRI (syslog files on disk).
  if (c0 >= 65 && c0 <= 90 && monthAt(line, 0) >= 0) {
    const msgStart = parseRfc3164(line, 0, -1, nowMs, b);
    if (msgStart >= 0) {
      levelFromLeadingWords(b, line, msgStart);
      body(b, line, msgStart, false);
      return;
    }
  }
  // logfmt (`level=info msg="..." circuit_id=...`): the first word is a key=value pair.
  const firstSpace = line.indexOf(' ');
  const firstEq = line.indexOf('=');
  if (firstEq > 0 && (firstSpace < 0 || firstEq < firstSpace)) {
    if (scanKeyValues(b, line, true) > 0) {
      b.format = 'keyvalue';
      if (b.message === undefined) b.message = line;
      return;
    }
  }
  levelFromLeadingWords(b, line, 0);
  body(b, line, 0, false);
}

/**
 * After an ISO/Java timestamp: `LEVEL [thread] logger - message` (log4j/logback, Blue Planet),
 * `[thread] LEVEL logger - message`, or `LEVEL component: message/JSON`.
 */
function timestampedLine(b: LogBuilder, line: string, ms: number, afterTime: number): void {
  b.setTime(ms, false);
  let i = skipSpaces(line, afterTime);
  let javaStyle = false;
  // Whether this header named a level (not whether the log has one: the record may state its own).
  let levelFound = false;
  // Optional [thread] before the level.
  if (line.charCodeAt(i) === 91 /* [ */) {
    const close = line.indexOf(']', i);
    const inner = close > 0 ? line.slice(i + 1, close) : '';
    const level = close > 0 ? severityFromWord(inner) : undefined;
    if (level) {
      b.setSeverity(level, false);
      levelFound = true;
      i = skipSpaces(line, close + 1);
    } else if (close > 0 && close - i <= 256) {
      b.attribute('thread', inner, false);
      javaStyle = true;
      i = skipSpaces(line, close + 1);
    }
  }
  // Level word (a trailing ':' is tolerated: `ERROR: ...`).
  if (!levelFound) {
    const end = wordEnd(line, i);
    const w = line.charCodeAt(end - 1) === 58 ? line.slice(i, end - 1) : line.slice(i, end);
    const level = severityFromWord(w);
    if (level) {
      b.setSeverity(level, false);
      levelFound = true;
      i = skipSpaces(line, end);
    }
  }
  // Optional [thread] after the level.
  if (!javaStyle && line.charCodeAt(i) === 91) {
    const close = line.indexOf(']', i);
    if (close > 0 && close - i <= 256) {
      b.attribute('thread', line.slice(i + 1, close), false);
      javaStyle = true;
      i = skipSpaces(line, close + 1);
    }
  }
  // `logger - message` or `component: message`.
  const end = wordEnd(line, i);
  if (end > i) {
    if (line.charCodeAt(end) === 32 && line.charCodeAt(end + 1) === 45 && line.charCodeAt(end + 2) === 32) {
      b.attribute('logger', line.slice(i, end), false);
      javaStyle = true;
      i = end + 3;
    } else if (line.charCodeAt(end - 1) === 58 /* : */ && end - i > 1 && line.charCodeAt(end) === 32) {
      b.attribute('logger', line.slice(i, end - 1), false);
      i = end + 1;
    }
  }
  if (javaStyle) b.format = 'blueplanet';
  // `2026-... myapp ERROR boom`: the level was not right after the time; look a little further.
  levelFromLeadingWords(b, line, i);
  body(b, line, i, false);
}

/**
 * The free-text part after a header (`line` from `start`): a JSON object payload is parsed as
 * such; otherwise the text is the message and its key=value pairs are extracted.
 * Speed: the scanners read `line` itself from `start`; reading a slice of it char by char
 * costs more (V8 unwraps a sliced string on every charCodeAt).
 */
function body(b: LogBuilder, line: string, start: number, override: boolean): void {
  const brace = line.indexOf('{', start);
  if (brace >= 0 && line.charCodeAt(line.length - 1) === 125 /* } */ && jsonBody(b, line, brace)) {
    if (b.format === 'plain') b.format = 'json';
    // Text before the payload (e.g. `component:`) is not lost when there is no message field.
    if (b.message === undefined) b.message = line.slice(start);
    return;
  }
  b.setMessage(line.slice(start), override);
  if (scanKeyValues(b, line, false, start) > 0 && b.format === 'plain') b.format = 'keyvalue';
}

/** Parses `text.slice(from)` as a JSON object and applies it; false when it is not one. */
function jsonBody(b: LogBuilder, text: string, from: number): boolean {
  // Cheap shape test before JSON.parse: it must end with '}' (ignoring trailing spaces).
  if (text.charCodeAt(text.length - 1) !== 125) return false;
  let value: unknown;
  try {
    value = JSON.parse(from === 0 ? text : text.slice(from));
  } catch {
    return false;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  applyObject(b, value as Record<string, unknown>, false);
  // Business keys mentioned in the human message (`"msg":"... circuit_id=X"`) still count.
  if (b.message !== undefined) scanKeyValues(b, b.message, false);
  return true;
}

/**
 * Looks for a level word among the first few words (`[ERROR] x`, `WARN: y`, `app ERROR z`,
 * `error: z`). A bare lowercase word is prose ("no error here"), so a bare word must be upper
 * case; a decorated one (`[warn]`, `Error:`) may be any case.
 */
function levelFromLeadingWords(b: LogBuilder, line: string, start: number): void {
  // Known already (the record's own, or the header's): a word found here would not replace it.
  if (b.severity !== undefined) return;
  let i = skipSpaces(line, start);
  for (let w = 0; w < LEVEL_SEARCH_WORDS && i < line.length; w++) {
    const end = wordEnd(line, i);
    let s = i;
    let e = end;
    // Strip decoration: [ERROR], <warn>, ERROR:, (info)
    while (s < e && isDecoration(line.charCodeAt(s))) s++;
    while (e > s && isDecoration(line.charCodeAt(e - 1))) e--;
    // Speed: the first char rules out most words before any slice or case copy is made.
    const word = e - s >= 3 && e - s <= 13 && mayStartLevelWord(line.charCodeAt(s)) ? line.slice(s, e) : '';
    const level = word ? severityFromWord(word) : undefined;
    const decorated = s > i || e < end;
    if (level && (decorated || word === word.toUpperCase())) {
      b.setSeverity(level, false);
      return;
    }
    i = skipSpaces(line, end);
  }
}

function isDecoration(c: number): boolean {
  return c === 91 || c === 93 || c === 60 || c === 62 || c === 40 || c === 41 || c === 58 || c === 124;
}

function skipSpaces(s: string, i: number): number {
  while (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9) i++;
  return i;
}

function wordEnd(s: string, i: number): number {
  let j = i;
  while (j < s.length && s.charCodeAt(j) !== 32 && s.charCodeAt(j) !== 9) j++;
  return j;
}

export interface ApiLogRecord {
  timestamp?: string | number;
  severity?: string;
  message: string;
  labels?: Record<string, string>;
  trace_id?: string;
  span_id?: string;
  circuit_id?: string;
  product_id?: string;
  resource_id?: string;
  resource_type_id?: string;
  request_id?: string;
}

/**
 * A record of POST /api/logs (already schema-validated; ids already checked by the route with
 * ids.ts). Runs parseLine on message; explicit record fields win over parsed ones; labels go to
 * attributes. The resource is the default: a syslog APP-NAME or HOSTNAME in the line is more
 * specific and wins over resource.service / resource.host.
 */
export function normalizeApiRecord(
  record: ApiLogRecord,
  resource: { service: string; host?: string; env?: string },
  nowMs: number,
): NormalizedLog {
  const b = new LogBuilder();
  // The record's own severity wins; set before the message is parsed (the parsers never override),
  // so the parser does not look for a level word the record states.
  if (record.severity !== undefined) b.setSeverity(severityFromValue(record.severity), true);
  parseLineInto(b, record.message, nowMs);
  if (record.timestamp !== undefined) b.setTime(timeFromValue(record.timestamp), true);
  b.setTraceContext(normalizeTraceId(record.trace_id), normalizeSpanId(record.span_id));
  // Named loads, one per key, instead of a keyed load in a loop over BUSINESS_KEYS (micro normalizer.ts).
  explicitKey(b, 'circuit_id', record.circuit_id);
  explicitKey(b, 'product_id', record.product_id);
  explicitKey(b, 'resource_id', record.resource_id);
  explicitKey(b, 'resource_type_id', record.resource_type_id);
  explicitKey(b, 'request_id', record.request_id);
  const labels = record.labels;
  if (labels) {
    for (const key in labels) {
      const v = labels[key];
      if (Object.hasOwn(labels, key) && typeof v === 'string') b.attribute(key, v, true);
    }
  }
  return b.buildWith(resource.service, resource.env, resource.host, nowMs, 'api');
}

function explicitKey(b: LogBuilder, key: BusinessKey, value: string | undefined): void {
  if (typeof value === 'string') b.businessKey(key, value, true);
}
