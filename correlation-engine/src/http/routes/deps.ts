// What route plugins are given: the app's parts, passed explicitly (no globals) so several
// apps can live in one process.
import type { FastifyReply } from 'fastify';
import type { Config } from '../../config.js';
import type { Pipeline } from '../../correlate/pipeline.js';
import type { Delivery } from '../../delivery/delivery.js';
import type { LiveStreams } from '../../live/live-streams.js';
import type { Metrics } from '../../metrics.js';
import { normalizeTraceId } from '../../model/ids.js';
import type { ClusterView } from '../cluster/cluster-view.js';
import { HttpError } from '../http-error.js';

export interface AppState {
  /** Set when shutdown starts; /ready answers 503 from then on. */
  shuttingDown: boolean;
  startedAtMs: number;
  /** The OTLP/gRPC receiver's port once it listens (ENGINE_OTLP_GRPC_PORT set), else undefined. */
  otlpGrpcPort?: number;
}

export interface RouteDeps {
  config: Config;
  metrics: Metrics;
  delivery: Delivery;
  pipeline: Pipeline;
  live: LiveStreams;
  state: AppState;
  now: () => number;
  /** This replica's place among its peers, for the cluster-wide listings. */
  cluster: ClusterView;
}

/** A positive whole number in a query string (no type coercion: bodies must not be coerced). */
export const limitQuerySchema = {
  type: 'string',
  pattern: '^[1-9][0-9]{0,6}$',
  description: 'a whole number from 1',
} as const;

export function parseLimit(raw: string | undefined, fallback: number, max: number): number {
  return Math.min(raw === undefined ? fallback : Number(raw), max);
}

/** The trace_id filter of a query, normalized; 400 when it is not a trace id. */
export function traceIdQuery(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const traceId = normalizeTraceId(raw);
  if (!traceId) throw new HttpError(400, 'querystring.trace_id: not a 32-hex trace id');
  return traceId;
}

/** When the request began arriving, on performance.now()'s clock (the visibility histogram measures from it). */
export const arrivedAt = (reply: FastifyReply): number => performance.now() - reply.elapsedTime;
