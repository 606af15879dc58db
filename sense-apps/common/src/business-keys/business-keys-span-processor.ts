import type { Context } from '@opentelemetry/api';
import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { businessKeysFromContext } from './business-context.js';

/**
 * Copies the business keys from the parent context's baggage onto every span as it starts,
 * so child spans (framework handlers, outgoing fetch, custom spans) carry them, not only the
 * server span. Place it before the exporting processor.
 */
export class BusinessKeysSpanProcessor implements SpanProcessor {
  /** Sets the keys found in `parentContext`'s baggage as span attributes. */
  onStart(span: Span, parentContext: Context): void {
    const keys = businessKeysFromContext(parentContext);
    for (const [key, value] of Object.entries(keys)) span.setAttribute(key, value);
  }

  /** Nothing to do: the attributes were set at start. */
  onEnd(): void {}

  /** Holds nothing, so there is nothing to flush. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Holds no resources. */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
