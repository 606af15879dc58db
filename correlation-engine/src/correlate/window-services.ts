// Which services a window has seen. While its detail lists every record the window counted, the
// services are read from the detail when the event is built, and the window keeps no list of its
// own: its detail already names the service of every record, and a list per window (an array
// for two services and more) is kept by hundreds of thousands of open windows. From the first
// record a cap leaves out of the detail, the window keeps them itself (window-record.ts
// addService), starting from those its detail lists.
import type { LogSummary, SpanSummary } from '../model/types.js';
import type { Window } from './state.js';
import { unpack } from './window-detail.js';
import { anyCapped } from './window-flags.js';
import { addService } from './window-record.js';

/**
 * Notes the service of a record the window counts (`listed`: its detail lists it); returns the
 * change in estimated bytes. Call before the record's cap flag is set.
 */
export function noteService(w: Window, service: string, listed: boolean): number {
  const kept = anyCapped(w);
  if (listed && !kept) return 0;
  let bytes = 0;
  if (!kept) {
    const { spans, logs } = unpack(w);
    for (const s of spans) bytes += addService(w, s.service);
    for (const l of logs) bytes += addService(w, l.service);
  }
  return bytes + addService(w, service);
}

/** The window's services for its event (one as itself, more sorted), given its unpacked detail. */
export function servicesOf(w: Window, spans: readonly SpanSummary[], logs: readonly LogSummary[]): string[] {
  if (anyCapped(w)) {
    const s = w.services;
    return s === undefined ? [] : typeof s === 'string' ? [s] : sortedServices([...s]);
  }
  const found: string[] = [];
  let index: Set<string> | undefined;
  for (const s of spans) index = addDistinct(found, index, s.service);
  for (const l of logs) index = addDistinct(found, index, l.service);
  return sortedServices(found);
}

/**
 * Distinct services up to this many are found by comparing with each and sorted by insertion.
 * Why: a window's records name two or three services, and V8's Array#sort allocates its work
 * arrays and run stack even for two elements, as a Set does its table, once per event. Past it,
 * a Set and V8's sort keep an event with many services O(its records).
 */
const FEW_SERVICES = 8;

/** Adds `service` to `found` unless there; returns the Set that indexes `found` once it is past FEW_SERVICES. */
function addDistinct(found: string[], index: Set<string> | undefined, service: string): Set<string> | undefined {
  if (index !== undefined) {
    if (!index.has(service)) {
      index.add(service);
      found.push(service);
    }
    return index;
  }
  for (let i = 0; i < found.length; i++) if (found[i] === service) return undefined;
  found.push(service);
  return found.length > FEW_SERVICES ? new Set(found) : undefined;
}

/** Distinct services in the order Array#sort gives strings (UTF-16 code units), in place. */
function sortedServices(services: string[]): string[] {
  if (services.length > FEW_SERVICES) return services.sort();
  for (let i = 1; i < services.length; i++) {
    const s = services[i] as string;
    let j = i - 1;
    for (; j >= 0 && (services[j] as string) > s; j--) services[j + 1] = services[j] as string;
    services[j + 1] = s;
  }
  return services;
}

/** True when the window has seen the service (the open-window listing's service filter). */
export function hasService(w: Window, service: string): boolean {
  if (anyCapped(w)) {
    const s = w.services;
    if (s === undefined) return false;
    if (typeof s === 'string') return s === service;
    return Array.isArray(s) ? s.includes(service) : s.has(service);
  }
  const { spans, logs } = unpack(w);
  return spans.some((s) => s.service === service) || logs.some((l) => l.service === service);
}
