import { context } from '@opentelemetry/api';
import { type DestinationStream, type Logger, pino } from 'pino';
import { businessKeysFromContext } from '../business-keys/business-context.js';

export interface LoggerOptions {
  /** Logged as `service` on every line. */
  service: string;
  level?: string;
  /** Where lines go; stdout when absent. */
  destination?: DestinationStream;
}

/**
 * JSON logger for the sense apps. The mixin adds the business keys of the active context to
 * every line; the pino instrumentation (when telemetry runs) adds trace_id/span_id and
 * forwards each record to the OTel Logs SDK.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => businessKeysFromContext(context.active()),
    },
    options.destination,
  );
}

export type { Logger };
