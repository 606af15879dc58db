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
