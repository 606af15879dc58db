// GET /api/correlations: events of closed windows, newest first, with filters.
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-error.js';
import { limitQuerySchema, parseLimit, type RouteDeps, traceIdQuery } from './deps.js';

interface CorrelationsQuery {
  limit?: string;
  trace_id?: string;
  circuit_id?: string;
  service?: string;
  since?: string;
}

/** ISO 8601 time or Unix milliseconds. */
export function parseSince(raw: string): number {
  const ms = /^[0-9]{1,16}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new HttpError(400, 'querystring.since: not an ISO 8601 time or Unix milliseconds');
  return ms;
}

export async function correlationRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { pipeline, config } = deps;
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
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const traceId = traceIdQuery(q.trace_id);
      return pipeline.recentEventsMatching({
        limit: parseLimit(q.limit, 100, config.recentEvents),
        ...(traceId ? { traceId } : {}),
        ...(q.circuit_id ? { circuitId: q.circuit_id } : {}),
        ...(q.service ? { service: q.service } : {}),
        ...(q.since ? { sinceMs: parseSince(q.since) } : {}),
      });
    },
  );
}
