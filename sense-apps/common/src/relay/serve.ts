import type { Logger } from '../telemetry/logger.js';

/** Anything that can stop listening: an http.Server, or an adapter around app.close(). */
export interface Closable {
  close(callback: (err?: Error) => void): unknown;
}

/**
 * Closes `server` on SIGTERM/SIGINT so the process can end on its own once in-flight
 * requests finish (telemetry flushes on the same signals). A second signal is left to
 * Node's default, which ends the process at once.
 */
export function listenUntilSignal(server: Closable, logger: Logger): void {
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down');
    server.close((err) => {
      if (err) {
        logger.error({ err }, 'close failed');
        process.exitCode = 1;
      }
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
