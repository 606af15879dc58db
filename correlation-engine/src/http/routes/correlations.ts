// GET /api/correlations: events of closed windows, newest first, with filters.
import type { FastifyInstance } from 'fastify';
import type { EventFilter } from '../../correlate/pipeline.js';
import type { CorrelationEvent } from '../../model/types.js';
import { HttpError } from '../http-error.js';
import { cursorQuerySchema, limitQuerySchema, parseLimit, type RouteDeps, traceIdQuery } from './deps.js';
import { eventDetailStream } from './event-detail-stream.js';
import { writeJsonPage } from './json-page.js';
import { eventForms } from './listing-forms.js';
import { cursorCodec, cursorQuery } from './page-cursor.js';
import { sendJsonPage } from './page-reply.js';

interface CorrelationsQuery {
  limit?: string;
  trace_id?: string;
  circuit_id?: string;
  service?: string;
  since?: string;
  cursor?: string;
}

/** ISO 8601 time or Unix milliseconds. */
export function parseSince(raw: string): number {
  const ms = /^[0-9]{1,16}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new HttpError(400, 'querystring.since: not an ISO 8601 time or Unix milliseconds');
  return ms;
}

export async function correlationRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { pipeline, config } = deps;
  const cursors = cursorCodec('events');
  const eventSource = (filter: EventFilter) => ({
    walk: (before: number, visit: (event: CorrelationEvent, position: number) => boolean) => pipeline.walkEvents(filter, before, visit),
    forms: eventForms,
  });

  app.get<{ Querystring: CorrelationsQuery }>(
    '/api/correlations',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            limit: limitQuerySchema,
            trace_id: { type: 'string' },
            circuit_id: { type: 'string', minLength: 1 },
            service: { type: 'string', minLength: 1 },
            since: { type: 'string', minLength: 1 },
            cursor: cursorQuerySchema,
          },
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const traceId = traceIdQuery(q.trace_id);
      const filter: EventFilter = {
        ...(traceId ? { traceId } : {}),
        ...(q.circuit_id ? { circuitId: q.circuit_id } : {}),
        ...(q.service ? { service: q.service } : {}),
        ...(q.since ? { sinceMs: parseSince(q.since) } : {}),
      };
      const page = await writeJsonPage(
        eventSource(filter),
        cursorQuery(cursors, q.cursor, pipeline.eventsEnd),
        parseLimit(q.limit, 100, config.recentEvents),
        config.queryResponseMaxBytes,
      );
      return sendJsonPage(request, reply, page, cursors);
    },
  );

  // One event whole (every kept detail log with its full message), by its id.
  app.get<{ Params: { id: string } }>('/api/correlations/:id', async (request, reply) => {
    const event = pipeline.eventById(request.params.id);
    if (!event) throw new HttpError(404, 'no such event among the kept ones');
    return reply.type('application/json; charset=utf-8').send(eventDetailStream(event));
  });
}
