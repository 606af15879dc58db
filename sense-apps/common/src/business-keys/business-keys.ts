// Pure parsing of the five business keys from a request's query string and headers.
// No I/O and no OTel here, so the rules are easy to test table-driven.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { BUSINESS_KEYS, type BusinessKey } from '@obs/shared-constants';

export { BUSINESS_KEYS, type BusinessKey };
/** All five keys, always present once resolved (request_id is generated when absent). */
export type BusinessKeys = Partial<Record<BusinessKey, string>> & { request_id: string };

export const MAX_KEY_LENGTH = 128;
// Values travel in HTTP headers, W3C baggage and Loki structured metadata: keep them to a
// conservative token alphabet so none of those needs escaping rules of its own.
const VALUE_PATTERN = /^[A-Za-z0-9._:@/+=-]+$/;

export class InvalidBusinessKeyError extends Error {
  override name = 'InvalidBusinessKeyError';
  constructor(
    readonly key: BusinessKey,
    reason: string,
  ) {
    super(`${key} ${reason}`);
  }
}

/** `circuit_id` -> `x-circuit-id`; `request_id` -> `x-request-id` (the common request-id header). */
export function headerNameFor(key: BusinessKey): string {
  return `x-${key.replaceAll('_', '-')}`;
}

/** Why a value cannot be used, or undefined when it is fine. */
export function keyValueProblem(value: string): string | undefined {
  if (value.length > MAX_KEY_LENGTH) return `is longer than ${MAX_KEY_LENGTH} characters`;
  if (!VALUE_PATTERN.test(value)) return 'may contain only letters, digits and . _ : @ / + = -';
  return undefined;
}

function fromQuery(query: URLSearchParams, key: BusinessKey): string | undefined {
  const values = query.getAll(key).filter((v) => v !== '');
  if (values.length > 1) throw new InvalidBusinessKeyError(key, 'is given more than once in the query');
  return values[0];
}

function fromHeaders(headers: IncomingHttpHeaders, key: BusinessKey): string | undefined {
  const raw = headers[headerNameFor(key)];
  if (Array.isArray(raw)) throw new InvalidBusinessKeyError(key, `is given more than once in ${headerNameFor(key)}`);
  return raw === '' ? undefined : raw;
}

/**
 * Reads each key from the query (which wins: it is the most explicit) or its `x-*` header,
 * validates it, and generates `request_id` when neither carries one.
 */
export function resolveBusinessKeys(
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
  newRequestId: () => string = randomUUID,
): BusinessKeys {
  const found: Partial<Record<BusinessKey, string>> = {};
  for (const key of BUSINESS_KEYS) {
    const value = fromQuery(query, key) ?? fromHeaders(headers, key);
    if (value === undefined) continue;
    const problem = keyValueProblem(value);
    if (problem) throw new InvalidBusinessKeyError(key, problem);
    found[key] = value;
  }
  return { ...found, request_id: found.request_id ?? newRequestId() };
}

/** The `x-*` headers that carry the keys to the next hop. */
export function forwardHeaders(keys: Partial<Record<BusinessKey, string>>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const key of BUSINESS_KEYS) {
    const value = keys[key];
    if (value !== undefined) headers[headerNameFor(key)] = value;
  }
  return headers;
}
