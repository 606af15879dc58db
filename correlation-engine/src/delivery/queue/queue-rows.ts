// How accepted records are laid out in durable-queue rows, and read back by the exporters.
// A queue on disk outlives a deploy, so every layout ever written stays readable: the row's
// `encoding` number says which one it is (rows of builds before the column read as 0).
//   0 (ROW_JSON): one JSON record (`records` = 0) or a JSON array of records (`records` = n).
//   1 (ROW_LOG_TUPLES): a JSON array of n logs, each a fixed-order array of its fields (LogTuple).
//   2 (ROW_EVENT_LINES): n events, each `JSON.stringify(event)`, joined by "\n" (JSON text has no
//      raw newline), so a reader gets every event's own JSON text without serializing it again.
import type { CorrelationEvent, NormalizedLog } from '../../model/types.js';
import type { NewEntry, QueueEntry } from './durable-queue.js';

/** One record as read back from the queue, in the form the backend encoders take. */
export type QueuedRecord =
  | { kind: 'log'; log: NormalizedLog }
  /** `json`, when present, is `JSON.stringify(event)` as it was queued (encoders may ship it as is). */
  | { kind: 'event'; event: CorrelationEvent; json?: string };

export const ROW_JSON = 0;
export const ROW_LOG_TUPLES = 1;
export const ROW_EVENT_LINES = 2;

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
 * Queue rows for accepted logs. Tuples instead of objects: stringifying the normalizer's
 * objects repeated every key name in every row, in bytes and in work.
 */
export function logRow(logs: readonly NormalizedLog[]): NewEntry {
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
 * A queue row for correlation events, one JSON text per event: Loki's line for an event is that
 * text, so the exporter ships it as read instead of stringifying the parsed event again.
 */
export function eventRow(events: readonly CorrelationEvent[]): NewEntry {
  let body = '';
  for (let i = 0; i < events.length; i += 1) body += i === 0 ? JSON.stringify(events[i]) : `\n${JSON.stringify(events[i])}`;
  return { kind: 'event', body, records: events.length, encoding: ROW_EVENT_LINES };
}

/** The records of one queue row, in order; throws UndecodableRowError when it cannot be read. */
export function decodeRow(entry: QueueEntry): QueuedRecord[] {
  if (entry.encoding === ROW_EVENT_LINES) return decodeEventLines(entry);
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

function decodeEventLines(entry: QueueEntry): QueuedRecord[] {
  if (entry.kind !== 'event') throw new UndecodableRowError(`row ${entry.seq}: event lines expected`);
  const lines = entry.body.split('\n');
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
