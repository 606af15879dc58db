// The one error handler and the 404 handler. 4xx answers keep a message that names the problem
// (validation errors are rewritten to name the field); 5xx answers hide internals.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BackpressureError } from '../../delivery/delivery.js';
import { LogThrottle } from '../../log-throttle.js';
import { UnavailableError } from '../../model/errors.js';
import { HttpError } from '../http-error.js';
import { encodeStatusProtobuf, grpcCodeFor } from '../otlp-status.js';
import { PROTOBUF_TYPES } from './body-parsers.js';

interface ValidationIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
  /** Present because ajv runs with `verbose: true`. */
  parentSchema?: unknown;
}

/** `/records/3/trace_id` -> `records[3].trace_id`. */
export function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (extra) parts.push(extra);
  let out = '';
  for (const raw of parts) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^[0-9]+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

function describeValidation(issues: readonly ValidationIssue[], context: string | undefined): string {
  const issue = issues[0];
  if (!issue) return 'invalid request';
  const missing = issue.keyword === 'required' ? String(issue.params.missingProperty ?? '') : undefined;
  const path = fieldPath(issue.instancePath, missing);
  const where = context === 'body' ? path || 'body' : path ? `${context}.${path}` : (context ?? 'request');
  // Query values are strings with patterns; the schema's description says what the pattern means.
  const description = (issue.parentSchema as { description?: string } | undefined)?.description;
  const message = missing
    ? 'is required'
    : issue.keyword === 'pattern' && description
      ? `must be ${description}`
      : (issue.message ?? 'is invalid');
  return `${where}: ${message}`;
}

const reasonPhrases: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function isProtobufRequest(request: FastifyRequest): boolean {
  const type = (request.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return PROTOBUF_TYPES.includes(type);
}

/** Sends an error in the route's dialect: OTLP routes answer with a google.rpc.Status. */
export function sendError(request: FastifyRequest, reply: FastifyReply, statusCode: number, message: string) {
  reply.code(statusCode);
  if ((request.routeOptions.config as { otlp?: boolean } | undefined)?.otlp) {
    const code = grpcCodeFor(statusCode);
    if (isProtobufRequest(request)) {
      return reply.type('application/x-protobuf').send(encodeStatusProtobuf(code, message));
    }
    return reply.type('application/json').send({ code, message });
  }
  return reply.send({ statusCode, error: reasonPhrases[statusCode] ?? 'Error', message });
}

/**
 * Per-request logging is off (app.ts), so a refused request gets an info line with its reason: at
 * most one a second per status and route, with how many were left out (`suppressed`). A client
 * retrying a bad request in a loop, or every sender refused while the backlog is over its bound,
 * must not flood the log. Every refusal is counted in http_request_duration_seconds{status_code}.
 */
export function registerErrorHandlers(app: FastifyInstance, now: () => number): void {
  const rejectionLines = new LogThrottle(now);
  const rejectRequest = (request: FastifyRequest, reply: FastifyReply, statusCode: number, message: string) => {
    const suppressed = rejectionLines.record(`${statusCode} ${request.method} ${request.routeOptions.url ?? ''}`);
    if (suppressed !== undefined) request.log.info({ statusCode, reason: message, suppressed }, 'request rejected');
    return sendError(request, reply, statusCode, message);
  };
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof BackpressureError) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
      return rejectRequest(request, reply, 429, error.message);
    }
    if (error instanceof UnavailableError) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
      return rejectRequest(request, reply, 503, error.message);
    }
    if (error.validation) {
      return rejectRequest(request, reply, 400, describeValidation(error.validation, error.validationContext));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const accepts = (request.routeOptions.config as { accepts?: string[] } | undefined)?.accepts ?? ['application/json'];
      const type = request.headers['content-type'] ?? '(none)';
      return rejectRequest(request, reply, 415, `unsupported Content-Type "${type}": send ${accepts.join(' or ')}`);
    }
    if (error instanceof HttpError && error.retryAfterSeconds !== undefined) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    // HttpErrors carry messages written for clients, 503s included.
    if ((status >= 400 && status < 500) || error instanceof HttpError) {
      return rejectRequest(request, reply, status, error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(request, reply, status >= 500 && status < 600 ? status : 500, 'internal error');
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0];
    return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${request.method} ${path}` });
  });
}
