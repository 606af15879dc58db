// OTLP/gRPC receiver: the three OTLP export services (traces, logs, metrics) on
// ENGINE_OTLP_GRPC_PORT and any ENGINE_OTLP_GRPC_EXTRA_PORTS, feeding the same decoders and
// pipeline as the OTLP/HTTP routes, with the same Basic credentials, body limit and refusals.
// 4317/gRPC is what OTLP senders offer first and the only protocol of the collector's
// load_balancing exporter.
//
// Messages are taken as raw bytes (identity deserializer) and decoded by the engine's own protobuf
// decoders, so a span decodes exactly as it does on the HTTP route and no schema is loaded.
// Statuses follow the OTLP spec: INVALID_ARGUMENT for what will never be accepted, UNAVAILABLE /
// RESOURCE_EXHAUSTED with a RetryInfo for what should come again later, UNAUTHENTICATED.
import { type handleUnaryCall, Metadata, Server, ServerCredentials, type ServiceDefinition, status } from '@grpc/grpc-js';
import type { FastifyBaseLogger } from 'fastify';
import { BasicCredentials } from '../auth/basic-credentials.js';
import type { Config } from '../config.js';
import type { Pipeline } from '../correlate/pipeline.js';
import { BackpressureError } from '../delivery/delivery.js';
import { decodeFailure, decodeLogs, decodeMetrics, decodeTraces, encodeExportResponse, type Rejections } from '../ingest/otlp/index.js';
import { LogThrottle } from '../log-throttle.js';
import type { Metrics } from '../metrics.js';
import { UnavailableError } from '../model/errors.js';
import { retryStatusDetails } from './status-details.js';

type Signal = 'traces' | 'logs' | 'metrics';

export interface OtlpGrpcDeps {
  config: Config;
  pipeline: Pipeline;
  metrics: Metrics;
  log: FastifyBaseLogger;
  now: () => number;
  /** True once shutdown started: calls are refused as UNAVAILABLE so senders go elsewhere or retry. */
  shuttingDown: () => boolean;
}

export interface OtlpGrpcServer {
  /** The bound port (the configured one, or the one picked for 0). */
  readonly port: number;
  /** Stops taking calls, lets running ones finish for up to graceMs, then cuts the rest. */
  close(graceMs: number): Promise<void>;
}

/** A refusal as grpc-js sends it: code, message and trailers. */
class GrpcRefusal extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

const SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};

const raw = (b: Buffer): Buffer => b;

function serviceDefinition(signal: Signal): ServiceDefinition {
  return {
    Export: {
      path: SERVICES[signal],
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      responseSerialize: raw,
      responseDeserialize: raw,
    },
  };
}

/** Decoder failures are the sender's: INVALID_ARGUMENT with the reason (see decodeFailure). */
function decoding<T>(log: FastifyBaseLogger, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    const failure = decodeFailure(err);
    if (!failure) throw err;
    if (failure.bug) log.error({ err }, 'OTLP decoder failed on a malformed gRPC message');
    throw new GrpcRefusal(status.INVALID_ARGUMENT, failure.reason);
  }
}

function refusalOf(err: unknown): GrpcRefusal | undefined {
  if (err instanceof GrpcRefusal) return err;
  if (err instanceof UnavailableError) return new GrpcRefusal(status.UNAVAILABLE, err.message, err.retryAfterSeconds);
  // The HTTP route's 429: retried by OTLP senders only with the RetryInfo that comes with it.
  if (err instanceof BackpressureError) return new GrpcRefusal(status.RESOURCE_EXHAUSTED, err.message, err.retryAfterSeconds);
  return undefined;
}

function trailersOf(refusal: GrpcRefusal): Metadata | undefined {
  if (refusal.retryAfterSeconds === undefined) return undefined;
  const metadata = new Metadata();
  const seconds = Math.max(1, Math.ceil(refusal.retryAfterSeconds));
  metadata.set('grpc-status-details-bin', retryStatusDetails(refusal.code, refusal.message, seconds));
  return metadata;
}

export async function startOtlpGrpc(
  deps: OtlpGrpcDeps,
  host: string,
  port: number,
  extraPorts: readonly number[] = [],
): Promise<OtlpGrpcServer> {
  const { config, pipeline, metrics, log } = deps;
  const credentials = config.basicAuth ? new BasicCredentials(config.basicAuth.user, config.basicAuth.pass) : undefined;
  const failures = new LogThrottle(Date.now);
  const refusals = new LogThrottle(deps.now);

  const server = new Server({
    // The body limit of the HTTP routes; grpc-js answers RESOURCE_EXHAUSTED beyond it, also for a
    // gzip message whose inflated size is over it.
    'grpc.max_receive_message_length': config.bodyLimitBytes,
    // Connections that carry nothing are closed, as the HTTP keep-alive timeout does.
    'grpc.max_connection_idle_ms': config.http.keepAliveTimeoutMs,
  });

  /** Runs one export call: auth, memory guard, decode, ingest, answer; every outcome timed and counted. */
  function exportCall(
    signal: Signal,
    ingest: (message: Buffer, arrivedAt: number) => Promise<Rejections>,
  ): handleUnaryCall<Buffer, Buffer> {
    return (call, callback) => {
      // The whole message has arrived when the handler runs; visibility is measured from here.
      const started = performance.now();
      const finish = (code: status): void => {
        metrics.grpcDuration.observe(
          { grpc_method: signal, grpc_code: status[code] ?? String(code) },
          (performance.now() - started) / 1000,
        );
      };
      const message = call.request;
      const run = async (): Promise<Rejections> => {
        if (credentials && !credentials.matches(String(call.metadata.get('authorization')[0] ?? ''))) {
          const client = call.getPeer();
          const suppressed = failures.record(client);
          if (suppressed !== undefined) {
            log.warn(
              { client, suppressed, grpcMethod: signal },
              'failed Basic auth attempt on OTLP/gRPC (suppressed: attempts from this client not logged since its previous line)',
            );
          }
          throw new GrpcRefusal(status.UNAUTHENTICATED, 'valid Basic credentials required');
        }
        if (deps.shuttingDown()) throw new GrpcRefusal(status.UNAVAILABLE, 'the engine is shutting down', 1);
        const refusal = pipeline.memoryRefusal();
        if (refusal) throw refusal;
        // Counted like an HTTP body while it is decoded and ingested: the memory budget sees it.
        pipeline.inflight.add(message.length);
        try {
          return await ingest(message, started);
        } finally {
          pipeline.inflight.release(message.length);
        }
      };
      run().then(
        (rejections) => {
          const body = encodeExportResponse(signal, rejections, 'protobuf') as Uint8Array;
          finish(status.OK);
          callback(null, Buffer.from(body.buffer, body.byteOffset, body.byteLength));
        },
        (err: unknown) => {
          const refusal = refusalOf(err);
          if (!refusal) {
            log.error({ err, grpcMethod: signal }, 'OTLP/gRPC export failed');
            finish(status.INTERNAL);
            callback({ code: status.INTERNAL, details: 'internal error' });
            return;
          }
          // As for HTTP: at most one line a second per method and code, with how many were left out.
          const suppressed = refusal.code === status.UNAUTHENTICATED ? undefined : refusals.record(`${signal} ${refusal.code}`);
          if (suppressed !== undefined)
            log.info({ grpcMethod: signal, code: status[refusal.code], reason: refusal.message, suppressed }, 'OTLP/gRPC export refused');
          finish(refusal.code);
          const trailers = trailersOf(refusal);
          callback({ code: refusal.code, details: refusal.message, ...(trailers ? { metadata: trailers } : {}) });
        },
      );
    };
  }

  server.addService(serviceDefinition('traces'), {
    Export: exportCall('traces', async (message, arrivedAt) => {
      const { spans, rejected, message: why } = decoding(log, () => decodeTraces(message, 'protobuf'));
      pipeline.ingestSpans(spans, arrivedAt);
      return { rejected, ...(why ? { message: why } : {}) };
    }),
  });
  server.addService(serviceDefinition('logs'), {
    Export: exportCall('logs', async (message, arrivedAt) => {
      const { logs, dropped, rejected, message: why } = decoding(log, () => decodeLogs(message, 'protobuf', deps.now()));
      for (const l of logs) l.env ??= config.defaultEnv;
      await pipeline.ingestLogs(logs, arrivedAt, { format: 'protobuf', body: message, dropped });
      return { rejected, ...(why ? { message: why } : {}) };
    }),
  });
  server.addService(serviceDefinition('metrics'), {
    Export: exportCall('metrics', async (message) => {
      const { dataPoints, services, rejected, message: why } = decoding(log, () => decodeMetrics(message, 'protobuf'));
      pipeline.countMetrics(dataPoints, services);
      return { rejected, ...(why ? { message: why } : {}) };
    }),
  });

  const bind = (p: number, variable: string) =>
    new Promise<number>((resolve, reject) => {
      const address = host.includes(':') ? `[${host}]:${p}` : `${host}:${p}`;
      server.bindAsync(address, ServerCredentials.createInsecure(), (err, bound) =>
        // grpc-js says only "No address added": name the address and where it was configured.
        err ? reject(new Error(`the OTLP/gRPC receiver cannot listen on ${address} (${variable}): ${err.message}`)) : resolve(bound),
      );
    });
  let bound: number;
  try {
    bound = await bind(port, 'ENGINE_OTLP_GRPC_PORT');
    // One server, several listening sockets: the same services, limits and auth on every port.
    for (const extra of extraPorts) await bind(extra, 'ENGINE_OTLP_GRPC_EXTRA_PORTS');
  } catch (err) {
    // A port already taken fails the start; the sockets bound before it are not left behind.
    server.forceShutdown();
    throw err;
  }
  log.info({ port: bound, extraPorts, auth: credentials !== undefined }, 'OTLP/gRPC receiver listening');

  return {
    port: bound,
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        const cut = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        cut.unref();
        server.tryShutdown(() => {
          clearTimeout(cut);
          resolve();
        });
      }),
  };
}
