// Syslog headers: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`) and RFC 3164 /
// BSD (`<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`, PRI optional as in files written by rsyslog).
// Each returns the index where the free-text message starts, or -1 when the line is not that
// format (the caller then tries the next one; nothing was written to the builder in that case
// except what a later successful parse overwrites).
import type { LogBuilder } from './normalize-builder.js';
import { keyAt, unescapeQuoted } from './normalize-fields.js';
import { severityFromSyslogPri } from './normalize-severity.js';
import { parseBsdTimestamp, parseIsoTimestamp, timestampEnd } from './normalize-time.js';

/** `<0>`..`<191>` at the start; returns [pri, index after '>'] or undefined. */
export function readPri(line: string): [number, number] | undefined {
  if (line.charCodeAt(0) !== 60 /* < */) return undefined;
  let pri = 0;
  let i = 1;
  for (; i < 5 && i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 62 /* > */) break;
    if (c < 48 || c > 57) return undefined;
    pri = pri * 10 + (c - 48);
  }
  if (i === 1 || line.charCodeAt(i) !== 62 || pri > 191) return undefined;
  return [pri, i + 1];
}

/** Next space-delimited token from `start`; [token, index of the space or end]. */
function token(line: string, start: number): [string, number] {
  let end = line.indexOf(' ', start);
  if (end < 0) end = line.length;
  return [line.slice(start, end), end];
}

const NIL = '-';

/** RFC 5424 after the PRI (`start` points at the version digit). */
export function parseRfc5424(line: string, start: number, pri: number, b: LogBuilder): number {
  // VERSION is 1..999 followed by a space; "1" in practice.
  let i = start;
  while (i < start + 3 && line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
  if (i === start || line.charCodeAt(i) !== 32) return -1;
  i++;
  // TIMESTAMP
  let time: number | undefined;
  if (line.charCodeAt(i) === 45 /* - */ && line.charCodeAt(i + 1) === 32) {
    i += 2;
  } else {
    const t = parseIsoTimestamp(line, i);
    if (Number.isNaN(t) || line.charCodeAt(timestampEnd()) !== 32) return -1;
    time = t;
    i = timestampEnd() + 1;
  }
  const [host, afterHost] = token(line, i);
  const [app, afterApp] = token(line, afterHost + 1);
  const [procId, afterProc] = token(line, afterApp + 1);
  const [msgId, afterMsgId] = token(line, afterProc + 1);
  if (afterMsgId >= line.length && msgId.length === 0) return -1;
  b.format = 'rfc5424';
  b.setTime(time, false);
  b.setSeverity(severityFromSyslogPri(pri), false);
  if (host !== NIL) b.setHost(host, false);
  if (app !== NIL) b.setService(app, false);
  if (procId !== NIL && procId.length > 0) b.attribute('pid', procId, false);
  if (msgId !== NIL && msgId.length > 0) b.attribute('msgid', msgId, false);
  b.attribute('facility', pri >> 3, false);
  i = afterMsgId + 1;
  if (i >= line.length) return line.length;
  // STRUCTURED-DATA: "-" or one or more [SD-ID param="value" ...]
  if (line.charCodeAt(i) === 45 /* - */) {
    i++;
  } else if (line.charCodeAt(i) === 91 /* [ */) {
    const end = parseStructuredData(line, i, b);
    if (end < 0) return i; // malformed SD: keep the rest as the message rather than lose it
    i = end;
  }
  if (line.charCodeAt(i) === 32) i++;
  // A UTF-8 BOM may precede MSG (RFC 5424 6.4).
  if (line.charCodeAt(i) === 0xfeff) i++;
  return i;
}

/**
 * `[id p="v" ...][id2 ...]` starting at `start`; params go to the builder (business keys and
 * trace ids are routed, the rest are attributes). Returns the index after the last `]`, or -1.
 */
function parseStructuredData(line: string, start: number, b: LogBuilder): number {
  let i = start;
  const n = line.length;
  while (i < n && line.charCodeAt(i) === 91 /* [ */) {
    // SD-ID up to space or ']'
    i++;
    while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 93) i++;
    for (;;) {
      if (i >= n) return -1;
      const c = line.charCodeAt(i);
      if (c === 93 /* ] */) {
        i++;
        break;
      }
      if (c !== 32) return -1;
      i++;
      const eq = line.indexOf('="', i);
      if (eq < 0 || eq - i > 32 || eq === i) return -1; // PARAM-NAME is 1..32 chars
      const name = keyAt(line, i, eq);
      // Value ends at the first `"` not escaped by a backslash.
      let j = eq + 2;
      for (; j < n; j++) {
        const v = line.charCodeAt(j);
        if (v === 92 /* \ */) j++;
        else if (v === 34) break;
      }
      if (j >= n) return -1;
      b.field(name, unescapeQuoted(line, eq + 2, j), false);
      i = j + 1;
    }
  }
  return i;
}

/**
 * RFC 3164 / BSD syslog from `start` (after the PRI if there was one). `pri` is -1 without PRI.
 * Also accepts an ISO timestamp in the date position (rsyslog's high-precision template).
 */
export function parseRfc3164(line: string, start: number, pri: number, nowMs: number, b: LogBuilder): number {
  let t = parseBsdTimestamp(line, start, nowMs);
  if (Number.isNaN(t) && pri >= 0) t = parseIsoTimestamp(line, start);
  if (Number.isNaN(t)) return -1;
  const end = timestampEnd();
  if (line.charCodeAt(end) !== 32) return -1;
  b.format = 'rfc3164';
  b.setTime(t, false);
  if (pri >= 0) {
    b.setSeverity(severityFromSyslogPri(pri), false);
    b.attribute('facility', pri >> 3, false);
  }
  let i = end + 1;
  // HOSTNAME is optional in practice: a first token that already looks like a tag is the tag.
  const [first, afterFirst] = token(line, i);
  if (!looksLikeTag(first)) {
    if (first.length > 0) b.setHost(first, false);
    i = afterFirst + 1;
  }
  const [tag, afterTag] = token(line, i);
  if (looksLikeTag(tag)) {
    const bracket = tag.indexOf('[');
    const name = bracket > 0 ? tag.slice(0, bracket) : tag.slice(0, tag.length - 1);
    if (name.length > 0) b.setService(name, false);
    if (bracket > 0) {
      const close = tag.indexOf(']', bracket);
      if (close > bracket + 1) b.attribute('pid', tag.slice(bracket + 1, close), false);
    }
    i = afterTag + 1;
  }
  return Math.min(i, line.length);
}

/** `name:` or `name[pid]:` (TAG is at most 32 chars by the RFC; allow some slack). */
function looksLikeTag(t: string): boolean {
  const n = t.length;
  if (n < 2 || n > 64 || t.charCodeAt(n - 1) !== 58 /* : */) return false;
  const bracket = t.indexOf('[');
  return bracket < 0 ? true : bracket > 0 && t.charCodeAt(n - 2) === 93 /* ] */;
}
