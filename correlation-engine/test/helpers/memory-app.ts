// Apps with a small memory budget whose heap reading the test controls, so pressure comes only
// from the traffic a test sends (the test runner's own heap would otherwise dominate).
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/metrics.js';
import { ManualClock, testConfig } from './app.js';

export const MiB = 1024 * 1024;

export interface MemoryTestApp {
  app: FastifyInstance;
  clock: ManualClock;
  /** What the app reads as heap in use (0 unless a test sets it). */
  heap: { used: number };
}

/** `collect`, when given, is the app's full collection: it may change `heap.used` as a real one would. */
export async function memoryTestApp(
  env: Record<string, string> = {},
  heapLimitBytes = 1024 * MiB,
  collect?: (heap: { used: number }) => void,
): Promise<MemoryTestApp> {
  const config = testConfig({ ENGINE_MEMORY_LIMIT_BYTES: String(16 * MiB), BODY_LIMIT_BYTES: String(16 * MiB), ...env });
  const clock = new ManualClock();
  const heap = { used: 0 };
  const app = await buildApp({
    config,
    metrics: createMetrics({ instanceId: config.instanceId, defaultMetrics: false }),
    now: clock.now,
    tickIntervalMs: 0,
    memory: {
      heapLimitBytes,
      heapUsedBytes: () => heap.used,
      heapSampleMs: 0,
      ...(collect ? { collectGarbage: () => collect(heap) } : {}),
    },
  });
  return { app, clock, heap };
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** An OTLP/JSON traces body: one span per new trace, each carrying the circuit id when given. */
export function otlpSpans(count: number, circuit?: string): string {
  const start = BigInt(Date.parse('2026-11-25T10:00:00.000Z')) * 1_000_000n;
  const spans = Array.from({ length: count }, () => ({
    traceId: hex(16),
    spanId: hex(8),
    name: 'provision',
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 5_000_000n),
    ...(circuit ? { attributes: [{ key: 'circuit_id', value: { stringValue: circuit } }] } : {}),
  }));
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'beorn' } }] }, scopeSpans: [{ spans }] }],
  });
}

/** A POST /api/logs body. */
export function apiLogs(records: Array<Record<string, string>>): string {
  return JSON.stringify({ resource: { service: 'arda' }, records });
}

export interface ReadyBody {
  status: string;
  reason?: string;
  memory: {
    stage: string;
    pressure: number;
    limitBytes: number;
    source: string;
    accountedBytes: Record<'windows' | 'waiting_logs' | 'recent_logs' | 'recent_events' | 'inflight_bodies' | 'export_buffers', number>;
    heapUsedBytes: number;
  };
}

export async function ready(app: FastifyInstance): Promise<{ statusCode: number; body: ReadyBody; retryAfter: unknown }> {
  const res = await app.inject({ method: 'GET', url: '/ready' });
  return { statusCode: res.statusCode, body: res.json() as ReadyBody, retryAfter: res.headers['retry-after'] };
}
