// The Express app of a relay hop (beorn, palantir): answers /api/test by calling the next hop.
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { businessKeysMiddleware, expressBusinessKeys } from '../business-keys/express-business-keys.js';
import { currentTraceId } from '../telemetry/current-trace.js';
import type { Logger } from '../telemetry/logger.js';
import { InvalidFailFlagError, parseFailFlag } from './fail-flag.js';
import { callNextHop, type NextHop, NextHopError } from './next-hop.js';

export interface RelayAppOptions {
  service: string;
  nextHop: NextHop;
  logger: Logger;
  nextHopTimeoutMs?: number;
}

export function buildRelayApp(options: RelayAppOptions): Express {
  const { service, nextHop, logger } = options;
  const app: Express = express();
  app.disable('x-powered-by');

  app.get('/health', (_req, res) => {
    res.json({ status: 'healthy', service });
  });

  app.use('/api', businessKeysMiddleware());

  app.get('/api/test', async (req: Request, res: Response) => {
    const keys = expressBusinessKeys(res);
    let fail: boolean;
    try {
      fail = parseFailFlag(req.query.fail);
    } catch (err) {
      if (!(err instanceof InvalidFailFlagError)) throw err;
      res.status(400).json({ error: 'invalid_query', message: err.message });
      return;
    }
    logger.info({ next_hop: nextHop.name, fail }, `${service} received /api/test`);
    try {
      const downstream = await callNextHop(nextHop, keys, { fail, timeoutMs: options.nextHopTimeoutMs });
      logger.info({ next_hop: nextHop.name }, `${nextHop.name} answered ${service}`);
      res.json({ service, trace_id: currentTraceId(), keys, downstream });
    } catch (err) {
      if (!(err instanceof NextHopError)) throw err;
      logger.error({ next_hop: nextHop.name, failed_hop: err.failedHop, status: err.status }, err.message);
      res.status(502).json({
        error: 'bad_gateway',
        service,
        trace_id: currentTraceId(),
        failedHop: err.failedHop,
        status: err.status,
        message: err.message,
      });
    }
  });

  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', message: `no route ${req.method} ${req.path}` });
  });

  // Express needs all four parameters to treat this as the error handler.
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    logger.error({ err }, 'unhandled error');
    res.status(500).json({ error: 'internal_error', service, message: 'internal error' });
  });

  return app;
}
