// POST /api/logs (the seed's JSON shape) and GET /api/logs (recent normalized records).
import type { FastifyInstance } from 'fastify';
import { type ApiLogRecord, normalizeApiRecord } from '../../ingest/normalize/normalizer.js';
import { normalizeSpanId, normalizeTraceId } from '../../model/ids.js';
import { BUSINESS_KEYS, type NormalizedLog } from '../../model/types.js';
import { clusterCursorQuerySchema } from '../cluster/cluster-cursor.js';
import { answerListing, type Scope, scopeOf, scopeQuerySchema } from '../cluster/cluster-listing.js';
import { forwardDetail } from '../cluster/forward-detail.js';
import { logOrder } from '../cluster/listing-orders.js';
import { HttpError } from '../http-error.js';
import { arrivedAt, limitQuerySchema, parseLimit, type RouteDeps, traceIdQuery } from './deps.js';
import { logForms } from './listing-forms.js';
import { cursorCodec, cursorQuery } from './page-cursor.js';

/** Records per request; the body limit bounds it too, this keeps one request's work bounded. */
export const MAX_RECORDS_PER_REQUEST = 10_000;

const text = { type: 'string', maxLength: 1024 } as const;

const postLogsSchema = {
  body: {
    type: 'object',
    required: ['resource', 'records'],
    properties: {
      resource: {
        type: 'object',
        required: ['service'],
        properties: {
          service: { type: 'string', minLength: 1, maxLength: 256 },
          host: text,
          env: text,
        },
      },
      records: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_RECORDS_PER_REQUEST,
        items: {
          type: 'object',
          required: ['message'],
          properties: {
            timestamp: { type: ['string', 'number'] },
            severity: { type: ['string', 'number'] },
            message: { type: 'string' },
            labels: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
            trace_id: text,
            span_id: text,
            ...Object.fromEntries(BUSINESS_KEYS.map((k) => [k, text])),
          },
        },
      },
    },
  },
  response: {
    202: { type: 'object', properties: { accepted: { type: 'integer' } } },
  },
} as const;

export interface PostLogsBody {
  resource: { service: string; host?: string; env?: string };
  records: (Omit<ApiLogRecord, 'labels' | 'severity'> & {
    severity?: string | number;
    labels?: Record<string, string | number | boolean>;
  })[];
}

interface GetLogsQuery {
  limit?: string;
  service?: string;
  trace_id?: string;
  cursor?: string;
  scope?: Scope;
}

/**
 * Ids are checked here, not by the schema, so the rule lives in one place (ids.ts).
 * Speed: the record (ours, fresh from the body parser) is converted in place; copying it with rest
 * destructuring and Object.entries would allocate a second object per record.
 */
export function toApiRecord(record: PostLogsBody['records'][number], index: number): ApiLogRecord {
  const traceId = record.trace_id;
  const spanId = record.span_id;
  // An empty id is how many clients write "none" (the normalizer reads '' as no id).
  if (traceId && !normalizeTraceId(traceId)) throw new HttpError(400, `records[${index}].trace_id: not a 32-hex trace id`);
  if (spanId && !normalizeSpanId(spanId)) throw new HttpError(400, `records[${index}].span_id: not a 16-hex span id`);
  if (typeof record.severity === 'number') record.severity = String(record.severity);
  const labels = record.labels;
  if (labels) {
    for (const k in labels) {
      const v = labels[k];
      if (typeof v !== 'string' && Object.hasOwn(labels, k)) labels[k] = String(v);
    }
  }
  return record as ApiLogRecord;
}

export async function logRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { pipeline, config, now } = deps;

  app.post<{ Body: PostLogsBody }>('/api/logs', { schema: postLogsSchema }, async (request, reply) => {
    const { resource, records } = request.body;
    const nowMs = now();
    const target = { service: resource.service, host: resource.host, env: resource.env ?? config.defaultEnv };
    // One pass, one array: a bad id still answers 400 before anything is ingested (normalizing is pure).
    const logs = records.map((r, i) => normalizeApiRecord(toApiRecord(r, i), target, nowMs));
    await pipeline.ingestLogs(logs, arrivedAt(reply));
    return reply.code(202).send({ accepted: logs.length });
  });

  const cursors = cursorCodec('logs');
  const ids = cursorCodec('log');

  app.get<{ Querystring: GetLogsQuery }>(
    '/api/logs',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            limit: limitQuerySchema,
            service: { type: 'string', minLength: 1 },
            trace_id: { type: 'string' },
            cursor: clusterCursorQuerySchema,
            scope: scopeQuerySchema,
          },
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const traceId = traceIdQuery(q.trace_id);
      const filter = { ...(q.service ? { service: q.service } : {}), ...(traceId ? { traceId } : {}) };
      return answerListing<NormalizedLog, number>(request, reply, deps.cluster, scopeOf(q.scope, deps.cluster), q.cursor, {
        // A page resumes just above an item's position: the ring walks below `before`.
        source: {
          walk: (before, visit) => {
            pipeline.walkLogs(filter, before, (log, seq) => visit(log, seq + 1));
            return undefined;
          },
          forms: (log, resume) => logForms(log, ids.encode(resume - 1)),
        },
        encode: cursors.encode,
        start: (raw) => cursorQuery(cursors, raw, pipeline.logsEnd),
        limit: parseLimit(q.limit, 100, config.recentLogs),
        maxBytes: config.queryResponseMaxBytes,
        order: logOrder,
      });
    },
  );

  // The whole record, message included; ids stay valid while the log is among the kept ones.
  // With peers, a log of another replica (its id is not one of ours) is asked of the others.
  app.get<{ Params: { id: string }; Querystring: { scope?: Scope } }>(
    '/api/logs/:id',
    { schema: { querystring: { type: 'object', properties: { scope: scopeQuerySchema } } } },
    async (request, reply) => {
      const position = ids.decode(request.params.id);
      const log = position === undefined ? undefined : pipeline.logAt(position);
      if (log) return { id: request.params.id, ...log };
      const notHere = 'no such log among the kept ones (ids come from GET /api/logs and last while the log is kept)';
      if (scopeOf(request.query.scope, deps.cluster) !== 'cluster') throw new HttpError(404, notHere);
      // A kept log is at most a request body, every character escaped to six bytes.
      return forwardDetail(request, reply, deps.cluster, notHere, config.bodyLimitBytes * 6 + 64 * 1024);
    },
  );
}
