// Shared by the Express and Fastify adapters: resolve the keys of one incoming request and
// describe a bad key the same way in both frameworks.
import type { IncomingMessage } from 'node:http';
import { type BusinessKeys, InvalidBusinessKeyError, resolveBusinessKeys } from './business-keys.js';

export function resolveRequestKeys(req: IncomingMessage): BusinessKeys {
  // Only the query string matters. URLSearchParams never throws, unlike new URL() on a
  // request target such as `//[` (which would crash a plain request listener).
  const url = req.url ?? '';
  const at = url.indexOf('?');
  const query = new URLSearchParams(at === -1 ? '' : url.slice(at + 1));
  return resolveBusinessKeys(query, req.headers);
}

/** The JSON body of a 400 answer for a bad key. */
export function invalidKeyBody(err: InvalidBusinessKeyError): { error: string; key: string; message: string } {
  return { error: 'invalid_business_key', key: err.key, message: err.message };
}

export { InvalidBusinessKeyError };
