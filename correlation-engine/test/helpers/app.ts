// Builds apps for tests from a literal environment (never process.env), with a controllable clock.
import type { FastifyInstance } from 'fastify';
import { type Config, loadConfig } from '../../src/config.js';
import type { Delivery } from '../../src/delivery/delivery.js';
import { buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/metrics.js';
import type { ManualClock } from './manual-clock.js';

export { ManualClock } from './manual-clock.js';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ ENGINE_INSTANCE_ID: 'test-engine', LOG_LEVEL: 'silent', ...env });
}

export interface TestAppOptions {
  env?: Record<string, string>;
  clock?: ManualClock;
  /** With a clock, the closing interval still runs at this period (default: off). */
  tickIntervalMs?: number;
  delivery?: Delivery;
  logStream?: NodeJS.WritableStream;
}

/** An app with its interval off when a manual clock is given (the test calls tick()) unless tickIntervalMs says otherwise. */
export async function testApp(options: TestAppOptions = {}): Promise<FastifyInstance> {
  const config = testConfig(options.env);
  return buildApp({
    config,
    metrics: createMetrics({ instanceId: config.instanceId, defaultMetrics: false }),
    ...(options.delivery ? { delivery: options.delivery } : {}),
    ...(options.clock ? { now: options.clock.now, tickIntervalMs: options.tickIntervalMs ?? 0 } : {}),
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
}

/** Reads one sample of a metric from the app's /metrics text (sum over matching label sets). */
export async function metricValue(app: FastifyInstance, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  let total = 0;
  for (const line of res.body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
