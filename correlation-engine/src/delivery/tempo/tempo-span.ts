// Pure mapping from a correlation event to the synthetic span Tempo receives: one span per closed
// window, in the window's own trace, so the trace view shows what the engine concluded.
import { createHash } from 'node:crypto';
import { type Attributes, type HrTime, type Link, SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { BUSINESS_KEYS, type CorrelationEvent } from '../../model/types.js';

export const CORRELATION_SPAN_NAME = 'correlation.window';
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_SPAN_ID = '0000000000000000';

/** Whether a trace id is usable on the wire (32 lowercase hex, not all zeros). */
export function isValidTraceId(id: string): boolean {
  return TRACE_ID.test(id) && !/^0+$/.test(id);
}

/**
 * The span id is derived from the event id, not random: an event delivered twice (at-least-once
 * after a crash) becomes the same span twice, which Tempo merges, instead of two sibling spans.
 */
export function correlationSpanId(eventId: string): string {
  const hex = createHash('sha256').update(eventId).digest('hex').slice(0, 16);
  return hex === ZERO_SPAN_ID ? '0000000000000001' : hex;
}

function msToHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6))];
}

function eventAttributes(event: CorrelationEvent): Attributes {
  const attrs: Attributes = {
    'correlation.event_id': event.id,
    'correlation.instance': event.instance,
    'correlation.continuation': event.continuation,
    'correlation.span_count': event.spanCount,
    'correlation.log_count': event.logCount,
    'correlation.linked_log_count': event.linkedLogCount,
    'correlation.error_count': event.errorCount,
    'correlation.services': [...event.services],
    'correlation.related_trace_count': event.relatedTraces.length,
  };
  if (event.highestSeverity) attrs['correlation.highest_severity'] = event.highestSeverity;
  if (event.rootSpan) {
    attrs['correlation.root_span.name'] = event.rootSpan.name;
    attrs['correlation.root_span.service'] = event.rootSpan.service;
    attrs['correlation.root_span.duration_ms'] = event.rootSpan.durationMs;
  }
  // Same attribute names as the sense apps' spans, so one TraceQL filter finds both.
  for (const key of BUSINESS_KEYS) {
    const values = event.keys[key];
    if (!values || values.length === 0) continue;
    attrs[key] = values.length === 1 ? (values[0] as string) : [...values];
  }
  return attrs;
}

function relatedLinks(event: CorrelationEvent): Link[] {
  return event.relatedTraces
    .filter((rt) => isValidTraceId(rt.traceId) && rt.traceId !== event.traceId)
    .map((rt) => ({
      // The related trace's span is unknown; a zero span id links to the trace as a whole.
      context: { traceId: rt.traceId, spanId: ZERO_SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true },
      attributes: { 'correlation.link.key': rt.key, 'correlation.link.value': rt.value, [rt.key]: rt.value },
    }));
}

/** The synthetic span for one event, or null when the event's trace id is unusable. */
export function eventToSpan(event: CorrelationEvent, resource: Resource, scopeVersion: string): ReadableSpan | null {
  if (!isValidTraceId(event.traceId)) return null;
  const startMs = Date.parse(event.windowStart);
  const endMs = Date.parse(event.windowEnd);
  if (Number.isNaN(startMs) || Number.isNaN(endMs)) return null;
  const start = msToHrTime(startMs);
  const end = msToHrTime(Math.max(startMs, endMs));
  const durationMs = Math.max(0, endMs - startMs);
  const spanId = correlationSpanId(event.id);
  const parentId = event.rootSpan && SPAN_ID.test(event.rootSpan.spanId) ? event.rootSpan.spanId : undefined;
  return {
    name: CORRELATION_SPAN_NAME,
    kind: SpanKind.INTERNAL,
    spanContext: () => ({ traceId: event.traceId, spanId, traceFlags: TraceFlags.SAMPLED }),
    ...(parentId
      ? { parentSpanContext: { traceId: event.traceId, spanId: parentId, traceFlags: TraceFlags.SAMPLED, isRemote: true } }
      : {}),
    startTime: start,
    endTime: end,
    duration: msToHrTime(durationMs),
    status:
      event.errorCount > 0
        ? { code: SpanStatusCode.ERROR, message: `${event.errorCount} error(s) in the correlation window` }
        : { code: SpanStatusCode.UNSET },
    attributes: eventAttributes(event),
    links: relatedLinks(event),
    events: [],
    ended: true,
    resource,
    instrumentationScope: { name: '@obs/correlation-engine', version: scopeVersion },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
