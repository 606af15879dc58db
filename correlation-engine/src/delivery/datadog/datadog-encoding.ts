// Pure mapping from queued records to Datadog logs-intake v2 bodies (JSON arrays), within its
// limits: at most 1000 entries and 5 MB uncompressed per request, 1 MB per entry.
import { BUSINESS_KEYS, type CorrelationEvent, type NormalizedLog } from '../../model/types.js';
import { ENGINE_SERVICE, hasOwnProperties, lowerSeverity, truncateUtf8 } from '../encoding-helpers.js';
import type { LogHead, QueuedRecord } from '../queue/queue-rows.js';

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
  /** The JSON array body, uncompressed. */
  json: string;
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

function logEntry(log: NormalizedLog, options: DatadogEncodingOptions): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    message: log.message,
    ddsource: SOURCE,
    ddtags: logTags(log, options),
    hostname: log.host ?? options.hostname,
    service: log.service,
    status: lowerSeverity(log.severity),
    timestamp: Math.floor(log.timeUnixMs),
  };
  if (log.traceId) {
    entry.trace_id = log.traceId;
    entry['dd.trace_id'] = ddTraceId(log.traceId);
  }
  if (log.spanId) {
    entry.span_id = log.spanId;
    entry['dd.span_id'] = BigInt(`0x${log.spanId}`).toString(10);
  }
  for (const key of BUSINESS_KEYS) if (log.keys[key]) entry[key] = log.keys[key];
  if (hasOwnProperties(log.attributes)) entry.attributes = log.attributes;
  return entry;
}

function eventEntry(event: CorrelationEvent, options: DatadogEncodingOptions): Record<string, unknown> {
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
    correlation: event,
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

/** Serializes one entry, cutting it to `maxEntryBytes` (message shortened, bulky parts dropped). */
function serializeEntry(record: QueuedRecord, options: DatadogEncodingOptions): string {
  // Datadog takes records one by one; OTLP requests as received are for Loki's OTLP endpoint.
  if (record.kind === 'otlp-logs') throw new TypeError('an OTLP logs request is not a Datadog entry');
  const entry = record.kind === 'log' ? logEntry(record.log, options) : eventEntry(record.event, options);
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

/** Splits records into request bodies that respect the entry-count and byte limits. */
export function buildDatadogRequests(records: readonly QueuedRecord[], options: DatadogEncodingOptions): DatadogRequest[] {
  const out: DatadogRequest[] = [];
  let parts: string[] = [];
  let batch: QueuedRecord[] = [];
  let bytes = 2; // the array brackets
  const close = (): void => {
    if (parts.length === 0) return;
    out.push({ json: `[${parts.join(',')}]`, records: batch });
    parts = [];
    batch = [];
    bytes = 2;
  };
  for (const record of records) {
    const json = serializeEntry(record, options);
    const size = Buffer.byteLength(json) + 1; // + comma
    if (parts.length >= options.maxEntriesPerRequest || (parts.length > 0 && bytes + size > options.maxRequestBytes)) close();
    parts.push(json);
    batch.push(record);
    bytes += size;
  }
  close();
  return out;
}
