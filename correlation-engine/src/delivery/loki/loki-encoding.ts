// Pure mapping from queued records to Loki push requests (JSON or protobuf), no I/O.
// Label policy: stream labels are `service` and `env` only (plus `trace_id` when opted in);
// trace/span ids, the level and business keys travel as structured metadata; the line is JSON of
// the rest of the record. Correlation events go to their own stream, service="correlation-engine".

import type { CorrelationEvent, NormalizedLog } from '../../model/types.js';
import { BUSINESS_KEYS } from '../../model/types.js';
import { ProtoWriter, varintSize } from '../../wire/proto-writer.js';
import { ENGINE_SERVICE, lowerSeverity, truncateUtf8 } from '../encoding-helpers.js';
import type { EventHead, LogHead, QueuedLogRecord, QueuedRecord } from '../queue/queue-rows.js';
import { lokiLineJson } from './loki-line.js';

export interface LokiEncodingOptions {
  /** Also make trace_id a stream label (one stream per trace: correlation-engine/README.md, Exporters, states the cost). */
  traceIdLabel: boolean;
  /** Lines longer than this (bytes) are truncated with a marker (Loki's max_line_size). */
  maxLineBytes: number;
  /** Uncompressed bytes per push request, summed over lines and metadata. */
  batchMaxBytes: number;
  /** `env` label for events, and for logs that carry none. */
  defaultEnv: string;
}

export interface LokiEntry {
  /** Unix time in nanoseconds, as a decimal string. */
  tsNs: string;
  line: string;
  metadata: Record<string, string>;
  /** UTF-8 length of `line`, when the encoder already measured it. */
  lineBytes?: number;
}

export interface LokiStream {
  labels: Record<string, string>;
  entries: LokiEntry[];
}

export interface LokiPush {
  streams: LokiStream[];
  records: QueuedRecord[];
}

const TRUNCATION_MARKER = '…[truncated]';
/** Rough per-entry framing cost, so many tiny lines still respect the byte bound. */
const ENTRY_OVERHEAD_BYTES = 32;

/**
 * Unix ms (fraction = sub-ms precision) to a nanosecond decimal string. A double holding today's
 * Unix ms cannot resolve nanoseconds, so the fraction is rounded to whole microseconds: digits below
 * that would be float noise, not the source's nanoseconds.
 */
export function unixMsToNs(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.min(999, Math.max(0, Math.round((ms - whole) * 1e3)));
  // whole * 1e6 + micros * 1e3 in decimal is the digits of `whole`, then `micros` in three digits,
  // then 000: text, not BigInt arithmetic, for every entry of every push.
  if (whole > 0 && whole <= Number.MAX_SAFE_INTEGER) return `${whole}${micros < 10 ? '00' : micros < 100 ? '0' : ''}${micros}000`;
  return (BigInt(whole) * 1_000_000n + BigInt(micros) * 1000n).toString();
}

/** Prometheus label-set text as Loki parses it: `{env="dev", service="beorn"}`, names sorted. */
export function formatLabels(labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((name) => `${name}="${escapeLabelValue(labels[name] ?? '')}"`);
  return `{${parts.join(', ')}}`;
}

// One test instead of three replace() passes: label values (service, env) almost never need escaping.
const NEEDS_LABEL_ESCAPE = /[\\"\n]/;

function escapeLabelValue(value: string): string {
  if (!NEEDS_LABEL_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Labels, entry and size of one record. */
export function toLokiEntry(record: QueuedRecord, options: LokiEncodingOptions): { labels: Record<string, string>; entry: LokiEntry } {
  if (record.kind === 'log') return record.head === undefined ? logEntry(record.log, options) : queuedLineEntry(record, options);
  // Forwarded to the OTLP endpoint as they are (loki-exporter.ts), never made push entries.
  if (record.kind === 'otlp-logs') throw new TypeError('an OTLP logs request is not a push entry');
  return eventEntry(record.head ?? record.event, () => record.event, options, record.json);
}

function logEntry(log: NormalizedLog, options: LokiEncodingOptions): { labels: Record<string, string>; entry: LokiEntry } {
  return logHeadEntry(log, logLine(log, options.maxLineBytes), undefined, options);
}

/**
 * A log read from a row that keeps its line (queue-rows.ts): the line is shipped as queued, and
 * only one longer than Loki's bound is built again from the log, cut.
 */
function queuedLineEntry(record: QueuedLogRecord, options: LokiEncodingOptions): { labels: Record<string, string>; entry: LokiEntry } {
  const head = record.head as LogHead;
  const queued = record.line as string;
  const bytes = Buffer.byteLength(queued);
  if (bytes <= options.maxLineBytes) return logHeadEntry(head, queued, bytes, options);
  let line: string;
  try {
    line = logLine(record.log, options.maxLineBytes);
  } catch {
    // The row's line does not read back as a log: cut as text (Loki takes any line, and the row is not lost for it).
    line = truncateUtf8(queued, options.maxLineBytes - 16) + TRUNCATION_MARKER;
  }
  return logHeadEntry(head, line, undefined, options);
}

function logHeadEntry(
  log: LogHead,
  line: string,
  lineBytes: number | undefined,
  options: LokiEncodingOptions,
): { labels: Record<string, string>; entry: LokiEntry } {
  const labels: Record<string, string> = { service: log.service, env: log.env ?? options.defaultEnv };
  if (options.traceIdLabel && log.traceId) labels.trace_id = log.traceId;
  const metadata: Record<string, string> = { level: lowerSeverity(log.severity) };
  if (log.traceId) metadata.trace_id = log.traceId;
  if (log.spanId) metadata.span_id = log.spanId;
  for (const key of BUSINESS_KEYS) {
    const value = log.keys[key];
    if (value) metadata[key] = value;
  }
  return { labels, entry: { tsNs: unixMsToNs(log.timeUnixMs), line, metadata, lineBytes } };
}

/** The JSON line (loki-line.ts), cut to `maxBytes` when longer. */
function logLine(log: NormalizedLog, maxBytes: number): string {
  const full = lokiLineJson(log, log.message, true, false);
  const size = Buffer.byteLength(full);
  if (size <= maxBytes) return full;
  // Too long: shorten the message by the overflow (JSON escaping can make it longer, hence the loop).
  let budget = Buffer.byteLength(log.message) - (size - maxBytes) - Buffer.byteLength(TRUNCATION_MARKER) - 32;
  for (let i = 0; i < 3 && budget > 0; i += 1) {
    const line = lokiLineJson(log, truncateUtf8(log.message, budget) + TRUNCATION_MARKER, true, true);
    const over = Buffer.byteLength(line) - maxBytes;
    if (over <= 0) return line;
    budget -= over + 16;
  }
  // The attributes alone are too big: keep the message (cut to fit) and drop them.
  const bare = lokiLineJson(log, '', false, true);
  const room = maxBytes - Buffer.byteLength(bare) - Buffer.byteLength(TRUNCATION_MARKER) - 64;
  return lokiLineJson(log, truncateUtf8(log.message, Math.max(0, Math.floor(room / 2))) + TRUNCATION_MARKER, false, true);
}

/**
 * `head`: the fields labels and metadata come from (the queue row's head, or the event itself);
 * `json`: the event's JSON text as queued, when the row kept it (saves serializing it again);
 * `event` is read only when the line must be rebuilt (no text, or too long).
 */
function eventEntry(
  head: EventHead,
  event: () => CorrelationEvent,
  options: LokiEncodingOptions,
  json?: string,
): { labels: Record<string, string>; entry: LokiEntry } {
  const labels: Record<string, string> = { service: ENGINE_SERVICE, env: options.defaultEnv };
  if (options.traceIdLabel) labels.trace_id = head.traceId;
  const metadata: Record<string, string> = { trace_id: head.traceId, kind: 'correlation' };
  if (head.highestSeverity) metadata.level = lowerSeverity(head.highestSeverity);
  for (const key of BUSINESS_KEYS) {
    const values = head.keys[key];
    if (values && values.length > 0) metadata[key] = values.join(',');
  }
  let line = json ?? JSON.stringify(event());
  let lineBytes = Buffer.byteLength(line);
  if (lineBytes > options.maxLineBytes) {
    // The bounded detail is the only large part; without it the summary still fits.
    line = summaryLine(event) ?? line;
    if (Buffer.byteLength(line) > options.maxLineBytes) line = truncateUtf8(line, options.maxLineBytes - 16) + TRUNCATION_MARKER;
    lineBytes = Buffer.byteLength(line);
  }
  const end = Date.parse(head.windowEnd);
  return { labels, entry: { tsNs: unixMsToNs(Number.isNaN(end) ? Date.now() : end), line, metadata, lineBytes } };
}

/** The event without its detail, marked truncated; undefined when its queued text does not parse. */
function summaryLine(event: () => CorrelationEvent): string | undefined {
  let whole: CorrelationEvent;
  try {
    whole = event();
  } catch {
    return undefined; // cut as text instead: Loki takes any line, and the row is not lost for it
  }
  return JSON.stringify({ ...whole, detail: { spans: [], logs: [], spansCapped: true, logsCapped: true }, truncated: true });
}

function entryBytes(entry: LokiEntry): number {
  let n = (entry.lineBytes ?? Buffer.byteLength(entry.line)) + ENTRY_OVERHEAD_BYTES;
  const metadata = entry.metadata;
  for (const k in metadata) n += k.length + Buffer.byteLength(metadata[k] as string);
  return n;
}

interface LabelNode {
  /** Made on the first step below: a set's last value (one per trace with the trace_id label) has none. */
  next: Map<string, LabelNode> | undefined;
  text: string | undefined;
}

/**
 * Label sets repeat for nearly every record (service/env): each distinct one is formatted once.
 * Found by walking a tree of its names and values in order rather than by a key string: a key
 * built per record (concatenating every name and value) was the largest allocation of a push
 * after the lines themselves.
 */
class LabelTexts {
  private readonly root: LabelNode = { next: undefined, text: undefined };

  textOf(labels: Record<string, string>): string {
    let node = this.root;
    // Names and values alternate along the path, so one path is one ordered label set.
    for (const name in labels) node = child(child(node, name), labels[name] ?? '');
    node.text ??= formatLabels(labels);
    return node.text;
  }
}

function child(node: LabelNode, step: string): LabelNode {
  node.next ??= new Map();
  let next = node.next.get(step);
  if (next === undefined) {
    next = { next: undefined, text: undefined };
    node.next.set(step, next);
  }
  return next;
}

/** Groups records into streams and splits them into push requests of at most `batchMaxBytes`. */
export function buildPushes(records: readonly QueuedRecord[], options: LokiEncodingOptions): LokiPush[] {
  const pushes: LokiPush[] = [];
  let streams = new Map<string, LokiStream>();
  let batch: QueuedRecord[] = [];
  let bytes = 0;
  const labelTexts = new LabelTexts();
  const close = (): void => {
    if (batch.length === 0) return;
    const list = [...streams.values()];
    // Loki accepts out-of-order lines since 2.4, but ordered streams compress and query better.
    for (const s of list) s.entries.sort((a, b) => a.tsNs.length - b.tsNs.length || (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0));
    pushes.push({ streams: list, records: batch });
    streams = new Map();
    batch = [];
    bytes = 0;
  };
  for (const record of records) {
    const { labels, entry } = toLokiEntry(record, options);
    const size = entryBytes(entry);
    if (bytes > 0 && bytes + size > options.batchMaxBytes) close();
    const key = labelTexts.textOf(labels);
    let stream = streams.get(key);
    if (!stream) {
      stream = { labels, entries: [] };
      streams.set(key, stream);
    }
    stream.entries.push(entry);
    batch.push(record);
    bytes += size;
  }
  close();
  return pushes;
}

/** Loki's JSON push body: `{"streams":[{"stream":{..},"values":[[ns, line, {metadata}]]}]}`. */
export function encodeJsonPush(streams: readonly LokiStream[]): string {
  return JSON.stringify({
    streams: streams.map((s) => ({ stream: s.labels, values: s.entries.map((e) => [e.tsNs, e.line, e.metadata]) })),
  });
}

/**
 * Loki's protobuf PushRequest (logproto, pkg/push/push.proto):
 * PushRequest{1: repeated StreamAdapter}; StreamAdapter{1: labels, 2: repeated EntryAdapter};
 * EntryAdapter{1: google.protobuf.Timestamp, 2: line, 3: repeated LabelPairAdapter structuredMetadata};
 * LabelPairAdapter{1: name, 2: value}; Timestamp{1: int64 seconds, 2: int32 nanos}.
 *
 * Sized first, then written into one buffer: every length prefix is known before its message, so
 * nothing is built twice or copied from a nested writer (one writer per entry and per metadata pair
 * made this body slower to build than the JSON one). The line goes in as its UTF-8 bytes, escaped
 * by nobody: the JSON body escapes every line a second time inside the push document.
 */
export function encodeProtobufPush(streams: readonly LokiStream[]): Buffer {
  const plans: StreamPlan[] = [];
  let total = 0;
  for (const s of streams) {
    const labels = formatLabels(s.labels);
    const labelsBytes = Buffer.byteLength(labels);
    let size = textFieldBytes(labelsBytes);
    const entries: EntryPlan[] = [];
    for (const e of s.entries) {
      const plan = planEntry(e);
      entries.push(plan);
      size += fieldBytes(plan.size);
    }
    plans.push({ labels, labelsBytes, entries, size });
    total += fieldBytes(size);
  }
  // Sized beforehand, so the writer never grows and every message is written in place after its
  // header (the writer wants room for a whole varint before writing one: 10 bytes of slack).
  const w = new ProtoWriter(total + 10);
  for (const p of plans) {
    w.header(1, p.size).string(1, p.labels, p.labelsBytes);
    for (const e of p.entries) {
      w.header(2, e.size).header(1, e.timestampBytes).uint(1, e.seconds).uint(2, e.nanos).string(2, e.entry.line, e.lineBytes);
      const metadata = e.entry.metadata;
      let i = 0;
      for (const name in metadata) {
        const nameBytes = e.pairBytes[i++] as number;
        const valueBytes = e.pairBytes[i++] as number;
        w.header(3, textFieldBytes(nameBytes) + textFieldBytes(valueBytes))
          .string(1, name, nameBytes)
          .string(2, metadata[name] as string, valueBytes);
      }
    }
  }
  return w.finish();
}

interface EntryPlan {
  entry: LokiEntry;
  seconds: number;
  nanos: number;
  timestampBytes: number;
  lineBytes: number;
  /** UTF-8 lengths of each metadata name and value, in iteration order. */
  pairBytes: number[];
  size: number;
}

interface StreamPlan {
  labels: string;
  labelsBytes: number;
  entries: EntryPlan[];
  size: number;
}

function planEntry(entry: LokiEntry): EntryPlan {
  // tsNs is a decimal string of nanoseconds: its last nine digits are the nanos (no BigInt).
  const ts = entry.tsNs;
  const cut = ts.length - 9;
  const seconds = cut > 0 ? Number(ts.slice(0, cut)) : 0;
  const nanos = cut > 0 ? Number(ts.slice(cut)) : Number(ts);
  const timestampBytes = (seconds > 0 ? 1 + varintSize(seconds) : 0) + (nanos > 0 ? 1 + varintSize(nanos) : 0);
  const lineBytes = entry.lineBytes ?? Buffer.byteLength(entry.line);
  let size = fieldBytes(timestampBytes) + textFieldBytes(lineBytes);
  const pairBytes: number[] = [];
  const metadata = entry.metadata;
  for (const name in metadata) {
    const nameBytes = Buffer.byteLength(name);
    const valueBytes = Buffer.byteLength(metadata[name] as string);
    pairBytes.push(nameBytes, valueBytes);
    size += fieldBytes(textFieldBytes(nameBytes) + textFieldBytes(valueBytes));
  }
  return { entry, seconds, nanos, timestampBytes, lineBytes, pairBytes, size };
}

/** A length-delimited field of `length` bytes with its key (one byte: every field number here is below 16) and its length prefix. */
const fieldBytes = (length: number): number => 1 + varintSize(length) + length;
/** A string field: omitted when empty, as proto3 omits default values. */
const textFieldBytes = (length: number): number => (length > 0 ? fieldBytes(length) : 0);
