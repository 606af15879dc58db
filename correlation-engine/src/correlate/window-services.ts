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
    return s === undefined ? [] : typeof s === 'string' ? [s] : [...s].sort();
  }
  const seen = new Set<string>();
  for (const s of spans) seen.add(s.service);
  for (const l of logs) seen.add(l.service);
  return seen.size === 1 ? [...seen] : [...seen].sort();
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
