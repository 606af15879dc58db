// Request body decoding: gzip (inflated with a hard cap so a small bomb cannot grow past the
// body limit), JSON (Fastify's prototype-poisoning-safe parser) and raw protobuf bytes.
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../http-error.js';

const gunzipAsync = promisify(gunzip);

export const PROTOBUF_TYPES = ['application/x-protobuf', 'application/protobuf'];

/** Undoes Content-Encoding. The compressed body was already capped by Fastify's bodyLimit. */
export async function decodeContentEncoding(request: FastifyRequest, raw: Buffer, limit: number): Promise<Buffer> {
  const header = request.headers['content-encoding'];
  const encoding = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return raw;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new HttpError(415, `unsupported Content-Encoding "${encoding}": send gzip or no encoding`);
  }
  try {
    // maxOutputLength stops inflating as soon as the output would pass the limit.
    return await gunzipAsync(raw, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new HttpError(413, `request body inflates past the ${limit}-byte limit`);
    }
    throw new HttpError(400, `request body is not valid gzip: ${(err as Error).message}`);
  }
}

/** Replaces the JSON parser so JSON bodies may be gzip-compressed too. */
export function registerJsonParser(app: FastifyInstance, bodyLimit: number): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // No route takes plain text; without its parser a text body gets 415 instead of a schema error.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, raw, done) => {
    decodeContentEncoding(request, raw as Buffer, bodyLimit).then(
      (body) => parseJson(request, body.toString('utf8'), done),
      (err: unknown) => done(err as Error, undefined),
    );
  });
}

/** Protobuf bodies reach the handler as bytes (only registered in the OTLP scope). */
export function registerProtobufParser(app: FastifyInstance, bodyLimit: number): void {
  app.addContentTypeParser(PROTOBUF_TYPES, { parseAs: 'buffer', bodyLimit }, (request, raw, done) => {
    decodeContentEncoding(request, raw as Buffer, bodyLimit).then(
      (body) => done(null, body),
      (err: unknown) => done(err as Error, undefined),
    );
  });
}
