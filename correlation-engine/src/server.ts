// The engine's entry point: reads .env and the environment, listens, and shuts down cleanly on
// SIGTERM/SIGINT (not ready -> stop accepting -> close all windows -> flush delivery -> exit).
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig } from './config.js';
import { claimDataDir, type DataDirClaim, DataDirClaimError } from './data-dir-claim.js';
import { createDelivery } from './delivery/create-delivery.js';
import type { Delivery } from './delivery/delivery.js';
import { DeferredLogger } from './delivery/delivery-logger.js';
import { buildApp } from './http/app.js';
import { createMetrics } from './metrics.js';

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`correlation-engine: ${err.message}`);
    process.exitCode = 1;
    return;
  }
  // Replicas sharing one data directory each take a slot of it before anything opens a file there.
  let claim: DataDirClaim | undefined;
  if (config.exporters.dataDirSlots > 0) {
    try {
      claim = claimDataDir(config.exporters.dataDir, config.exporters.dataDirSlots);
    } catch (err) {
      if (!(err instanceof DataDirClaimError)) throw err;
      console.error(`correlation-engine: ${err.message}`);
      process.exitCode = 1;
      return;
    }
    config = { ...config, exporters: { ...config.exporters, dataDir: claim.dir } };
  }

  const metrics = createMetrics({ instanceId: config.instanceId, dataDir: config.exporters.dataDir });
  const deliveryLog = new DeferredLogger();
  const delivery: Delivery = createDelivery(config, { metrics, logger: deliveryLog });
  const app = await buildApp({ config, metrics, delivery });
  deliveryLog.attach(app.log);
  if (claim) app.log.info({ dataDir: claim.dir, slot: claim.slot }, 'claimed a slot of the shared data directory');

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    app.engine.state.shuttingDown = true;
    app.log.info({ signal }, 'shutting down');
    // EXPORT_SHUTDOWN_DEADLINE_MS: what is not delivered by then stays queued for the next start.
    const deadline = Date.now() + config.exporters.delivery.shutdownDeadlineMs;
    try {
      // Stops accepting, waits for in-flight requests, then closes every window (onClose).
      await app.close();
      await delivery.shutdown(deadline);
      claim?.release();
      app.log.info('shutdown complete');
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exitCode = 1;
    }
  };
  process.once('SIGTERM', (s) => void shutdown(s));
  process.once('SIGINT', (s) => void shutdown(s));

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    // e.g. the port is taken: release what was opened (queue files, timers) so the process ends.
    app.log.error({ err }, 'cannot listen');
    process.exitCode = 1;
    await app.close();
    await delivery.shutdown(Date.now());
    return;
  }
  delivery.start();
}

main().catch((err: unknown) => {
  console.error('correlation-engine: failed to start', err);
  process.exitCode = 1;
});
