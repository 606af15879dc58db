// What a listing (GET /api/logs, GET /api/correlations) shows of each kept item: long messages
// shortened with a marker and their full size, so a page holds many items; the detail routes
// (GET /api/logs/:id, GET /api/correlations/:id) answer the item whole.
import type { CorrelationEvent, LogSummary, NormalizedLog } from '../../model/types.js';
import { type ItemForms, shortenText } from './json-page.js';

/** Characters of a log message shown in GET /api/logs. */
export const LISTED_MESSAGE_MAX_CHARS = 1024;
/** Characters of each detail log message shown in GET /api/correlations (an event lists up to 200). */
export const LISTED_EVENT_MESSAGE_MAX_CHARS = 256;

/** Fields a shortened message gains: the marker flag and the full message's UTF-8 size. */
interface Shortened {
  message: string;
  messageTruncated?: true;
  messageBytes?: number;
}

function shortened(message: string, maxChars: number): Shortened {
  const short = shortenText(message, maxChars);
  return short === message ? { message } : { message: short, messageTruncated: true, messageBytes: Buffer.byteLength(message) };
}

/** Forms of a log in a listing; `id` is what GET /api/logs/:id takes. */
export function logForms(log: NormalizedLog, id: string): ItemForms {
  return [
    () => JSON.stringify({ id, ...log, ...shortened(log.message, LISTED_MESSAGE_MAX_CHARS) }),
    // Only a log whose attributes alone fill a page gets here: they are left to the detail route.
    () => JSON.stringify({ id, ...log, ...shortened(log.message, LISTED_MESSAGE_MAX_CHARS), attributes: {}, attributesOmitted: true }),
    () => JSON.stringify({ id, timeUnixMs: log.timeUnixMs, severity: log.severity, omitted: true }),
  ];
}

function listedLog(log: LogSummary): LogSummary & Shortened {
  return log.message.length <= LISTED_EVENT_MESSAGE_MAX_CHARS ? log : { ...log, ...shortened(log.message, LISTED_EVENT_MESSAGE_MAX_CHARS) };
}

/** Forms of an event in a listing; its `id` is what GET /api/correlations/:id takes. */
export function eventForms(event: CorrelationEvent): ItemForms {
  return [
    () => JSON.stringify({ ...event, detail: { ...event.detail, logs: event.detail.logs.map(listedLog) } }),
    () => JSON.stringify({ ...event, detail: { spans: [], logs: [], spansCapped: true, logsCapped: true }, detailOmitted: true }),
    () =>
      JSON.stringify({ id: event.id, traceId: event.traceId, windowStart: event.windowStart, windowEnd: event.windowEnd, omitted: true }),
  ];
}
