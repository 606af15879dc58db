// Builds the engine's Fastify app from a validated Config. No listening, no process.env, no
// signals: server.ts does those, tests call buildApp() and app.inject() or listen on port 0.
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Config } from '../config.js';
import { type MemoryOptions, Pipeline } from '../correlate/pipeline.js';
import { type Delivery, NoopDelivery } from '../delivery/delivery.js';
import { type OtlpGrpcServer, startOtlpGrpc } from '../grpc/otlp-grpc-server.js';
import { LiveStreams } from '../live/live-streams.js';
import { loggerOptions } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { clusterView } from './cluster/cluster-view.js';
import { basicAuthPlugin } from './plugins/basic-auth.js';
import { registerJsonParser } from './plugins/body-parsers.js';
import { registerErrorHandlers } from './plugins/error-handler.js';
import { registerMemoryHooks } from './plugins/memory-hooks.js';
import { correlationRoutes } from './routes/correlations.js';
import type { AppState, RouteDeps } from './routes/deps.js';
import { healthRoutes } from './routes/health.js';
import { eventForms } from './routes/listing-forms.js';
import { liveRoutes } from './routes/live.js';
import { logRoutes } from './routes/logs.js';
import { otlpRoutes } from './routes/otlp.js';
import { uiRoutes } from './routes/ui.js';

/** Longest wait for running OTLP/gRPC calls at shutdown (see the preClose hook). */
const GRPC_SHUTDOWN_GRACE_MS = 3000;

export interface BuildAppOptions {
  config: Config;
  metrics?: Metrics;
  delivery?: Delivery;
  /** Clock for windows and record defaults (tests drive it). */
  now?: () => number;
  /**
   * How often due windows are closed; default a fiftieth of the window, between 10 ms and 250 ms:
   * an event is out at most that long after its window is due (a tick finds nothing to close
   * most of the time, and that costs a few map reads).
   * 0 turns the interval off (tests then call app.engine.pipeline.tick()).
   */
  tickIntervalMs?: number;
  /** Where logs go (default stdout); tests capture them. */
  logStream?: NodeJS.WritableStream;
  /** Memory limit and heap readings (tests inject them; default: detected, docs/memory-budget.md). */
  memory?: MemoryOptions;
}

/** The engine's parts, reachable from the app (server.ts shutdown, tests). */
export interface Engine extends RouteDeps {}

declare module 'fastify' {
  interface FastifyInstance {
    engine: Engine;
  }
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const now = options.now ?? Date.now;
  const metrics = options.metrics ?? createMetrics({ instanceId: config.instanceId, dataDir: config.exporters.dataDir });
  const delivery = options.delivery ?? new NoopDelivery();

  const app = Fastify({
    logger: loggerOptions(config.logLevel, options.logStream),
    bodyLimit: config.bodyLimitBytes,
    // Bodies must keep their JSON types ("message": 5 is an error, not "5"); query strings are
    // declared as strings with patterns instead of relying on coercion.
    ajv: { customOptions: { coerceTypes: false, verbose: true, allowUnionTypes: true } },
    // Load balancers see 503 while draining.
    return503OnClosing: true,
    // Fastify's own two info lines per request would be most of the log of a busy ingest
    // endpoint (and cost ~2 pino writes per request); the onResponse hook below logs one line at
    // debug instead, and rejections/failures are logged by the error handler at info/error.
    // (Through a LogController: the top-level disableRequestLogging option is deprecated.)
    logController: new LogController({ disableRequestLogging: true }),
    // Slow clients must not hold sockets for ever (docs/api-limits.md). Node checks the request
    // and headers timeouts on an interval (30 s by default); checking a few times per timeout
    // makes a drip-fed body end close to its timeout rather than up to 30 s later.
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.connectionTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    http: {
      requestTimeout: config.http.requestTimeoutMs,
      headersTimeout: config.http.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(config.http.headersTimeoutMs / 4))),
    },
  });

  const state: AppState = { shuttingDown: false, startedAtMs: Date.now() };
  const pipeline = new Pipeline({ config, metrics, delivery, now, log: app.log, ...(options.memory ? { memory: options.memory } : {}) });
  const { limit, stateBudgetBytes } = pipeline.memory;
  app.log.info({ memoryLimitBytes: limit.bytes, source: limit.source, stateBudgetBytes }, 'memory budget');
  const live = new LiveStreams({
    config: config.live,
    metrics,
    openEventOf: (traceId) => pipeline.openEventOf(traceId),
    forms: eventForms,
  });
  pipeline.setLiveListener(live);
  const cluster = clusterView(config.cluster, config.basicAuth, {
    inflight: pipeline.inflight,
    shortOfMemory: () => pipeline.shortOfMemory(),
  });
  const deps: RouteDeps = { config, metrics, delivery, pipeline, live, state, now, cluster };
  app.decorate('engine', deps);

  registerErrorHandlers(app, now);
  // Every answer (JSON, errors, the view's assets) is to be read as its declared type, never sniffed.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('x-content-type-options', 'nosniff');
    done();
  });
  registerJsonParser(app, config.bodyLimitBytes);
  if (config.basicAuth) await app.register(basicAuthPlugin, { ...config.basicAuth, now });
  // After auth: a client without credentials gets 401, not a view of our memory pressure.
  registerMemoryHooks(app, pipeline);

  const logEachRequest = config.logLevel === 'debug' || config.logLevel === 'trace';
  // Callback style, like the memory hooks: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, never the raw URL: one series per route, not per id in a path.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    // Decided once from LOG_LEVEL: at the default level no log object is built per request.
    if (logEachRequest) {
      request.log.debug(
        { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 },
        'request completed',
      );
    }
    done();
  });

  await app.register(healthRoutes, deps);
  await app.register(logRoutes, deps);
  await app.register(liveRoutes, deps);
  await app.register(correlationRoutes, deps);
  await app.register(otlpRoutes, { ...deps, prefix: '/api/otlp' });
  await app.register(uiRoutes, { grafanaUrl: config.grafanaUrl, clustered: cluster.peers !== undefined });

  const interval = options.tickIntervalMs ?? Math.min(250, Math.max(10, config.windowMs / 50));
  app.addHook('onReady', async () => pipeline.start(interval));
  if (config.otlpGrpcPort !== undefined) {
    const grpcPort = config.otlpGrpcPort;
    let grpc: OtlpGrpcServer | undefined;
    // Bound in onReady so a port already taken fails the start, as the HTTP port does.
    app.addHook('onReady', async () => {
      grpc = await startOtlpGrpc(
        { config, pipeline, metrics, log: app.log, now, shuttingDown: () => state.shuttingDown },
        config.host,
        grpcPort,
        config.otlpGrpcExtraPorts,
      );
      state.otlpGrpcPort = grpc.port;
    });
    // Before the windows are flushed: running export calls finish so what they carried is in the
    // windows that onClose closes. A call whose sender vanished mid-message would hold a graceful
    // shutdown for ever, so calls still open after a few seconds are cut (their senders retry);
    // the grace also stays under Fastify's hook timeout, past which close() itself fails.
    app.addHook('preClose', async () => {
      state.shuttingDown = true;
      await grpc?.close(Math.min(config.http.requestTimeoutMs, GRPC_SHUTDOWN_GRACE_MS));
    });
  }
  // Streams never end on their own: ended first, or closing the server would wait for them.
  app.addHook('preClose', async () => {
    state.shuttingDown = true;
    live.closeAll();
  });
  // Open windows are closed, not dropped: their events go to delivery before it shuts down.
  app.addHook('onClose', async () => {
    state.shuttingDown = true;
    const events = await pipeline.flush();
    app.log.info({ events }, 'closed all open windows');
  });

  return app;
}
