import { isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * The active trace id, so an answer can tell the caller which trace to look up; undefined
 * when telemetry is off.
 */
export function currentTraceId(): string | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && isSpanContextValid(ctx) ? ctx.traceId : undefined;
}
