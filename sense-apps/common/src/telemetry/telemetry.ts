// Entry loaded before the app: `node --import @obs/sense-common/telemetry dist/server.js`.
// It must never break the app: without an endpoint it does nothing, and any failure to start
// becomes a warning. It flushes when the app has finished: on 'beforeExit' once the app has
// closed its server after SIGTERM/SIGINT, so spans and logs of the last requests and of the
// shutdown itself are exported. Nothing here calls process.exit: the app exits with its own
// process.exitCode.
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
    process.once('beforeExit', () => void telemetry.shutdown());
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        // Our listener replaced Node's default (terminate). When the app has no listener of its
        // own, flush and then raise the signal again so the default still applies.
        if (process.listenerCount(signal) > 0) return;
        void telemetry.shutdown().then(() => process.kill(process.pid, signal));
      });
    }
  } catch (err) {
    process.emitWarning(`telemetry: not started: ${(err as Error).message}`);
  }
}

await start();
