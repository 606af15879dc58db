// Turns a closed window into the CorrelationEvent it is emitted as: keys and services as sorted
// or plain arrays, detail lists unpacked (window-detail.ts) in time order. Runs once per window,
// at close; it leaves the window as it was, so an open window's event can be built the same way.
import { BUSINESS_KEYS, type BusinessKey, type CorrelationEvent, type RelatedTrace, SEVERITIES } from '../model/types.js';
import { isoTime } from './iso-time.js';
import { keySlot, slotSize } from './key-slots.js';
import type { Window } from './state.js';
import { rootSummary, unpack } from './window-detail.js';
import { highestRank, isContinuation, linkedLogCount, logsCapped, spansCapped } from './window-flags.js';
import { servicesOf } from './window-services.js';

/** The event of a window opened at startMs and closed at endMs, listing the related traces found at close. */
export function buildEvent(instance: string, w: Window, startMs: number, endMs: number, related: RelatedTrace[]): CorrelationEvent {
  const keys: CorrelationEvent['keys'] = {};
  for (let k = 0; k < BUSINESS_KEYS.length; k++) {
    const slot = keySlot(w.keys, k);
    if (slot !== undefined && slotSize(slot) > 0) keys[BUSINESS_KEYS[k] as BusinessKey] = typeof slot === 'string' ? [slot] : slot.slice();
  }
  const root = rootSummary(w);
  const { spans, logs } = unpack(w);
  return {
    id: `${instance}:${w.traceId}:${startMs}`,
    instance,
    traceId: w.traceId,
    windowStart: isoTime(startMs),
    windowEnd: isoTime(endMs),
    continuation: isContinuation(w),
    services: servicesOf(w, spans, logs),
    spanCount: w.spanCount,
    logCount: w.logCount,
    linkedLogCount: linkedLogCount(w),
    errorCount: w.errorCount,
    highestSeverity: SEVERITIES[highestRank(w)] ?? null,
    keys,
    rootSpan: root
      ? {
          spanId: root.spanId,
          name: root.name,
          service: root.service,
          durationMs: root.durationMs,
        }
      : null,
    relatedTraces: related,
    detail: {
      spans: inTimeOrder(spans, (s) => s.startUnixMs),
      logs: inTimeOrder(logs, (l) => l.timeUnixMs),
      spansCapped: spansCapped(w),
      logsCapped: logsCapped(w),
    },
  };
}

// A window's lists mostly arrive in time order already; V8's sort copies the array into a work
// array of its own even then, so the check comes first (the sort is stable: an ordered list is
// left as it is either way).
function inTimeOrder<T>(list: T[], timeOf: (item: T) => number): T[] {
  for (let i = 1; i < list.length; i++) {
    if (timeOf(list[i] as T) < timeOf(list[i - 1] as T)) return list.sort((a, b) => timeOf(a) - timeOf(b));
  }
  return list;
}
