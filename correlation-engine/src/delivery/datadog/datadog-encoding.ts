// Pure mapping from queued records to Datadog logs-intake v2 bodies (JSON arrays), within its
// limits: at most 1000 entries and 5 MB uncompressed per request, 1 MB per entry.
import { BUSINESS_KEYS, type NormalizedLog } from '../../model/types.js';
import { ENGINE_SERVICE, hasOwnProperties, lowerSeverity, truncateUtf8 } from '../encoding-helpers.js';
import { type EventHeadFields, headHasCounts, type LineTexts, type LogHead, type QueuedRecord } from '../queue/queue-rows.js';

export interface DatadogEncodingOptions {
  maxEntriesPerRequest: number;
  maxRequestBytes: number;
  maxEntryBytes: number;
  /** `env:` tag for events and for logs that carry none. */
  defaultEnv: string;
  /** hostname for events and for logs that carry none. */
  hostname: string;
}

export interface DatadogRequest {
  /** The JSON array body as UTF-8, uncompressed. */
  body: Buffer;
  records: QueuedRecord[];
}

const SOURCE = ENGINE_SERVICE;
const MARKER = '…[truncated]';

/**
 * Datadog's own tracers send `dd.trace_id` as the low 64 bits in decimal; with it the log links
 * to APM traces even where the OTel `trace_id` attribute is not remapped.
 */
function ddTraceId(traceId: string): string {
  return BigInt(`0x${traceId.slice(16)}`).toString(10);
}

/**
 * `tags` with `name:value` appended, when there is a value. A comma would end the tag early (it
 * separates them in `ddtags`), so it becomes `_`. Written out rather than mapped over an object's
 * entries: it runs for every log shipped.
 */
function withTag(tags: string, name: string, value: string | undefined): string {
  if (!value) return tags;
  const tag = `${name}:${value.includes(',') ? value.replaceAll(',', '_') : value}`;
  return tags === '' ? tag : `${tags},${tag}`;
}

function logTags(log: LogHead, options: DatadogEncodingOptions): string {
  return withTag(withTag(withTag('', 'env', log.env ?? options.defaultEnv), 'source', log.source), 'format', log.format);
}

/**
 * A log's entry, with `message` and `attributes` as given. Every member is set, in the mapping's
 * order, those a log lacks as undefined (JSON.stringify leaves them out): one object shape for
 * every log, where members added only when present gave each combination of trace id, span id,
 * business keys and attributes a shape of its own for JSON.stringify to look up. The business
 * keys are the five of BUSINESS_KEYS, in its order (the byte-for-byte property test, written from
 * BUSINESS_KEYS, fails when they disagree).
 */
function logEntry(
  log: LogHead,
  options: DatadogEncodingOptions,
  message: string | undefined,
  attributes: NormalizedLog['attributes'] | undefined,
): Record<string, unknown> {
  const { traceId, spanId, keys } = log;
  return {
    message,
    ddsource: SOURCE,
    ddtags: logTags(log, options),
    hostname: log.host ?? options.hostname,
    service: log.service,
    status: lowerSeverity(log.severity),
    timestamp: Math.floor(log.timeUnixMs),
    trace_id: traceId || undefined,
    'dd.trace_id': traceId ? ddTraceId(traceId) : undefined,
    span_id: spanId || undefined,
    'dd.span_id': spanId ? BigInt(`0x${spanId}`).toString(10) : undefined,
    circuit_id: keys.circuit_id || undefined,
    product_id: keys.product_id || undefined,
    resource_id: keys.resource_id || undefined,
    resource_type_id: keys.resource_type_id || undefined,
    request_id: keys.request_id || undefined,
    attributes,
  };
}

/**
 * A log's entry made from its head, and its message and attributes as the JSON texts cut from its
 * queued line (loki-line.ts lineTexts): the other members serialized, those two spliced in their
 * places. Why: read back, they were parsed out of the line into objects only to be serialized
 * again; cut as texts, the line is never parsed (a damaged body is caught by its checksum when
 * the queue reads it, body-segments.ts).
 */
function logEntryFromTexts(head: LogHead, texts: LineTexts, options: DatadogEncodingOptions): string {
  const members = JSON.stringify(logEntry(head, options, undefined, undefined));
  const attributes = texts.attributes === '' ? '' : `,"attributes":{${texts.attributes}}`;
  return `{"message":${texts.message},${members.slice(1, -1)}${attributes}}`;
}

/**
 * An event's entry from the event's fields (the event itself, or its queued head when that holds
 * them); `correlation` is the event itself, or a stand-in for its JSON text spliced in afterwards.
 */
function eventEntry(event: EventHeadFields, options: DatadogEncodingOptions, correlation: unknown = event): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    message:
      `correlation window ${event.traceId}: ${event.spanCount} spans, ${event.logCount} logs, ` +
      `${event.errorCount} errors across ${event.services.join(', ') || 'no service'}`,
    ddsource: SOURCE,
    ddtags: withTag(withTag('', 'env', options.defaultEnv), 'kind', 'correlation'),
    hostname: options.hostname,
    service: ENGINE_SERVICE,
    status: lowerSeverity(event.highestSeverity ?? 'INFO'),
    timestamp: Date.parse(event.windowEnd) || Date.now(),
    trace_id: event.traceId,
    'dd.trace_id': /^[0-9a-f]{32}$/.test(event.traceId) ? ddTraceId(event.traceId) : undefined,
    correlation,
  };
  for (const key of BUSINESS_KEYS) {
    const values = event.keys[key];
    if (values && values.length > 0) entry[key] = values.length === 1 ? values[0] : values;
  }
  return entry;
}

/**
 * Whether an entry's JSON is within the bound. A UTF-16 code unit is at most 3 bytes of UTF-8, so
 * a short entry fits without its bytes counted here (the caller counts them once, for the
 * request's bound).
 */
function fits(json: string, maxEntryBytes: number): boolean {
  return json.length * 3 <= maxEntryBytes || Buffer.byteLength(json) <= maxEntryBytes;
}

/** Where an event entry's `correlation` goes: no other text in the entry's JSON can read so (quotes inside strings are escaped). */
const CORRELATION_STAND_IN = '"correlation":0';

/**
 * An event's entry with its queued JSON text as `correlation`: the text is `JSON.stringify(event)`
 * as queued, so splicing it in writes what serializing the parsed event again would, without
 * walking the event's detail (most of its bytes) a second time.
 */
function eventEntryWithText(event: EventHeadFields, text: string, options: DatadogEncodingOptions): string {
  const json = JSON.stringify(eventEntry(event, options, 0));
  const at = json.indexOf(CORRELATION_STAND_IN);
  return `${json.slice(0, at)}"correlation":${text}${json.slice(at + CORRELATION_STAND_IN.length)}`;
}

/**
 * Whether the record's entry is made from its queued text and head alone (a log's message and
 * attributes cut from its line, an event's text with its head's counts): the record itself is
 * then never parsed, short of an entry over the bound.
 */
export function madeFromQueuedText(record: QueuedRecord): boolean {
  if (record.kind === 'log') return record.head !== undefined && record.texts !== undefined;
  return record.kind === 'event' && record.json !== undefined && record.head !== undefined && headHasCounts(record.head);
}

/** Serializes one entry, cutting it to `maxEntryBytes` (message shortened, bulky parts dropped). */
function serializeEntry(record: QueuedRecord, options: DatadogEncodingOptions): string {
  // Datadog takes records one by one; OTLP requests as received are for Loki's OTLP endpoint.
  if (record.kind === 'otlp-logs') throw new TypeError('an OTLP logs request is not a Datadog entry');
  if (record.kind === 'event' && record.json !== undefined) {
    // The head's fields when it has them: the event is then not parsed at all.
    const fields = record.head !== undefined && headHasCounts(record.head) ? record.head : record.event;
    const spliced = eventEntryWithText(fields, record.json, options);
    if (fits(spliced, options.maxEntryBytes)) return spliced;
  } else if (record.kind === 'log' && record.head !== undefined && record.texts !== undefined) {
    const spliced = logEntryFromTexts(record.head, record.texts, options);
    if (fits(spliced, options.maxEntryBytes)) return spliced;
  }
  const entry =
    record.kind === 'log'
      ? logEntry(record.log, options, record.log.message, hasOwnProperties(record.log.attributes) ? record.log.attributes : undefined)
      : eventEntry(record.event, options);
  let json = JSON.stringify(entry);
  if (fits(json, options.maxEntryBytes)) return json;
  delete entry.attributes;
  if (record.kind === 'event') entry.correlation = { ...record.event, detail: undefined, truncated: true };
  entry.truncated = true;
  const message = String(entry.message);
  entry.message = '';
  const room = options.maxEntryBytes - Buffer.byteLength(JSON.stringify(entry)) - Buffer.byteLength(MARKER);
  // Halving the room leaves space for JSON escaping, which can grow the text.
  entry.message = truncateUtf8(message, Math.max(0, Math.floor(room / 2))) + MARKER;
  json = JSON.stringify(entry);
  return json;
}

const OPEN = 0x5b; // [
const COMMA = 0x2c;
const CLOSE = 0x5d; // ]

/**
 * One request's body, written as UTF-8 entry by entry into a buffer of its own that doubles when
 * an entry may not fit. Why bytes and not a joined string: the entry's UTF-8 written once gives
 * its size for the request bound too, where a string was scanned for its byte length, copied by
 * the join and encoded again for gzip.
 */
class RequestBody {
  private buf: Buffer;
  length = 1;
  entries = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 2));
    this.buf[0] = OPEN;
  }

  /** Writes `json` as the next entry (after a comma when not the first); the bytes it took. */
  add(json: string): number {
    // A UTF-16 code unit is at most 3 bytes of UTF-8: with that much room the write is never cut.
    this.reserve(json.length * 3 + 2);
    const at = this.length + (this.entries > 0 ? 1 : 0);
    if (this.entries > 0) this.buf[this.length] = COMMA;
    const n = this.buf.write(json, at);
    this.length = at + n;
    this.entries += 1;
    return n;
  }

  /** Takes the last entry back out (it goes to the next request instead). */
  dropLast(bytes: number): void {
    this.entries -= 1;
    this.length -= bytes + (this.entries > 0 ? 1 : 0);
  }

  /** The array's bytes, closed. */
  close(): Buffer {
    this.buf[this.length] = CLOSE;
    return this.buf.subarray(0, this.length + 1);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}

/** First capacity of a request's buffer: a few entries' worth; it doubles as entries come. */
const FIRST_CAPACITY = 64 * 1024;

/** Splits records into request bodies that respect the entry-count and byte limits. */
export function buildDatadogRequests(records: readonly QueuedRecord[], options: DatadogEncodingOptions): DatadogRequest[] {
  const out: DatadogRequest[] = [];
  let body = new RequestBody(FIRST_CAPACITY);
  let batch: QueuedRecord[] = [];
  for (const record of records) {
    const json = serializeEntry(record, options);
    const full = body.entries >= options.maxEntriesPerRequest;
    const size = full ? 0 : body.add(json);
    // Over the request bound (its closing bracket counted): the entry starts the next request,
    // unless it is the first (an entry alone is within the bound: maxEntryBytes is below it).
    if (full || (body.entries > 1 && body.length + 1 > options.maxRequestBytes)) {
      if (!full) body.dropLast(size);
      out.push({ body: body.close(), records: batch });
      body = new RequestBody(FIRST_CAPACITY);
      batch = [];
      body.add(json);
    }
    batch.push(record);
  }
  if (body.entries > 0) out.push({ body: body.close(), records: batch });
  return out;
}
