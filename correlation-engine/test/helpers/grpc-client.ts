// A raw OTLP/gRPC client for tests: one unary call with whatever bytes, as any OTLP/gRPC sender
// makes it, so tests can send what an exporter never would (bad bytes, no credentials, gzip).
import { type Client, credentials, Metadata, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';

export const OTLP_GRPC_PATHS = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
} as const;
export type OtlpSignal = keyof typeof OTLP_GRPC_PATHS;

const RawClient = makeGenericClientConstructor({}, 'RawOtlp');
const raw = (b: Buffer): Buffer => b;

export interface GrpcCallOptions {
  metadata?: Metadata;
  gzip?: boolean;
}

/** Clients made by grpcCall, one per target and compression (calls share its connection); closeClients() ends them. */
const clients = new Map<string, Client>();

function clientFor(target: string, gzip: boolean): Client {
  const key = `${target}|${gzip}`;
  let client = clients.get(key);
  if (!client) {
    client = new RawClient(target, credentials.createInsecure(), gzip ? { 'grpc.default_compression_algorithm': 2 } : {});
    clients.set(key, client);
  }
  return client;
}

export function grpcCall(
  target: string,
  signal: OtlpSignal,
  message: Uint8Array,
  options: GrpcCallOptions = {},
): Promise<{ response?: Buffer; error?: ServiceError }> {
  const client = clientFor(target, options.gzip ?? false);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      OTLP_GRPC_PATHS[signal],
      raw,
      raw,
      Buffer.from(message),
      options.metadata ?? new Metadata(),
      (error, response) => resolve(error ? { error } : { ...(response ? { response } : {}) }),
    );
  });
}

export function closeClients(): void {
  for (const c of clients.values()) c.close();
  clients.clear();
}

export function basicMetadata(user: string, pass: string): Metadata {
  const m = new Metadata();
  m.set('authorization', `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`);
  return m;
}
