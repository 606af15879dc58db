// Datadog logs intake v2 stand-in: gunzips the JSON array and checks the intake's limits, the
// way the real intake would refuse an oversized payload (413) or a missing key (403).

import type { IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { HttpSink } from './http-sink.js';

export interface DatadogReceivedEntry {
  entry: Record<string, unknown>;
  /** Serialized size of this entry in the uncompressed body. */
  bytes: number;
  /** Index of the request that carried it, and that request's entry count and size. */
  request: { entries: number; bytes: number };
}

export const DD_LIMITS = { entries: 1000, requestBytes: 5 * 1024 * 1024, entryBytes: 1024 * 1024 };

export function createDatadogSink(expectedKey: string): HttpSink<DatadogReceivedEntry> {
  return new HttpSink((raw: Buffer, headers: IncomingHttpHeaders) => {
    if (headers['dd-api-key'] !== expectedKey) throw new Error('missing or wrong DD-API-KEY');
    if (headers['content-encoding'] !== 'gzip') throw new Error('expected gzip');
    const text = gunzipSync(raw).toString('utf8');
    const bytes = Buffer.byteLength(text);
    const list = JSON.parse(text) as Record<string, unknown>[];
    if (!Array.isArray(list)) throw new Error('body must be a JSON array');
    if (list.length > DD_LIMITS.entries) throw new Error(`too many entries: ${list.length}`);
    if (bytes > DD_LIMITS.requestBytes) throw new Error(`payload too large: ${bytes}`);
    return list.map((entry) => {
      const size = Buffer.byteLength(JSON.stringify(entry));
      if (size > DD_LIMITS.entryBytes) throw new Error(`entry too large: ${size}`);
      return { entry, bytes: size, request: { entries: list.length, bytes } };
    });
  }, 202);
}
