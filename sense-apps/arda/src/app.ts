// arda: the last hop (Fastify). `?fail=true` makes it fail so the error path can be followed
// across the trace.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  businessKeysPlugin,
  businessKeysServerFactory,
  currentTraceId,
  InvalidFailFlagError,
  type Logger,
  parseFailFlag,
} from '@obs/sense-common';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';

export class ProvisioningError extends Error {
  override name = 'ProvisioningError';
}

export interface ArdaOptions {
  logger: Logger;
}

const tracer = trace.getTracer('arda');

export type ArdaApp = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger>;

export function buildApp(options: ArdaOptions): ArdaApp {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Establishes the business-key baggage before Fastify (and @fastify/otel) see the request.
    serverFactory: businessKeysServerFactory,
  });
  app.register(businessKeysPlugin);

  app.get('/health', async () => ({ status: 'healthy', service: 'arda' }));

  app.get<{ Querystring: { fail?: string } }>('/api/test', async (request, reply) => {
    let fail: boolean;
    try {
      fail = parseFailFlag(request.query.fail);
    } catch (err) {
      if (!(err instanceof InvalidFailFlagError)) throw err;
      return reply.code(400).send({ error: 'invalid_query', message: err.message });
    }
    const keys = request.businessKeys;
    return tracer.startActiveSpan('arda.provision', async (span) => {
      try {
        request.log.info({ fail }, 'arda provisioning resource');
        if (fail) throw new ProvisioningError(`provisioning failed for circuit ${keys.circuit_id ?? '(none)'}`);
        const result = { service: 'arda', trace_id: currentTraceId(), keys, provisioned: true };
        request.log.info('arda provisioned resource');
        return result;
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    });
  });

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof ProvisioningError) {
      request.log.error({ err }, 'arda failed');
      return reply
        .code(500)
        .send({ error: 'provisioning_failed', service: 'arda', trace_id: currentTraceId(), failedHop: 'arda', message: err.message });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ error: 'bad_request', message: (err as Error).message });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: 'internal_error', service: 'arda', message: 'internal error' });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  return app;
}
