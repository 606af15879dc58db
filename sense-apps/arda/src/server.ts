// arda: last hop of the chain. Thin: settings, listen, signals.
import { createLogger, listenUntilSignal, readConfigOrReport, readServiceConfig } from '@obs/sense-common';
import { buildApp } from './app.js';

const config = readConfigOrReport('arda', () => readServiceConfig(process.env, 5003));
if (config) {
  const logger = createLogger({ service: 'arda', level: config.logLevel });
  const app = buildApp({ logger });
  try {
    await app.listen({ port: config.port, host: config.host });
    listenUntilSignal({ close: (done) => app.close().then(() => done(), done) }, logger);
  } catch (err) {
    logger.error({ err }, 'arda could not start');
    process.exitCode = 1;
  }
}
