import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { context } from '@opentelemetry/api';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { enterBusinessContext } from './business-context.js';
import type { BusinessKeys } from './business-keys.js';
import { InvalidBusinessKeyError, invalidKeyBody, resolveRequestKeys } from './request-keys.js';

const kKeys = Symbol('sense.businessKeys');
const kKeysError = Symbol('sense.businessKeysError');
type RawWithKeys = IncomingMessage & { [kKeys]?: BusinessKeys; [kKeysError]?: InvalidBusinessKeyError };

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's business keys (request_id generated when absent). */
    businessKeys: BusinessKeys;
  }
}

/**
 * Runs `listener` inside a context whose baggage holds the request's keys. Why at the
 * server level: @fastify/otel captures the active context in its first onRequest hook and
 * restores exactly that one around every later hook and the handler, so baggage set from a
 * plugin hook would not reach the handler's spans. A bad key is remembered for the plugin,
 * which answers 400 through Fastify.
 */
export function withBusinessKeys(listener: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const raw = req as RawWithKeys;
    try {
      raw[kKeys] = resolveRequestKeys(req);
    } catch (err) {
      if (!(err instanceof InvalidBusinessKeyError)) throw err;
      raw[kKeysError] = err;
      listener(req, res);
      return;
    }
    context.with(enterBusinessContext(context.active(), raw[kKeys]), () => listener(req, res));
  };
}

/** Fastify `serverFactory` that applies withBusinessKeys to every request. */
export function businessKeysServerFactory(handler: RequestListener): Server {
  return createServer(withBusinessKeys(handler));
}

const plugin: FastifyPluginCallback = (app, _opts, done) => {
  app.decorateRequest('businessKeys', null as unknown as BusinessKeys);
  app.addHook('onRequest', (request: FastifyRequest, reply, next) => {
    const raw = request.raw as RawWithKeys;
    let keys = raw[kKeys];
    let error = raw[kKeysError];
    if (!keys && !error) {
      // Used without the server factory: keys still reach the response, the logs and the
      // spans already running, but not baggage for later spans.
      try {
        keys = resolveRequestKeys(request.raw);
        enterBusinessContext(context.active(), keys);
      } catch (err) {
        if (!(err instanceof InvalidBusinessKeyError)) throw err;
        error = err;
      }
    }
    if (error) {
      reply.code(400).send(invalidKeyBody(error));
      return;
    }
    request.businessKeys = keys as BusinessKeys;
    reply.header('x-request-id', request.businessKeys.request_id);
    next();
  });
  done();
};

/** Fastify adapter: decorates `request.businessKeys`, echoes `x-request-id`, answers 400 on a bad key. */
export const businessKeysPlugin = fp(plugin, { name: 'sense-business-keys', fastify: '5.x' });
