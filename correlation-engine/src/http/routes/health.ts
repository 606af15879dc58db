// Probes and the Prometheus scrape. Open even when BasicAuth is on.
import type { FastifyInstance } from 'fastify';
import { MEMORY_RETRY_AFTER_SECONDS } from '../../correlate/pipeline.js';
import type { RouteDeps } from './deps.js';

export async function healthRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { config, metrics, pipeline, state } = deps;

  app.get(
    '/health',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              instance: { type: 'string' },
              uptimeSeconds: { type: 'number' },
              openWindows: { type: 'integer' },
            },
          },
        },
      },
    },
    async () => ({
      status: 'healthy',
      instance: config.instanceId,
      uptimeSeconds: Math.round((Date.now() - state.startedAtMs) / 100) / 10,
      openWindows: pipeline.correlator.openWindowCount,
    }),
  );

  app.get('/ready', async (_request, reply) => {
    if (state.shuttingDown) return reply.code(503).send({ status: 'shutting_down' });
    const bp = pipeline.backpressure();
    if (bp) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(bp.retryAfterSeconds))));
      return reply.code(503).send({ status: 'backpressure', reason: bp.reason });
    }
    const m = pipeline.memoryStatus();
    const memory = {
      stage: m.stage,
      pressure: Math.round(m.pressure.ratio * 1000) / 1000,
      limitBytes: m.limitBytes,
      source: m.source,
      accountedBytes: m.accounted,
      heapUsedBytes: m.pressure.heapUsedBytes,
    };
    if (m.reason !== undefined) {
      reply.header('retry-after', String(MEMORY_RETRY_AFTER_SECONDS));
      return reply.code(503).send({ status: 'memory_pressure', reason: m.reason, memory });
    }
    return { status: 'ready', memory };
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}
