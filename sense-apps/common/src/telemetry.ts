// Entry loaded before the app: `node --import @obs/sense-common/telemetry dist/server.js`.
// It must never break the app: without an endpoint it does nothing, and any failure to start
// becomes a warning. On SIGTERM/SIGINT it flushes; the app closes its own server and exits
// with its own process.exitCode (nothing here calls process.exit).
import { register } from 'node:module';
import { telemetryDisabledReason } from './telemetry-switch.js';

async function start(): Promise<void> {
  const reason = telemetryDisabledReason(process.env);
  if (reason) return;
  try {
    // Must precede loading the instrumentations and the app: modules loaded earlier are not
    // hooked (express/fastify/pino spans and log correlation would be missing).
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
    const { startSdk } = await import('./sdk.js');
    const telemetry = startSdk(process.env, process.cwd());
    const flush = (): void => {
      void telemetry.shutdown();
    };
    process.once('SIGTERM', flush);
    process.once('SIGINT', flush);
    process.once('beforeExit', flush);
  } catch (err) {
    process.emitWarning(`telemetry: not started: ${(err as Error).message}`);
  }
}

await start();
