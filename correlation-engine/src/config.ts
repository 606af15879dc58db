// The engine's configuration: read from environment variables once, at start-up, and validated
// as a whole so one run reports every bad variable (dotenv is loaded by server.ts, not here).
import { hostname } from 'node:os';
import { z } from 'zod';
import { type ExportersConfig, exportersEnvSchema } from './delivery-config.js';
import {
  envBoolean,
  envEnum,
  envInt,
  envOptionalInt,
  envOptionalString,
  envOptionalUrl,
  envPortList,
  envPositiveNumber,
  envString,
} from './env-schema.js';
import { type ClusterConfig, clusterConfig, envPeerDnsName, envPeerList } from './http/cluster/cluster-config.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const engineEnvSchema = z.object({
  PORT: envInt(8080, 0, 65535),
  HOST: envString('0.0.0.0'),
  ENGINE_OTLP_GRPC_PORT: envOptionalInt(0, 65535),
  ENGINE_OTLP_GRPC_EXTRA_PORTS: envPortList(),
  LOG_LEVEL: envEnum(LOG_LEVELS, 'info'),
  CORR_WINDOW_SECONDS: envPositiveNumber(60),
  CORR_MAX_OPEN_WINDOWS: envInt(200_000, 1),
  CORR_MAX_SPANS_PER_WINDOW: envInt(200, 0),
  CORR_MAX_LOGS_PER_WINDOW: envInt(200, 0),
  CORR_MAX_WAITING_LOGS: envInt(10_000, 1),
  CORR_RECENT_EVENTS: envInt(1000, 1),
  CORR_RECENT_LOGS: envInt(2000, 1),
  ENGINE_INSTANCE_ID: envString(hostname()),
  DEFAULT_ENV: envString('dev'),
  BODY_LIMIT_BYTES: envInt(5 * 1024 * 1024, 1024),
  ENABLE_BASIC_AUTH: envBoolean(false),
  BASIC_AUTH_USER: envOptionalString(),
  BASIC_AUTH_PASS: envOptionalString(),
  GRAFANA_URL: envOptionalUrl(),
  // Below 16 MiB the runtime alone would keep the engine refusing ingest.
  ENGINE_MEMORY_LIMIT_BYTES: envOptionalInt(16 * 1024 * 1024),
  QUERY_RESPONSE_MAX_BYTES: envInt(1024 * 1024, 64 * 1024),
  HTTP_REQUEST_TIMEOUT_MS: envInt(30_000, 1),
  HTTP_HEADERS_TIMEOUT_MS: envInt(10_000, 1),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: envInt(72_000, 1),
  HTTP_CONNECTION_TIMEOUT_MS: envInt(120_000, 1),
  CORR_LIVE_MAX_STREAMS: envInt(256, 0, 100_000),
  CORR_LIVE_STREAM_BUFFER_BYTES: envInt(256 * 1024, 4096),
  CORR_LIVE_FLUSH_MS: envInt(250, 10, 5000),
  CORR_LIVE_DIRTY_MAX_BYTES: envInt(2 * 1024 * 1024, 64 * 1024),
  ENGINE_CLUSTER_GATEWAY_URL: envOptionalUrl(),
  ENGINE_CLUSTER_BUFFER_MAX_BYTES: envInt(16 * 1024 * 1024, 64 * 1024),
  ENGINE_CLUSTER_LINGER_MS: envInt(50, 0, 10_000),
  ENGINE_PEERS: envPeerList(),
  ENGINE_PEERS_DNS: envPeerDnsName(),
  ENGINE_PEERS_DNS_REFRESH_MS: envInt(5000, 100, 3_600_000),
  ENGINE_PEER_TIMEOUT_MS: envInt(1000, 10, 60_000),
});

/** The engine's own variables (the exporters' are in delivery-config.ts). */
export const ENGINE_ENV_VARS = Object.keys(engineEnvSchema.shape);

export interface BasicAuthConfig {
  user: string;
  pass: string;
}

export interface Config {
  port: number;
  host: string;
  /** ENGINE_OTLP_GRPC_PORT: the OTLP/gRPC receiver's port (0 = any free one); unset = no gRPC receiver. */
  otlpGrpcPort: number | undefined;
  /**
   * ENGINE_OTLP_GRPC_EXTRA_PORTS: more ports the same receiver listens on. The gateway's load
   * balancer (k8s or static resolver) counts each host:port as a backend with its own ring points,
   * so one engine listed on several ports gets a share of the ring closer to 1/N (docs/scaling.md).
   */
  otlpGrpcExtraPorts: number[];
  logLevel: LogLevel;
  /** Window length in milliseconds (CORR_WINDOW_SECONDS). */
  windowMs: number;
  maxOpenWindows: number;
  maxSpansPerWindow: number;
  maxLogsPerWindow: number;
  /** Trace-less logs waiting at most for a window with their key (the oldest leaves first when full). */
  maxWaitingLogs: number;
  recentEvents: number;
  recentLogs: number;
  instanceId: string;
  defaultEnv: string;
  /** Cap on a request body, compressed and inflated alike. */
  bodyLimitBytes: number;
  /** Set when ENABLE_BASIC_AUTH=true; never logged. */
  basicAuth: BasicAuthConfig | undefined;
  grafanaUrl: string | undefined;
  /** ENGINE_MEMORY_LIMIT_BYTES; unset = the cgroup limit, else the V8 heap limit (memory/memory-limit.ts). */
  memoryLimitBytes: number | undefined;
  /** Cap on a listing answer (GET /api/logs, GET /api/correlations) in bytes; more comes by cursor. */
  queryResponseMaxBytes: number;
  http: HttpTimeouts;
  live: LiveConfig;
  /** Linking across replicas behind the scale overlay; unset = this engine links on its own (docs/scaling.md). */
  clusterLinking: ClusterLinkingConfig | undefined;
  /** The other replicas the query routes gather from (docs/scaling.md "One view of the cluster"); undefined = this one alone. */
  cluster: ClusterConfig | undefined;
  exporters: ExportersConfig;
}

/** Linking across replicas (cluster-linking/, docs/scaling.md "Linking across replicas"). */
export interface ClusterLinkingConfig {
  /** ENGINE_CLUSTER_GATEWAY_URL: the gateway's cluster receiver (OTLP/HTTP base URL, `/v1/logs` is appended). */
  gatewayUrl: string;
  /** ENGINE_CLUSTER_BUFFER_MAX_BYTES: unsent cluster records past which ingest is refused (429). */
  bufferMaxBytes: number;
  /** ENGINE_CLUSTER_LINGER_MS: how long cluster records gather before a request. */
  lingerMs: number;
}

/** Live correlation streams (GET /api/correlations/stream, docs/live-correlations.md). */
export interface LiveConfig {
  /** Streams open at once; more are answered 429 (0 turns the stream off). */
  maxStreams: number;
  /** Bytes written to one stream and not yet read by its client; past it the stream is dropped. */
  streamBufferBytes: number;
  /** How often changed windows are written to the streams (updates to one window in between coalesce). */
  flushMs: number;
  /** Bound on the set of windows changed since the last flush; past it streams are told to re-read. */
  dirtyMaxBytes: number;
}

/** Server timeouts in milliseconds (see docs/api-limits.md). */
export interface HttpTimeouts {
  /** Whole request, headers and body: past it the client gets 408 and the socket is closed. */
  requestTimeoutMs: number;
  /** Until the request headers are complete (at most the request timeout). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way is destroyed after this. */
  connectionTimeoutMs: number;
}

function describe(issues: readonly z.core.$ZodIssue[], env: NodeJS.ProcessEnv): string[] {
  return issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    const raw = env[name];
    // Secrets are never echoed back, even in an error.
    const shown = raw === undefined || /PASS|KEY|SECRET|TOKEN/.test(name) ? '' : ` (got ${JSON.stringify(raw)})`;
    return `${name}: ${issue.message}${shown}`;
  });
}

/** Checked on the raw values so it is reported even when other variables are bad too. */
function authProblems(env: NodeJS.ProcessEnv): string[] {
  const enabled = ['true', '1'].includes(env.ENABLE_BASIC_AUTH?.trim() ?? '');
  if (!enabled) return [];
  const problems: string[] = [];
  for (const name of ['BASIC_AUTH_USER', 'BASIC_AUTH_PASS']) {
    if (!env[name]?.trim()) problems.push(`${name}: must be set when ENABLE_BASIC_AUTH=true`);
  }
  if (env.BASIC_AUTH_USER?.includes(':')) problems.push('BASIC_AUTH_USER: must not contain ":" (the Basic auth separator)');
  return problems;
}

/** Node refuses a headers timeout longer than the request timeout; say so by name instead. */
function timeoutProblems(env: { HTTP_HEADERS_TIMEOUT_MS: number; HTTP_REQUEST_TIMEOUT_MS: number } | undefined): string[] {
  if (!env || env.HTTP_HEADERS_TIMEOUT_MS <= env.HTTP_REQUEST_TIMEOUT_MS) return [];
  return [`HTTP_HEADERS_TIMEOUT_MS: must be <= HTTP_REQUEST_TIMEOUT_MS (${env.HTTP_REQUEST_TIMEOUT_MS})`];
}

/** Both ways of naming the replicas at once would leave it unclear which list is meant. */
function peerProblems(env: NodeJS.ProcessEnv): string[] {
  return env.ENGINE_PEERS?.trim() && env.ENGINE_PEERS_DNS?.trim()
    ? ['ENGINE_PEERS_DNS: set either ENGINE_PEERS or ENGINE_PEERS_DNS, not both']
    : [];
}

/** Extra gRPC ports are more addresses of the one receiver: without it there is nothing to add them to. */
function grpcPortProblems(
  env: { ENGINE_OTLP_GRPC_PORT?: number | undefined; ENGINE_OTLP_GRPC_EXTRA_PORTS: number[] } | undefined,
): string[] {
  if (!env || env.ENGINE_OTLP_GRPC_EXTRA_PORTS.length === 0) return [];
  if (env.ENGINE_OTLP_GRPC_PORT === undefined)
    return ['ENGINE_OTLP_GRPC_EXTRA_PORTS: needs ENGINE_OTLP_GRPC_PORT (the receiver they add addresses to)'];
  if (env.ENGINE_OTLP_GRPC_EXTRA_PORTS.includes(env.ENGINE_OTLP_GRPC_PORT))
    return [`ENGINE_OTLP_GRPC_EXTRA_PORTS: names ENGINE_OTLP_GRPC_PORT (${env.ENGINE_OTLP_GRPC_PORT}) again`];
  return [];
}

/** Validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const engine = engineEnvSchema.safeParse(env);
  const exporters = exportersEnvSchema.safeParse(env);
  const problems = [
    ...(engine.success ? [] : describe(engine.error.issues, env)),
    ...authProblems(env),
    ...timeoutProblems(engine.data),
    ...grpcPortProblems(engine.data),
    ...peerProblems(env),
    ...(exporters.success ? [] : describe(exporters.error.issues, env)),
  ];
  if (!engine.success || !exporters.success || problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = engine.data;
  return {
    port: e.PORT,
    host: e.HOST,
    otlpGrpcPort: e.ENGINE_OTLP_GRPC_PORT,
    otlpGrpcExtraPorts: e.ENGINE_OTLP_GRPC_EXTRA_PORTS,
    logLevel: e.LOG_LEVEL,
    // At least 1 ms: fractional seconds are allowed (tests), a zero-length window is not.
    windowMs: Math.max(1, Math.round(e.CORR_WINDOW_SECONDS * 1000)),
    maxOpenWindows: e.CORR_MAX_OPEN_WINDOWS,
    maxSpansPerWindow: e.CORR_MAX_SPANS_PER_WINDOW,
    maxLogsPerWindow: e.CORR_MAX_LOGS_PER_WINDOW,
    maxWaitingLogs: e.CORR_MAX_WAITING_LOGS,
    recentEvents: e.CORR_RECENT_EVENTS,
    recentLogs: e.CORR_RECENT_LOGS,
    instanceId: e.ENGINE_INSTANCE_ID,
    defaultEnv: e.DEFAULT_ENV,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    basicAuth:
      e.ENABLE_BASIC_AUTH && e.BASIC_AUTH_USER && e.BASIC_AUTH_PASS ? { user: e.BASIC_AUTH_USER, pass: e.BASIC_AUTH_PASS } : undefined,
    grafanaUrl: e.GRAFANA_URL,
    memoryLimitBytes: e.ENGINE_MEMORY_LIMIT_BYTES,
    queryResponseMaxBytes: e.QUERY_RESPONSE_MAX_BYTES,
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      connectionTimeoutMs: e.HTTP_CONNECTION_TIMEOUT_MS,
    },
    live: {
      maxStreams: e.CORR_LIVE_MAX_STREAMS,
      streamBufferBytes: e.CORR_LIVE_STREAM_BUFFER_BYTES,
      flushMs: e.CORR_LIVE_FLUSH_MS,
      dirtyMaxBytes: e.CORR_LIVE_DIRTY_MAX_BYTES,
    },
    clusterLinking: e.ENGINE_CLUSTER_GATEWAY_URL
      ? {
          gatewayUrl: e.ENGINE_CLUSTER_GATEWAY_URL,
          bufferMaxBytes: e.ENGINE_CLUSTER_BUFFER_MAX_BYTES,
          lingerMs: e.ENGINE_CLUSTER_LINGER_MS,
        }
      : undefined,
    cluster: clusterConfig(e),
    exporters: exporters.data,
  };
}
