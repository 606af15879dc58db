// @ts-check
// Builds Grafana Explore links for a correlation event: the trace in Tempo and its logs in Loki,
// using the provisioned datasource uids (`tempo`, `loki`). Explore reads its state from the
// `panes` query parameter: JSON keyed by a pane id, with `schemaVersion=1` beside it.

/** @typedef {import('../model/types.js').CorrelationEvent} CorrelationEvent */

export const TEMPO_UID = 'tempo';
export const LOKI_UID = 'loki';

/** Margin around the window so spans that started before the window opened are still in range. */
const RANGE_MARGIN_MS = 5 * 60 * 1000;

/**
 * Explore's time range for an event, as Unix-millisecond strings (Explore's absolute format).
 * @param {CorrelationEvent} event
 */
export function exploreRange(event) {
  const start = Date.parse(event.windowStart);
  const end = Date.parse(event.windowEnd);
  if (Number.isNaN(start) || Number.isNaN(end)) return { from: 'now-1h', to: 'now' };
  return { from: String(start - RANGE_MARGIN_MS), to: String(end + RANGE_MARGIN_MS) };
}

/**
 * @param {string} base Grafana's root URL, e.g. `http://server-124:3000` (a sub-path is kept)
 * @param {object} pane one Explore pane: datasource uid, queries, range
 */
export function exploreUrl(base, pane) {
  const root = base.replace(/\/+$/, '');
  const panes = encodeURIComponent(JSON.stringify({ corr: pane }));
  return `${root}/explore?schemaVersion=1&panes=${panes}&orgId=1`;
}

/** The LogQL query that finds every log line of a trace (trace_id travels as structured metadata). */
export function traceLogsQuery(/** @type {string} */ traceId) {
  return `{service=~".+"} | trace_id="${traceId}"`;
}

/**
 * @param {string} base
 * @param {CorrelationEvent} event
 */
export function tempoTraceUrl(base, event) {
  return exploreUrl(base, {
    datasource: TEMPO_UID,
    queries: [{ refId: 'A', datasource: { type: 'tempo', uid: TEMPO_UID }, queryType: 'traceql', query: event.traceId }],
    range: exploreRange(event),
  });
}

/**
 * @param {string} base
 * @param {CorrelationEvent} event
 */
export function lokiLogsUrl(base, event) {
  return exploreUrl(base, {
    datasource: LOKI_UID,
    queries: [{ refId: 'A', datasource: { type: 'loki', uid: LOKI_UID }, expr: traceLogsQuery(event.traceId), queryType: 'range' }],
    range: exploreRange(event),
  });
}

/**
 * Accepts only http(s) URLs, so a misconfigured value cannot turn into a `javascript:` link.
 * @param {unknown} value
 * @returns {string | null}
 */
export function safeGrafanaBase(value) {
  if (typeof value !== 'string' || value === '') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value : null;
  } catch {
    return null;
  }
}
