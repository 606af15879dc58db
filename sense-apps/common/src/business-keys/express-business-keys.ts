import { context } from '@opentelemetry/api';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { enterBusinessContext } from './business-context.js';
import type { BusinessKeys } from './business-keys.js';
import { InvalidBusinessKeyError, invalidKeyBody, resolveRequestKeys } from './request-keys.js';

/** The keys of the current request, set by businessKeysMiddleware. */
export function expressBusinessKeys(res: Response): BusinessKeys {
  return res.locals.businessKeys as BusinessKeys;
}

/**
 * Express adapter: resolves the business keys (400 on a bad one), stores them in
 * `res.locals.businessKeys`, echoes `x-request-id`, and runs the rest of the request inside a
 * context whose baggage holds them (the express instrumentation keeps the active context
 * across `next()`, so every later span sees it).
 */
export function businessKeysMiddleware(): RequestHandler {
  return function businessKeys(req: Request, res: Response, next: NextFunction): void {
    let keys: BusinessKeys;
    try {
      keys = resolveRequestKeys(req);
    } catch (err) {
      if (err instanceof InvalidBusinessKeyError) {
        res.status(400).json(invalidKeyBody(err));
        return;
      }
      throw err;
    }
    res.locals.businessKeys = keys;
    res.setHeader('x-request-id', keys.request_id);
    context.with(enterBusinessContext(context.active(), keys), next);
  };
}
