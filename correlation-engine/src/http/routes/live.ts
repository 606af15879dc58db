// GET /api/correlations/stream: open windows pushed as server-sent events while records arrive,
// and each window's closed event when it closes (docs/live-correlations.md). Behind the same
// BasicAuth as the other /api routes (the auth hook runs before this handler). The number of
// streams is bounded (429 + Retry-After past CORR_LIVE_MAX_STREAMS) and so is what each may hold
// unread (live/live-streams.ts).
import type { FastifyInstance } from 'fastify';
import { type EventFilter, eventMatcher } from '../../correlate/pipeline.js';
import { HttpError } from '../http-error.js';
import { type RouteDeps, traceIdQuery } from './deps.js';

/** Retry-After when every stream slot is taken: streams are long-lived, polling serves meanwhile. */
const FULL_RETRY_AFTER_SECONDS = 30;
/** How long the browser waits before reconnecting a dropped stream (the SSE `retry:` field). */
const RECONNECT_MS = 3000;

interface StreamQuery {
  trace_id?: string;
  circuit_id?: string;
  resource_id?: string;
  service?: string;
  errors?: string;
}

export async function liveRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { live, config, metrics } = deps;

  app.get<{ Querystring: StreamQuery }>(
    '/api/correlations/stream',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            trace_id: { type: 'string' },
            circuit_id: { type: 'string', minLength: 1 },
            resource_id: { type: 'string', minLength: 1 },
            service: { type: 'string', minLength: 1 },
            errors: { type: 'string', enum: ['1', 'true', '0', 'false'] },
          },
        },
      },
    },
    async (request, reply) => {
      if (config.live.maxStreams === 0)
        throw new HttpError(404, 'live streams are turned off (CORR_LIVE_MAX_STREAMS=0); poll GET /api/correlations?state=open');
      if (deps.state.shuttingDown) throw new HttpError(503, 'shutting down', 5);
      if (!live.hasRoom) {
        metrics.liveStreamsRefused.inc();
        throw new HttpError(
          429,
          `${config.live.maxStreams} live streams are open; poll GET /api/correlations?state=open or retry later`,
          FULL_RETRY_AFTER_SECONDS,
        );
      }
      const q = request.query;
      const traceId = traceIdQuery(q.trace_id);
      const filter: EventFilter = {
        ...(traceId ? { traceId } : {}),
        ...(q.circuit_id ? { circuitId: q.circuit_id } : {}),
        ...(q.resource_id ? { resourceId: q.resource_id } : {}),
        ...(q.service ? { service: q.service } : {}),
        ...(q.errors === '1' || q.errors === 'true' ? { errorsOnly: true } : {}),
      };
      reply.hijack();
      const res = reply.raw;
      // The stream is idle between updates by design: the connection timeout is for silent
      // sockets, and keep-alive comments and the buffer bound cover this one.
      request.raw.socket.setTimeout(0);
      // Headers set by hooks (nosniff) are the reply's; a hijacked reply does not send them itself.
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // Proxies that buffer (nginx) would hold updates back; polling stays the fallback for the rest.
        'x-accel-buffering': 'no',
      });
      res.write(`retry: ${RECONNECT_MS}\n: connected\n\n`);
      live.add(res, eventMatcher(filter));
    },
  );
}
