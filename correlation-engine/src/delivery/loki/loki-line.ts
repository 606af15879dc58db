// The JSON line Loki receives for a log: its message first, then its host, format and source,
// then its attributes, none of which overrides those fields. Written once where the log is queued
// (queue-rows.ts keeps it in the row), and shipped from there as it is; the Loki encoder builds it
// again only to cut it to Loki's line bound.
import type { NormalizedLog } from '../../model/types.js';

/** The fields of a log the line is made of. */
export type LineFields = Pick<NormalizedLog, 'message' | 'host' | 'format' | 'source' | 'attributes'>;

/**
 * The line as an object, then its JSON text: `message` for the log's own message (a shortened one
 * when cut), its attributes or not, and `truncated: true` when it was cut.
 */
export function lokiLineJson(log: LineFields, message: string, withAttributes: boolean, truncated: boolean): string {
  const line: Record<string, unknown> = { message };
  if (log.host) line.host = log.host;
  line.format = log.format;
  line.source = log.source;
  if (truncated) line.truncated = true;
  if (withAttributes) {
    const attributes = log.attributes;
    // Own properties only: `in` also sees Object.prototype's, and dropped attributes named
    // constructor or toString.
    for (const k in attributes) if (!Object.hasOwn(line, k)) line[k] = attributes[k];
  }
  return JSON.stringify(line);
}

/**
 * Whether the line holds every attribute of the log, so that its message and attributes can be
 * read back from it (lineFields): none is named as one of the log's own fields in the line.
 */
export function lineKeepsAttributes(log: LineFields): boolean {
  const a = log.attributes;
  return (
    !Object.hasOwn(a, 'message') && !Object.hasOwn(a, 'format') && !Object.hasOwn(a, 'source') && !(log.host && Object.hasOwn(a, 'host'))
  );
}

/**
 * The message and attributes of a log read back from its whole line, `lokiLineJson(log,
 * log.message, true, false)` of a log whose line keeps its attributes; `hasHost` when the log had
 * a host (else a `host` in the line is an attribute). Undefined when the text is not such a line.
 */
export function lineFields(line: string, hasHost: boolean): Pick<NormalizedLog, 'message' | 'attributes'> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const all = parsed as Record<string, NormalizedLog['attributes'][string]>;
  const message = all.message;
  if (typeof message !== 'string') return undefined;
  const attributes: NormalizedLog['attributes'] = {};
  // Copied in the line's order, which is the attributes' own (integer-like names first, then
  // the others as they were added); a name an attribute never has is skipped, not assigned.
  for (const k in all) {
    if (k === 'message' || k === 'format' || k === 'source' || k === '__proto__' || (hasHost && k === 'host')) continue;
    attributes[k] = all[k] as NormalizedLog['attributes'][string];
  }
  return { message, attributes };
}

/** A log's message and attributes as the JSON texts its line holds them in. */
export interface LineTexts {
  /** The message's JSON string, quotes included. */
  message: string;
  /** The attributes' members, `"name":value,...` without the braces; empty when there are none. */
  attributes: string;
}

const MESSAGE_OPENING = '{"message":"';
const HOST_OPENING = ',"host":"';
const FORMAT_OPENING = ',"format":"';
const SOURCE_OPENING = ',"source":"';
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const QUOTE = 0x22;
const CLOSING_BRACE = 0x7d;

/** Just past the JSON string's closing quote, the first quote from `from` not escaped; -1 when none. */
function pastString(line: string, from: number): number {
  let at = from;
  for (;;) {
    const quote = line.indexOf('"', at);
    if (quote < 0) return -1;
    at = quote + 1;
    let backslashes = 0;
    while (line.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return at;
  }
}

/** Just past `"name":"value"` written at `at` for a value JSON writes as it is; -1 when not there. */
function pastField(line: string, at: number, opening: string, value: string): number {
  if (!line.startsWith(opening, at)) return -1;
  const end = at + opening.length + value.length;
  return line.startsWith(value, at + opening.length) && line.charCodeAt(end) === QUOTE ? end + 1 : -1;
}

/**
 * The message and attributes of a log cut as JSON texts from its whole line (the line
 * `lokiLineJson(log, log.message, true, false)` of a log whose line keeps its attributes), without
 * parsing it: the message's closing quote is the first one not escaped, then come the head's host,
 * format and source (the format and source as their names, which JSON writes unescaped), then the
 * attributes. The texts are what serializing the fields lineFields reads back would write
 * (JSON.stringify's output parses and serializes again to itself). Undefined when the line is not
 * laid out so, or holds a member named `__proto__` (lineFields leaves it out); lineFields then
 * reads the line.
 */
export function lineTexts(line: string, host: string | undefined, format: string, source: string): LineTexts | undefined {
  if (!line.startsWith(MESSAGE_OPENING)) return undefined;
  const messageEnd = pastString(line, MESSAGE_OPENING.length);
  let at = messageEnd;
  if (host && at > 0) at = line.startsWith(HOST_OPENING, at) ? pastString(line, at + HOST_OPENING.length) : -1;
  if (at > 0) at = pastField(line, at, FORMAT_OPENING, format);
  if (at > 0) at = pastField(line, at, SOURCE_OPENING, source);
  const last = line.length - 1;
  if (at < 0 || line.charCodeAt(last) !== CLOSING_BRACE) return undefined;
  let attributes = '';
  if (at < last) {
    if (line.charCodeAt(at) !== COMMA) return undefined;
    attributes = line.slice(at + 1, last);
    // Within a JSON string a quote is escaped, so this text is a member's name only.
    if (attributes.includes('"__proto__":')) return undefined;
  } else if (at !== last) return undefined;
  return { message: line.slice(MESSAGE_OPENING.length - 1, messageEnd), attributes };
}
