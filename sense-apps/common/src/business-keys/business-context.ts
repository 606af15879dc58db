// Puts resolved business keys into the OTel context (baggage) and onto the spans that were
// already running when the keys became known. Spans started later get them from
// BusinessKeysSpanProcessor, which reads the same baggage.
import { type Context, propagation, trace } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import { BUSINESS_KEYS, type BusinessKey, keyValueProblem } from './business-keys.js';

/** Returns `ctx` with the keys added to its baggage (other baggage entries are kept). */
export function withBusinessBaggage(ctx: Context, keys: Partial<Record<BusinessKey, string>>): Context {
  let baggage = propagation.getBaggage(ctx) ?? propagation.createBaggage();
  for (const key of BUSINESS_KEYS) {
    const value = keys[key];
    if (value !== undefined) baggage = baggage.setEntry(key, { value });
  }
  return propagation.setBaggage(ctx, baggage);
}

/**
 * The business keys found in a context's baggage. Values that fail validation are skipped:
 * baggage can arrive from any client and must not smuggle arbitrary text into attributes.
 */
export function businessKeysFromContext(ctx: Context): Partial<Record<BusinessKey, string>> {
  const baggage = propagation.getBaggage(ctx);
  const keys: Partial<Record<BusinessKey, string>> = {};
  if (!baggage) return keys;
  for (const key of BUSINESS_KEYS) {
    const value = baggage.getEntry(key)?.value;
    if (value !== undefined && keyValueProblem(value) === undefined) keys[key] = value;
  }
  return keys;
}

/**
 * Sets the keys on the spans of `ctx` that started before the keys were known: the HTTP
 * server span (found through the RPC metadata the http instrumentation stores) and the
 * currently active span (e.g. the framework's middleware span). Returns the context to run
 * the rest of the request in.
 */
export function enterBusinessContext(ctx: Context, keys: Partial<Record<BusinessKey, string>>): Context {
  const attributes: Record<string, string> = {};
  for (const key of BUSINESS_KEYS) {
    const value = keys[key];
    if (value !== undefined) attributes[key] = value;
  }
  getRPCMetadata(ctx)?.span?.setAttributes(attributes);
  trace.getSpan(ctx)?.setAttributes(attributes);
  return withBusinessBaggage(ctx, keys);
}
