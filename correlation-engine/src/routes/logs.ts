// POST /api/logs (the seed's JSON shape) and GET /api/logs (recent normalized records).
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-error.js';
import { normalizeSpanId, normalizeTraceId } from '../pipeline/ids.js';
import { type ApiLogRecord, normalizeApiRecord } from '../pipeline/normalizer.js';
import { BUSINESS_KEYS } from '../pipeline/types.js';
import { limitQuerySchema, parseLimit, type RouteDeps, traceIdQuery } from './deps.js';

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
}

/** Ids are checked here, not by the schema, so the rule lives in one place (ids.ts). */
export function toApiRecord(record: PostLogsBody['records'][number], index: number): ApiLogRecord {
  const { labels, severity, trace_id, span_id, ...rest } = record;
  const out: ApiLogRecord = rest;
  // An empty id is how many clients write "none".
  if (trace_id) {
    if (!normalizeTraceId(trace_id)) throw new HttpError(400, `records[${index}].trace_id: not a 32-hex trace id`);
    out.trace_id = trace_id;
  }
  if (span_id) {
    if (!normalizeSpanId(span_id)) throw new HttpError(400, `records[${index}].span_id: not a 16-hex span id`);
    out.span_id = span_id;
  }
  if (severity !== undefined) out.severity = String(severity);
  if (labels) {
    const strings: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) strings[k] = String(v);
    out.labels = strings;
  }
  return out;
}

export async function logRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { pipeline, config, now } = deps;

  app.post<{ Body: PostLogsBody }>('/api/logs', { schema: postLogsSchema }, async (request, reply) => {
    const { resource, records } = request.body;
    const apiRecords = records.map(toApiRecord);
    const nowMs = now();
    const target = { service: resource.service, host: resource.host, env: resource.env ?? config.defaultEnv };
    const logs = apiRecords.map((r) => normalizeApiRecord(r, target, nowMs));
    await pipeline.ingestLogs(logs);
    return reply.code(202).send({ accepted: logs.length });
  });

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
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const traceId = traceIdQuery(q.trace_id);
      return pipeline.recentLogsMatching({
        limit: parseLimit(q.limit, 100, config.recentLogs),
        ...(q.service ? { service: q.service } : {}),
        ...(traceId ? { traceId } : {}),
      });
    },
  );
}
