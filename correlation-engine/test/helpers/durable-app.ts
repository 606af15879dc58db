// A test app with the real durable delivery its environment configures (queue on disk, real
// exporters), for tests that follow records from the routes to a backend stand-in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { createDelivery } from '../../src/delivery/create-delivery.js';
import { DurableDelivery } from '../../src/delivery/durable-delivery.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { type ManualClock, testApp } from './app.js';

export interface DurableTestApp {
  app: FastifyInstance;
  delivery: DurableDelivery;
  /** The delivery's registry (exporter metrics). */
  metrics: Metrics;
  /** Closes the app, shuts the delivery down and removes its data directory. */
  close(): Promise<void>;
}

/**
 * `env` over quiet defaults and a fresh data directory; it must configure an exporter. The
 * delivery is started; with a clock the app's closing interval is off (the test ticks). The app
 * logs to `logStream` when given (with LOG_LEVEL in `env`).
 */
export async function durableTestApp(
  env: Record<string, string>,
  clock?: ManualClock,
  logStream?: NodeJS.WritableStream,
): Promise<DurableTestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'durable-app-'));
  const full = {
    ENGINE_INSTANCE_ID: 'engine-1',
    LOG_LEVEL: 'silent',
    DEFAULT_ENV: 'test',
    ENGINE_DATA_DIR: dir,
    EXPORT_LINGER_MS: '0',
    ...env,
  };
  const metrics = createMetrics({ instanceId: 'engine-1', defaultMetrics: false });
  const delivery = createDelivery(loadConfig(full), { metrics, logger: { info() {}, warn() {}, error() {} }, version: '9.9.9' });
  if (!(delivery instanceof DurableDelivery)) throw new Error('no exporter configured: a durable delivery expected');
  delivery.start();
  const app = await testApp({ env: full, delivery, ...(clock ? { clock } : {}), ...(logStream ? { logStream } : {}) });
  return {
    app,
    delivery,
    metrics,
    close: async () => {
      await app.close();
      await delivery.shutdown(500);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
