// Sends a listing page. The body stays the JSON array existing callers read; the way on is in
// the headers, `X-Next-Cursor` (opaque) and an RFC 8288 `Link: <...>; rel="next"`, present only
// when more matching items are kept.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JsonPage } from './json-page.js';

export const NEXT_CURSOR_HEADER = 'x-next-cursor';

export function sendJsonPage<C>(request: FastifyRequest, reply: FastifyReply, page: JsonPage<C>, cursors: { encode(cursor: C): string }) {
  if (page.next !== undefined) {
    const cursor = cursors.encode(page.next);
    const params = new URLSearchParams(request.query as Record<string, string>);
    params.set('cursor', cursor);
    const path = request.url.split('?', 1)[0] ?? '';
    reply.header(NEXT_CURSOR_HEADER, cursor);
    reply.header('link', `<${path}?${params.toString()}>; rel="next"`);
  }
  return reply.type('application/json; charset=utf-8').send(page.body);
}
