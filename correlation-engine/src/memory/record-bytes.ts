// Byte estimates of what the recent lists keep. Computed once per entry when it is pushed, so an
// entry's cost is paid at arrival and never again. They are estimates of V8 heap use, not exact:
// two bytes per string character (V8 may store one, this errs on the safe side) plus a fixed
// overhead per object that covers its header and property slots.
import type { CorrelationEvent, NormalizedLog } from '../model/types.js';

const OBJECT_BYTES = 64;
const STRING_BYTES = 16;

const textBytes = (s: string | undefined): number => (s === undefined ? 0 : STRING_BYTES + 2 * s.length);

function recordBytes(o: Readonly<Record<string, unknown>>): number {
  let total = OBJECT_BYTES;
  for (const k in o) {
    const v = o[k];
    total += 8 + (typeof v === 'string' ? textBytes(v) : 8);
  }
  return total;
}

export function logBytes(log: NormalizedLog): number {
  return (
    OBJECT_BYTES +
    textBytes(log.message) +
    textBytes(log.service) +
    textBytes(log.env) +
    textBytes(log.host) +
    textBytes(log.traceId) +
    textBytes(log.spanId) +
    recordBytes(log.keys) +
    recordBytes(log.attributes)
  );
}

export function eventBytes(event: CorrelationEvent): number {
  // Indexed loops and for-in: no iterator or Object.values() array per closed event.
  const idBytes = textBytes(event.traceId);
  let total = 4 * OBJECT_BYTES + textBytes(event.id) + 3 * idBytes;
  const services = event.services;
  for (let i = 0; i < services.length; i++) total += textBytes(services[i]);
  const keys = event.keys;
  for (const k in keys) {
    const values = keys[k as keyof typeof keys];
    if (values !== undefined) for (let i = 0; i < values.length; i++) total += textBytes(values[i]);
  }
  total += event.relatedTraces.length * (OBJECT_BYTES + idBytes);
  // Span summaries share their strings with the window's spans; count their own slots.
  total += event.detail.spans.length * (OBJECT_BYTES + 2 * idBytes);
  const logs = event.detail.logs;
  for (let i = 0; i < logs.length; i++) {
    const log = logs[i] as CorrelationEvent['detail']['logs'][number];
    total += OBJECT_BYTES + textBytes(log.message) + textBytes(log.service);
  }
  return total;
}
