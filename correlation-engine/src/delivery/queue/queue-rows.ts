// How accepted records are laid out in durable-queue rows, and read back by the exporters.
// A queue on disk outlives a deploy, so every layout ever written stays readable: the row's
// `encoding` number says which one it is (rows of builds before the column read as 0).
//   0 (ROW_JSON): one JSON record (`records` = 0) or a JSON array of records (`records` = n).
//   1 (ROW_LOG_TUPLES): a JSON array of n logs, each a fixed-order array of its fields (LogTuple).
//   2 (ROW_EVENT_LINES): n events, each `JSON.stringify(event)`, joined by "\n" (JSON text has no
//      raw newline), so a reader gets every event's own JSON text without serializing it again.
//   3 (ROW_EVENT_HEAD_LINES): n events joined by "\n", each its head (EventHead as a JSON array:
//      trace id, window end, highest severity, keys, and since rows carry them the span, log and
//      error counts and the services; a reader takes those when all four are there), a tab (JSON
//      text has no raw tab either), then `JSON.stringify(event)`: an exporter that ships the text
//      as is (Loki, Datadog's `correlation`) reads the fields it needs from the head and never
//      parses the rest.
//   4 (ROW_EVENT_SHARED_LINES): as 3, preceded by a table: a line with its length S, then S
//      lines each the JSON text of a trace-less log summary joined to windows through a key. In
//      the event lines each such summary is a reference, \x01<index in the table>\x01 (JSON text
//      has no raw control character), so a summary shared by the events of a row is written and
//      read once; the reader puts the text back and gets `JSON.stringify(event)` again. Written
//      with EventLogMessages `refer`, the listed logs have no `message` and the detail ends with
//      `"logMessagesOmitted":true` (same layout: a reader needs nothing new).
//   5 (ROW_OTLP_LOGS_PROTOBUF): one OTLP logs export request as received, protobuf bytes (a BLOB),
//      without the records the engine refused; `records` is how many it holds.
//   6 (ROW_OTLP_LOGS_JSON): the same request in OTLP/JSON, as JSON text.
//   7 (ROW_LOG_LINES): n logs: a JSON array of their heads (LogHeadTuple: every field but the
//      message and attributes), then, each after a "\n", each log's Loki line (loki-line.ts: the
//      message, host, format, source and attributes as one JSON object), which the Loki exporter
//      ships as read, Datadog's encoder cuts the message's and attributes' JSON texts from
//      (lineTexts), and the others parse back into the message and attributes. Written when
//      every log's line keeps its attributes (lineKeepsAttributes); else the row is tuples (1).
import type { BusinessKey, CorrelationEvent, LogSummary, NormalizedLog, ReceivedOtlpLogs, Severity } from '../../model/types.js';
import { type LineTexts, lineFields, lineKeepsAttributes, lineTexts, lokiLineJson } from '../loki/loki-line.js';
import { withoutLogRecordsJson } from '../otlp-logs/json-logs-rewrite.js';
import { withoutLogRecords } from '../otlp-logs/proto-logs-rewrite.js';
import type { NewEntry, QueueEntry } from './durable-queue.js';

/**
 * What an exporter shipping an event's text as is needs to know of it: trace id, end, severity,
 * keys; and, in rows written since heads carry them, its counts and services (undefined in older
 * rows), which with the rest make a Datadog entry without the event parsed.
 */
export interface EventHead {
  traceId: string;
  windowEnd: string;
  highestSeverity: Severity | null;
  keys: CorrelationEvent['keys'];
  spanCount: number | undefined;
  logCount: number | undefined;
  errorCount: number | undefined;
  services: string[] | undefined;
}

/** The fields of an event its head holds when the row was written with its counts. */
export type EventHeadFields = Pick<
  CorrelationEvent,
  'traceId' | 'windowEnd' | 'highestSeverity' | 'keys' | 'spanCount' | 'logCount' | 'errorCount' | 'services'
>;

/** Whether the head carries the event's counts and services (rows written before they were added do not). */
export function headHasCounts(head: EventHead): head is EventHead & EventHeadFields {
  return head.services !== undefined;
}

export type { LineTexts };

/** A log's fields but its message and attributes: what labels, metadata and routing read. */
export type LogHead = Omit<NormalizedLog, 'message' | 'attributes'>;

/**
 * A log as read back from the queue. From a row that keeps lines, `head` and `line` (its Loki
 * line, loki-line.ts) are set and `log` is read back from them on first read only.
 */
export type QueuedLogRecord = {
  kind: 'log';
  readonly log: NormalizedLog;
  head?: LogHead;
  line?: string;
  /** With `line`: its message and attributes as JSON texts (loki-line.ts lineTexts), undefined when they do not cut. */
  readonly texts?: LineTexts;
};

/**
 * One record as read back from the queue, in the form the backend encoders take. An event's
 * `json`, when present, is `JSON.stringify(event)` as it was queued (encoders may ship it as is),
 * and `head` its labelling fields; with both, `event` is parsed from `json` on first read only.
 */
export type QueuedRecord =
  | QueuedLogRecord
  | { kind: 'event'; readonly event: CorrelationEvent; json?: string; head?: EventHead }
  | QueuedOtlpLogs;

/** An OTLP logs export request as received (ROW_OTLP_LOGS_*): `records` log records in one. */
export interface QueuedOtlpLogs {
  kind: 'otlp-logs';
  format: 'protobuf' | 'json';
  /** Protobuf bytes, or the JSON text. */
  body: Uint8Array | string;
  records: number;
}

/** Log records a queued record stands for: an OTLP request holds many. */
export function recordCount(records: readonly QueuedRecord[]): number {
  let n = 0;
  for (let i = 0; i < records.length; i += 1) {
    const r = records[i] as QueuedRecord;
    n += r.kind === 'otlp-logs' ? r.records : 1;
  }
  return n;
}

export const ROW_JSON = 0;
export const ROW_LOG_TUPLES = 1;
export const ROW_EVENT_LINES = 2;
export const ROW_EVENT_HEAD_LINES = 3;
export const ROW_EVENT_SHARED_LINES = 4;
export const ROW_OTLP_LOGS_PROTOBUF = 5;
export const ROW_OTLP_LOGS_JSON = 6;
export const ROW_LOG_LINES = 7;

/** Marks a reference to the row's table in an event line (ROW_EVENT_SHARED_LINES). */
const REF = '\x01';

/** Thrown for a row this build cannot read (damaged, or written by a newer build). */
export class UndecodableRowError extends Error {
  override name = 'UndecodableRowError';
}

/**
 * Positions of a log's fields in a tuple. Changing this order or set means a new encoding number
 * (and keeping a reader for this one), never an edit in place.
 */
type LogTuple = [
  timeUnixMs: number,
  severity: NormalizedLog['severity'],
  service: string,
  env: string | null,
  host: string | null,
  message: string,
  traceId: string | null,
  spanId: string | null,
  keys: NormalizedLog['keys'],
  attributes: NormalizedLog['attributes'],
  format: NormalizedLog['format'],
  source: NormalizedLog['source'],
];

/**
 * A log's head in a ROW_LOG_LINES row. As with LogTuple, changing it means a new encoding number.
 */
type LogHeadTuple = [
  timeUnixMs: number,
  severity: NormalizedLog['severity'],
  service: string,
  env: string | null,
  host: string | null,
  traceId: string | null,
  spanId: string | null,
  keys: NormalizedLog['keys'],
  format: NormalizedLog['format'],
  source: NormalizedLog['source'],
];

/**
 * The queue row for accepted logs: their heads and their Loki lines (ROW_LOG_LINES), so the Loki
 * exporter ships each line as read instead of parsing the log's message and attributes out of
 * the row and serializing them again into a line: the bulk of a log's bytes is serialized once,
 * here, where the tuples serialized them too. Tuples when some log has an attribute its line
 * cannot hold (named as one of the line's own fields).
 */
export function logRow(logs: readonly NormalizedLog[]): NewEntry {
  const heads: LogHeadTuple[] = new Array(logs.length);
  let lines = '';
  for (let i = 0; i < logs.length; i += 1) {
    const l = logs[i] as NormalizedLog;
    if (!lineKeepsAttributes(l)) return logTupleRow(logs);
    heads[i] = [
      l.timeUnixMs,
      l.severity,
      l.service,
      l.env ?? null,
      l.host ?? null,
      l.traceId ?? null,
      l.spanId ?? null,
      l.keys,
      l.format,
      l.source,
    ];
    lines += `\n${lokiLineJson(l, l.message, true, false)}`;
  }
  return { kind: 'log', body: JSON.stringify(heads) + lines, records: logs.length, encoding: ROW_LOG_LINES };
}

/**
 * Queue rows for accepted logs as tuples. Tuples instead of objects: stringifying the
 * normalizer's objects repeated every key name in every row, in bytes and in work.
 */
export function logTupleRow(logs: readonly NormalizedLog[]): NewEntry {
  const tuples: LogTuple[] = new Array(logs.length);
  for (let i = 0; i < logs.length; i += 1) {
    const l = logs[i] as NormalizedLog;
    tuples[i] = [
      l.timeUnixMs,
      l.severity,
      l.service,
      l.env ?? null,
      l.host ?? null,
      l.message,
      l.traceId ?? null,
      l.spanId ?? null,
      l.keys,
      l.attributes,
      l.format,
      l.source,
    ];
  }
  return { kind: 'log', body: JSON.stringify(tuples), records: logs.length, encoding: ROW_LOG_TUPLES };
}

/**
 * A queue row holding an OTLP logs request as received, less the `dropped` records, for an
 * exporter that forwards requests (Loki's OTLP endpoint): written once per request, whatever
 * its size in records, and sent on without decoding a record. `accepted` is the record count.
 */
export function otlpLogsRow(received: ReceivedOtlpLogs, accepted: number): NewEntry {
  const { format, body, dropped } = received;
  if (format === 'protobuf') {
    const bytes = body as Uint8Array;
    return {
      kind: 'log',
      body: dropped.length > 0 ? withoutLogRecords(bytes, dropped) : bytes,
      records: accepted,
      encoding: ROW_OTLP_LOGS_PROTOBUF,
    };
  }
  const json = JSON.stringify(dropped.length > 0 ? withoutLogRecordsJson(body, dropped) : body);
  return { kind: 'log', body: json, records: accepted, encoding: ROW_OTLP_LOGS_JSON };
}

/**
 * What the logs an event lists carry in its queued text: `quote`, each log summary whole;
 * `refer`, each without its message (the detail then says `"logMessagesOmitted":true`), for when
 * every log is shipped to Loki as its own line: the time, service, span id or linking key find
 * it there, and its text is not written, stored, read and compressed a second time.
 */
export type EventLogMessages = 'quote' | 'refer';

/**
 * A queue row for correlation events: the table of shared summaries, then one line per event:
 * its head, a tab, its JSON text with references into the table. Loki's line for an event is
 * that text, so the exporter ships it as read instead of parsing it and stringifying it again.
 */
export function eventRow(events: readonly CorrelationEvent[], logMessages: EventLogMessages = 'quote'): NewEntry {
  const logText = logMessages === 'refer' ? logReferenceJson : undefined;
  // A trace-less log joined through a key is one summary object shared by every window it joined
  // (up to the link fan-out); on a busy key most of an event's bytes are such summaries. Written
  // once per row, they no longer multiply the bytes the queue writes, reads and keeps.
  const table: string[] = [];
  const refs = new Map<LogSummary, string>();
  const ref = (log: LogSummary): string => {
    let r = refs.get(log);
    if (r === undefined) {
      r = `${REF}${table.length}${REF}`;
      table.push(logText ? logText(log) : JSON.stringify(log));
      refs.set(log, r);
    }
    return r;
  };
  let lines = '';
  for (let i = 0; i < events.length; i += 1) {
    const e = events[i] as CorrelationEvent;
    const head = JSON.stringify([e.traceId, e.windowEnd, e.highestSeverity, e.keys, e.spanCount, e.logCount, e.errorCount, e.services]);
    lines += `${i === 0 ? '' : '\n'}${head}\t${eventJson(e, ref, logText)}`;
  }
  const body = table.length === 0 ? `0\n${lines}` : `${table.length}\n${table.join('\n')}\n${lines}`;
  return { kind: 'event', body, records: events.length, encoding: ROW_EVENT_SHARED_LINES };
}

/**
 * A log summary's JSON text without its message (EventLogMessages `refer`), its properties in the
 * order the correlator builds summaries in. One object literal per shape: JSON.stringify writes
 * those faster than a rest-destructured copy of the summary, or than the text built field by field.
 */
function logReferenceJson(log: LogSummary): string {
  const { timeUnixMs, severity, service, spanId, linkedBy } = log;
  if (linkedBy === undefined) {
    return JSON.stringify(spanId === undefined ? { timeUnixMs, severity, service } : { timeUnixMs, severity, service, spanId });
  }
  return JSON.stringify(
    spanId === undefined ? { timeUnixMs, severity, service, linkedBy } : { timeUnixMs, severity, service, spanId, linkedBy },
  );
}

/** The order buildEvent gives an event's detail its properties in. */
const DETAIL_ORDER = 'spans,logs,spansCapped,logsCapped';

/**
 * `JSON.stringify(event)`, character for character, except that each summary of a trace-less log
 * joined through a key (`linkedBy`) is written as `linkedText(summary)`, and, given `logText`,
 * every other log summary as `logText(summary)` with `"logMessagesOmitted":true` closing the
 * detail. Spliced after the rest of the event, so only when `detail` is the event's last property
 * (buildEvent puts it there); else, without `logText`, the plain JSON.stringify text.
 */
export function eventJson(event: CorrelationEvent, linkedText: (log: LogSummary) => string, logText?: (log: LogSummary) => string): string {
  const detail = event.detail;
  const logs = detail?.logs ?? [];
  let spliced = logText !== undefined && logs.length > 0;
  for (let i = 0; i < logs.length && !spliced; i += 1) spliced = (logs[i] as LogSummary).linkedBy !== undefined;
  if (!spliced) return JSON.stringify(event);
  const names = Object.keys(event);
  if (names[names.length - 1] !== 'detail' || Object.keys(detail).join() !== DETAIL_ORDER) {
    if (logText === undefined) return JSON.stringify(event);
    // Not the order buildEvent gives: a copy in that order, then spliced as usual.
    const { detail: _detail, ...rest } = event;
    const { spans, spansCapped, logsCapped } = detail;
    return eventJson({ ...rest, detail: { spans, logs, spansCapped, logsCapped } }, linkedText, logText);
  }
  // Without its detail for a moment (a property set to undefined is left out); nothing else runs
  // in between, so no reader sees the event without it.
  (event as { detail: unknown }).detail = undefined;
  let text: string;
  try {
    text = JSON.stringify(event);
  } finally {
    event.detail = detail;
  }
  let logsText = '';
  for (let i = 0; i < logs.length; i += 1) {
    const log = logs[i] as LogSummary;
    const json = log.linkedBy !== undefined ? linkedText(log) : logText ? logText(log) : JSON.stringify(log);
    logsText += i === 0 ? json : `,${json}`;
  }
  const omitted = logText ? ',"logMessagesOmitted":true' : '';
  const detailText = `{"spans":${JSON.stringify(detail.spans)},"logs":[${logsText}],"spansCapped":${detail.spansCapped},"logsCapped":${detail.logsCapped}${omitted}}`;
  return `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"detail":${detailText}}`;
}

/** The records of one queue row, in order; throws UndecodableRowError when it cannot be read. */
export function decodeRow(entry: QueueEntry): QueuedRecord[] {
  if (entry.unreadable !== undefined) throw new UndecodableRowError(`row ${entry.seq}: ${entry.unreadable}`);
  if (entry.encoding === ROW_OTLP_LOGS_PROTOBUF || entry.encoding === ROW_OTLP_LOGS_JSON) return [otlpLogsOf(entry)];
  if (typeof entry.body !== 'string') throw new UndecodableRowError(`row ${entry.seq}: bytes where text was expected`);
  if (entry.encoding === ROW_EVENT_SHARED_LINES) return decodeEventHeadLines(entry, true);
  if (entry.encoding === ROW_EVENT_HEAD_LINES) return decodeEventHeadLines(entry, false);
  if (entry.encoding === ROW_EVENT_LINES) return decodeEventLines(entry);
  if (entry.encoding === ROW_LOG_LINES) return decodeLogLines(entry);
  let value: unknown;
  try {
    value = JSON.parse(entry.body);
  } catch (err) {
    throw new UndecodableRowError(`row ${entry.seq} is not JSON: ${(err as Error).message}`);
  }
  if (entry.encoding === ROW_LOG_TUPLES) {
    if (entry.kind !== 'log' || !Array.isArray(value)) throw new UndecodableRowError(`row ${entry.seq}: log tuples expected`);
    return (value as LogTuple[]).map((t) => ({ kind: 'log', log: fromTuple(t) }));
  }
  if (entry.encoding !== ROW_JSON) throw new UndecodableRowError(`row ${entry.seq}: unknown encoding ${entry.encoding}`);
  // A batch row (one accepted request) is a JSON array of its records; records = 0 is a single one.
  const values = entry.records > 0 ? (value as unknown[]) : [value];
  return values.map((v) =>
    entry.kind === 'event' ? { kind: 'event', event: v as CorrelationEvent } : { kind: 'log', log: v as NormalizedLog },
  );
}

function otlpLogsOf(entry: QueueEntry): QueuedOtlpLogs {
  const protobuf = entry.encoding === ROW_OTLP_LOGS_PROTOBUF;
  if (entry.kind !== 'log' || entry.records < 1 || protobuf !== entry.body instanceof Uint8Array) {
    throw new UndecodableRowError(`row ${entry.seq}: an OTLP logs request expected`);
  }
  return { kind: 'otlp-logs', format: protobuf ? 'protobuf' : 'json', body: entry.body, records: entry.records };
}

function fromTuple(t: LogTuple): NormalizedLog {
  // Every property present (possibly undefined), as the normalizer builds them: one object shape.
  return {
    timeUnixMs: t[0],
    severity: t[1],
    service: t[2],
    env: t[3] ?? undefined,
    host: t[4] ?? undefined,
    message: t[5],
    traceId: t[6] ?? undefined,
    spanId: t[7] ?? undefined,
    keys: t[8],
    attributes: t[9],
    format: t[10],
    source: t[11],
  };
}

/** A log read from a ROW_LOG_LINES row: its head and line; its message and attributes when `log` is read. */
class QueuedLogLine {
  readonly kind = 'log';
  #log: NormalizedLog | undefined;
  #texts: LineTexts | null | undefined;
  constructor(
    readonly head: LogHead,
    readonly line: string,
    private readonly seq: number,
    private readonly index: number,
  ) {}

  get log(): NormalizedLog {
    if (this.#log !== undefined) return this.#log;
    const h = this.head;
    const fields = lineFields(this.line, Boolean(h.host));
    if (fields === undefined) throw new UndecodableRowError(`row ${this.seq}, log ${this.index}: the line is not a log's`);
    // Every property present, in the normalizer's order: one object shape, as fromTuple makes.
    this.#log = {
      timeUnixMs: h.timeUnixMs,
      severity: h.severity,
      service: h.service,
      env: h.env,
      host: h.host,
      message: fields.message,
      traceId: h.traceId,
      spanId: h.spanId,
      keys: h.keys,
      attributes: fields.attributes,
      format: h.format,
      source: h.source,
    };
    return this.#log;
  }

  get texts(): LineTexts | undefined {
    if (this.#texts === undefined) {
      const h = this.head;
      this.#texts = lineTexts(this.line, h.host, h.format, h.source) ?? null;
    }
    return this.#texts ?? undefined;
  }
}

/**
 * The logs of a ROW_LOG_LINES row. Their heads are parsed and checked here; a line is read back
 * into its log only by an exporter that reads `log` (queue-exporter.ts does it here for those
 * that do not ship the line).
 */
function decodeLogLines(entry: QueueEntry): QueuedRecord[] {
  if (entry.kind !== 'log') throw new UndecodableRowError(`row ${entry.seq}: log lines expected`);
  const parts = (entry.body as string).split('\n');
  let heads: unknown;
  try {
    heads = JSON.parse(parts[0] as string);
  } catch {
    heads = undefined;
  }
  if (!Array.isArray(heads) || heads.length !== parts.length - 1) throw new UndecodableRowError(`row ${entry.seq}: no readable log heads`);
  const out: QueuedRecord[] = new Array(heads.length);
  for (let i = 0; i < heads.length; i += 1) {
    const h = heads[i] as LogHeadTuple;
    if (!Array.isArray(h) || typeof h[0] !== 'number' || typeof h[1] !== 'string' || typeof h[2] !== 'string' || !isObject(h[7])) {
      throw new UndecodableRowError(`row ${entry.seq}, log ${i}: no readable head`);
    }
    const head: LogHead = {
      timeUnixMs: h[0],
      severity: h[1],
      service: h[2],
      env: h[3] ?? undefined,
      host: h[4] ?? undefined,
      traceId: h[5] ?? undefined,
      spanId: h[6] ?? undefined,
      keys: h[7],
      format: h[8],
      source: h[9],
    };
    out[i] = new QueuedLogLine(head, parts[i + 1] as string, entry.seq, i);
  }
  return out;
}

function decodeEventLines(entry: QueueEntry): QueuedRecord[] {
  if (entry.kind !== 'event') throw new UndecodableRowError(`row ${entry.seq}: event lines expected`);
  const lines = (entry.body as string).split('\n');
  const out: QueuedRecord[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i += 1) {
    const json = lines[i] as string;
    try {
      out[i] = { kind: 'event', event: JSON.parse(json) as CorrelationEvent, json };
    } catch (err) {
      throw new UndecodableRowError(`row ${entry.seq}, event ${i}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** An event read from a head-lines row: its head parsed, the rest only when `event` is read. */
class QueuedEventLine {
  readonly kind = 'event';
  #event: CorrelationEvent | undefined;
  constructor(
    readonly head: EventHead,
    readonly json: string,
  ) {}

  get event(): CorrelationEvent {
    if (this.#event === undefined) this.#event = JSON.parse(this.json) as CorrelationEvent;
    return this.#event;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isKeys = (v: unknown): v is CorrelationEvent['keys'] => isObject(v);

/**
 * The events of a head-lines row. Each head is parsed and checked here; the event's JSON is
 * parsed when an encoder reads `event` (queue-exporter.ts does it here, inside its check, for
 * the exporters that need the object; Loki ships the text).
 */
function decodeEventHeadLines(entry: QueueEntry, withTable: boolean): QueuedRecord[] {
  if (entry.kind !== 'event') throw new UndecodableRowError(`row ${entry.seq}: event lines expected`);
  const lines = (entry.body as string).split('\n');
  let first = 0;
  if (withTable) {
    const size = Number(lines[0]);
    if (!Number.isSafeInteger(size) || size < 0 || lines[0] === '' || size + 1 >= lines.length) {
      throw new UndecodableRowError(`row ${entry.seq}: no readable table of shared summaries`);
    }
    first = size + 1;
  }
  const out: QueuedRecord[] = new Array(lines.length - first);
  for (let i = first; i < lines.length; i += 1) {
    const line = lines[i] as string;
    const tab = line.indexOf('\t');
    let head: unknown;
    try {
      head = tab > 0 ? JSON.parse(line.slice(0, tab)) : undefined;
    } catch {
      head = undefined;
    }
    if (!Array.isArray(head) || typeof head[0] !== 'string' || typeof head[1] !== 'string' || !isKeys(head[3])) {
      throw new UndecodableRowError(`row ${entry.seq}, event ${i - first}: no readable head`);
    }
    const severity = head[2] as Severity | null;
    // Counts and services: in the head since rows carry them, all or none (older rows: none).
    const counted =
      head.length >= 8 &&
      typeof head[4] === 'number' &&
      typeof head[5] === 'number' &&
      typeof head[6] === 'number' &&
      Array.isArray(head[7]) &&
      head[7].every((s) => typeof s === 'string');
    let text = line.slice(tab + 1);
    if (first > 0 && text.includes(REF)) text = withShared(text, lines, first, `row ${entry.seq}, event ${i - first}`);
    out[i - first] = new QueuedEventLine(
      {
        traceId: head[0],
        windowEnd: head[1],
        highestSeverity: severity,
        keys: head[3] as Partial<Record<BusinessKey, string[]>>,
        spanCount: counted ? (head[4] as number) : undefined,
        logCount: counted ? (head[5] as number) : undefined,
        errorCount: counted ? (head[6] as number) : undefined,
        services: counted ? (head[7] as string[]) : undefined,
      },
      text,
    );
  }
  return out;
}

/** An event line's text with each reference replaced by its summary's text from the table (lines 1..first-1). */
function withShared(text: string, lines: readonly string[], first: number, where: string): string {
  const pieces = text.split(REF);
  if (pieces.length % 2 === 0) throw new UndecodableRowError(`${where}: unclosed reference`);
  for (let p = 1; p < pieces.length; p += 2) {
    const index = Number(pieces[p]);
    if (!/^\d+$/.test(pieces[p] as string) || index + 1 >= first) throw new UndecodableRowError(`${where}: no shared summary ${pieces[p]}`);
    pieces[p] = lines[index + 1] as string;
  }
  return pieces.join('');
}
