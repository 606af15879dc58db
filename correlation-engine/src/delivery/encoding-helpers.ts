// Helpers every backend encoder shares, so the per-backend folders depend on this file and never
// on each other.
import { SEVERITIES } from '../model/types.js';

/** The service name the engine's own records carry in every backend. */
export const ENGINE_SERVICE = 'correlation-engine';

/** Each severity's lower-case text, made once: toLowerCase makes a new string every call. */
const LOWER_SEVERITY: ReadonlyMap<string, string> = new Map(SEVERITIES.map((s) => [s, s.toLowerCase()]));

/** A log's severity in lower case, as Loki's `level` and Datadog's `status` take it. */
export function lowerSeverity(severity: string): string {
  return LOWER_SEVERITY.get(severity) ?? severity.toLowerCase();
}

/** Whether the object has a property of its own (without listing them all, as Object.keys would). */
export function hasOwnProperties(object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return buf.subarray(0, end).toString('utf8');
}
