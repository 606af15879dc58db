// GET /api/correlations: events of closed windows (state=closed, the default), open windows
// (state=open) or both (state=all, open first), newest first, with filters; docs/live-correlations.md.
import type { FastifyInstance } from 'fastify';
import type { OpenFilter } from '../../correlate/open-windows.js';
import type { EventFilter } from '../../correlate/pipeline.js';
import { normalizeTraceId } from '../../model/ids.js';
import type { CorrelationEvent } from '../../model/types.js';
import { clusterCursorQuerySchema } from '../cluster/cluster-cursor.js';
import { answerListing, type Scope, scopeOf, scopeQuerySchema } from '../cluster/cluster-listing.js';
import { forwardDetail } from '../cluster/forward-detail.js';
import { eventOrder } from '../cluster/listing-orders.js';
import { HttpError } from '../http-error.js';
import { limitQuerySchema, parseLimit, type RouteDeps, traceIdQuery } from './deps.js';
import { eventDetailMaxBytes, eventDetailStream } from './event-detail-stream.js';
import { listingCursorCodec, listingCursorQuery } from './listing-cursor.js';
import { eventForms } from './listing-forms.js';
import { openListingSource } from './open-listing.js';
import { cursorCodec, cursorQuery } from './page-cursor.js';

interface CorrelationsQuery {
  limit?: string;
  trace_id?: string;
  circuit_id?: string;
  resource_id?: string;
  service?: string;
  errors?: string;
  since?: string;
  cursor?: string;
  state?: 'closed' | 'open' | 'all';
  scope?: Scope;
}

const TRACE_ID_PATH = /^[0-9a-fA-F]{32}$/;

/** ISO 8601 time or Unix milliseconds. */
export function parseSince(raw: string): number {
  const ms = /^[0-9]{1,16}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new HttpError(400, 'querystring.since: not an ISO 8601 time or Unix milliseconds');
  return ms;
}

export async function correlationRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { pipeline, config, cluster } = deps;
  const detailMaxBytes = eventDetailMaxBytes(config);
  const cursors = cursorCodec('events');
  const listingCursors = listingCursorCodec();
  const eventSource = (filter: EventFilter) => ({
    walk: (before: number, visit: (event: CorrelationEvent, resume: number) => boolean) => {
      pipeline.walkEvents(filter, before, (event, seq) => visit(event, seq + 1));
      return undefined;
    },
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
            resource_id: { type: 'string', minLength: 1 },
            service: { type: 'string', minLength: 1 },
            errors: { type: 'string', enum: ['1', 'true', '0', 'false'] },
            state: { type: 'string', enum: ['closed', 'open', 'all'] },
            since: { type: 'string', minLength: 1 },
            cursor: clusterCursorQuerySchema,
            scope: scopeQuerySchema,
          },
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const traceId = traceIdQuery(q.trace_id);
      const errorsOnly = q.errors === '1' || q.errors === 'true';
      const filter: EventFilter = {
        ...(traceId ? { traceId } : {}),
        ...(q.circuit_id ? { circuitId: q.circuit_id } : {}),
        ...(q.resource_id ? { resourceId: q.resource_id } : {}),
        ...(q.service ? { service: q.service } : {}),
        ...(errorsOnly ? { errorsOnly } : {}),
        ...(q.since ? { sinceMs: parseSince(q.since) } : {}),
      };
      const limit = parseLimit(q.limit, 100, config.recentEvents);
      const state = q.state ?? 'closed';
      const scope = scopeOf(q.scope, cluster);
      const maxBytes = config.queryResponseMaxBytes;
      if (state === 'closed') {
        return answerListing(request, reply, cluster, scope, q.cursor, {
          source: eventSource(filter),
          encode: cursors.encode,
          start: (raw) => cursorQuery(cursors, raw, pipeline.eventsEnd),
          limit,
          maxBytes,
          order: eventOrder,
        });
      }
      const openFilter: OpenFilter = {
        ...(traceId ? { traceId } : {}),
        ...(q.circuit_id || q.resource_id
          ? { linking: { ...(q.circuit_id ? { circuit_id: q.circuit_id } : {}), ...(q.resource_id ? { resource_id: q.resource_id } : {}) } }
          : {}),
        ...(q.service ? { service: q.service } : {}),
        ...(errorsOnly ? { errorsOnly } : {}),
      };
      return answerListing(request, reply, cluster, scope, q.cursor, {
        source: openListingSource(pipeline, openFilter, filter, state === 'all'),
        encode: listingCursors.encode,
        start: (raw) => listingCursorQuery(listingCursors, raw),
        limit,
        maxBytes,
        order: eventOrder,
      });
    },
  );

  // One event whole (every kept detail log with its full message), by its id; or by a trace id:
  // the trace's open window when it has one, else its newest kept closed event.
  // With peers, an event this replica does not hold is asked of the others (http/cluster/forward-detail.ts).
  app.get<{ Params: { id: string }; Querystring: { scope?: Scope } }>(
    '/api/correlations/:id',
    { schema: { querystring: { type: 'object', properties: { scope: scopeQuerySchema } } } },
    async (request, reply) => {
      const id = request.params.id;
      const traceId = TRACE_ID_PATH.test(id) ? normalizeTraceId(id) : undefined;
      const event = traceId ? (pipeline.openEventOf(traceId) ?? pipeline.latestEventOf(traceId)) : pipeline.eventById(id);
      if (!event) {
        const notHere = traceId ? 'no open window and no kept event for this trace' : 'no such event among the kept ones';
        if (scopeOf(request.query.scope, cluster) !== 'cluster') throw new HttpError(404, notHere);
        return forwardDetail(request, reply, cluster, notHere, detailMaxBytes);
      }
      return reply.type('application/json; charset=utf-8').send(eventDetailStream(event));
    },
  );
}
