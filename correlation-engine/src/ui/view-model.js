// @ts-check
// Pure functions that turn correlation events into what the page shows: no DOM, no fetch, so
// they run (and are tested) in Node as well as in the browser.

/** @typedef {import('../model/types.js').CorrelationEvent} CorrelationEvent */
/** @typedef {import('../model/types.js').SpanSummary} SpanSummary */
/** @typedef {{ circuit_id: string, service: string, trace_id: string, errors: boolean, event: string }} Filters */
/** @typedef {{ span: SpanSummary, depth: number, offsetPct: number, widthPct: number }} WaterfallRow */

/** Display order of the business keys: a copy of BUSINESS_KEYS from @obs/shared-constants, their one source (the page is served as plain files, so it cannot import the package). */
export const BUSINESS_KEYS = /** @type {const} */ (['circuit_id', 'product_id', 'resource_id', 'resource_type_id', 'request_id']);

const FULL_TRACE_ID = /^[0-9a-f]{32}$/;

/** Filters kept in the URL as text; `errors` is a flag. */
const SERVER_FILTERS = /** @type {const} */ (['circuit_id', 'service', 'trace_id']);

/** @returns {Filters} */
export function emptyFilters() {
  return { circuit_id: '', service: '', trace_id: '', errors: false, event: '' };
}

/**
 * Reads the filters (and the selected event) from a location's query string, so a view can be shared.
 * @param {string} search e.g. `?circuit_id=CKT-1&errors=1`
 * @returns {Filters}
 */
export function readFilters(search) {
  const params = new URLSearchParams(search);
  const filters = emptyFilters();
  for (const name of SERVER_FILTERS) filters[name] = (params.get(name) ?? '').trim();
  filters.trace_id = filters.trace_id.toLowerCase();
  const errors = params.get('errors');
  filters.errors = errors === '1' || errors === 'true' || errors === 'on';
  filters.event = params.get('event') ?? '';
  return filters;
}

/**
 * The query string for the page's own URL (empty values left out, stable order).
 * @param {Filters} filters
 * @returns {string} `?...` or `''`
 */
export function filtersToSearch(filters) {
  const params = new URLSearchParams();
  for (const name of SERVER_FILTERS) if (filters[name]) params.set(name, filters[name]);
  if (filters.errors) params.set('errors', '1');
  if (filters.event) params.set('event', filters.event);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * The query string for GET /api/correlations with the filters the server supports.
 * @param {Filters} filters
 * @param {number} limit
 * @param {string} [since] ISO time: only events newer than this
 */
export function apiQuery(filters, limit, since) {
  const params = new URLSearchParams();
  params.set('limit', String(limit));
  if (filters.circuit_id) params.set('circuit_id', filters.circuit_id);
  if (filters.service) params.set('service', filters.service);
  // The engine matches whole trace ids only; a prefix is matched here (matchesFilters).
  if (FULL_TRACE_ID.test(filters.trace_id)) params.set('trace_id', filters.trace_id);
  if (since) params.set('since', since);
  return `?${params.toString()}`;
}

/**
 * The query string for the open windows (GET /api/correlations?state=open): the same filters,
 * and errors-only too (the engine keeps an index of open windows with errors).
 * @param {Filters} filters
 * @param {number} limit
 */
export function openQuery(filters, limit) {
  return `${apiQuery(filters, limit)}&state=open${filters.errors ? '&errors=1' : ''}`;
}

/**
 * The live stream's URL (GET /api/correlations/stream) for the filters the engine applies.
 * @param {Filters} filters
 */
export function streamUrl(filters) {
  const params = new URLSearchParams(apiQuery(filters, 1));
  params.delete('limit');
  if (filters.errors) params.set('errors', '1');
  const text = params.toString();
  return `/api/correlations/stream${text ? `?${text}` : ''}`;
}

/**
 * "open — closes in N s" for a window still open (N whole seconds, never below 0).
 * @param {{ closesAt?: string }} event
 * @param {number} nowMs
 */
export function openLabel(event, nowMs) {
  const closesAt = Date.parse(event.closesAt ?? '');
  const seconds = Number.isNaN(closesAt) ? 0 : Math.max(0, Math.ceil((closesAt - nowMs) / 1000));
  return `open — closes in ${seconds} s`;
}

/**
 * The open windows to list: newest first, without those whose closed event is already listed.
 * @param {Map<string, CorrelationEvent>} open by id
 * @param {CorrelationEvent[]} closed
 */
export function openRows(open, closed) {
  const closedIds = new Set(closed.map((e) => e.id));
  return [...open.values()].filter((e) => !closedIds.has(e.id)).sort((a, b) => Date.parse(b.windowStart) - Date.parse(a.windowStart));
}

/**
 * Client-side check of every filter. The server already applies most of them; checking again keeps
 * the list right when events arrive through a path that did not filter (or an older engine).
 * @param {CorrelationEvent} event
 * @param {Filters} filters
 */
export function matchesFilters(event, filters) {
  if (filters.errors && !(event.errorCount > 0)) return false;
  if (filters.trace_id && !event.traceId.startsWith(filters.trace_id)) return false;
  if (filters.service && !event.services.includes(filters.service)) return false;
  if (filters.circuit_id && !(event.keys.circuit_id ?? []).includes(filters.circuit_id)) return false;
  return true;
}

/** @param {CorrelationEvent} event */
function endMs(event) {
  const ms = Date.parse(event.windowEnd);
  return Number.isNaN(ms) ? 0 : ms;
}

/**
 * Merges newly fetched events into the list: one entry per id (the newer copy wins), newest first,
 * at most `max` entries.
 * @param {CorrelationEvent[]} current
 * @param {CorrelationEvent[]} incoming
 * @param {number} max
 * @returns {{ events: CorrelationEvent[], added: string[] }}
 */
export function mergeEvents(current, incoming, max) {
  const byId = new Map(current.map((e) => [e.id, e]));
  const added = [];
  for (const event of incoming) {
    if (!byId.has(event.id)) added.push(event.id);
    byId.set(event.id, event);
  }
  const events = [...byId.values()].sort((a, b) => endMs(b) - endMs(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return { events: events.slice(0, max), added };
}

/** The newest window end in a list (for `since` polling), or undefined when empty. */
export function newestWindowEnd(/** @type {CorrelationEvent[]} */ events) {
  let best = -1;
  let iso;
  for (const event of events) {
    const ms = endMs(event);
    if (ms > best) {
      best = ms;
      iso = event.windowEnd;
    }
  }
  return iso;
}

/** First 8 hex characters: enough to tell traces apart on screen. */
export function shortId(/** @type {string} */ id) {
  return id.slice(0, 8);
}

const pad = (/** @type {number} */ n, width = 2) => String(n).padStart(width, '0');

/**
 * `HH:MM:SS.mmm` (or `HH:MM:SS`) in the viewer's time zone.
 * @param {string | number} time ISO string or Unix milliseconds
 * @param {boolean} [withMs]
 */
export function formatClock(time, withMs = true) {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return '—';
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return withMs ? `${clock}.${pad(date.getMilliseconds(), 3)}` : clock;
}

/** Human duration, about three significant digits: µs below 1 ms, ms below 1 s, then seconds. */
export function formatDuration(/** @type {number} */ ms) {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/**
 * Business keys of an event as `[key, values]` pairs in display order, empty ones left out.
 * @param {CorrelationEvent} event
 * @returns {Array<[string, string[]]>}
 */
export function keyEntries(event) {
  /** @type {Array<[string, string[]]>} */
  const entries = [];
  for (const key of BUSINESS_KEYS) {
    const values = event.keys[key];
    if (values && values.length > 0) entries.push([key, values]);
  }
  return entries;
}

/**
 * Lays out spans as waterfall rows: depth-first by parent (children under their parent, siblings by
 * start time), each bar placed by start and duration relative to the spans' overall extent.
 * Spans whose parent is not in the list start their own tree (the detail may be capped).
 * @param {SpanSummary[]} spans
 * @returns {{ rows: WaterfallRow[], startMs: number, totalMs: number }}
 */
export function layoutWaterfall(spans) {
  if (spans.length === 0) return { rows: [], startMs: 0, totalMs: 0 };
  let startMs = Infinity;
  let stopMs = -Infinity;
  for (const span of spans) {
    startMs = Math.min(startMs, span.startUnixMs);
    stopMs = Math.max(stopMs, span.startUnixMs + Math.max(0, span.durationMs));
  }
  const totalMs = Math.max(stopMs - startMs, 0);
  const ids = new Set(spans.map((s) => s.spanId));
  /** @type {Map<string, SpanSummary[]>} */
  const children = new Map();
  /** @type {SpanSummary[]} */
  const roots = [];
  for (const span of spans) {
    const parent = span.parentSpanId;
    if (parent && parent !== span.spanId && ids.has(parent)) {
      const list = children.get(parent) ?? [];
      list.push(span);
      children.set(parent, list);
    } else {
      roots.push(span);
    }
  }
  const byStart = (/** @type {SpanSummary} */ a, /** @type {SpanSummary} */ b) => a.startUnixMs - b.startUnixMs;
  /** @type {WaterfallRow[]} */
  const rows = [];
  const placed = new Set();
  // Iterative depth-first walk; `placed` guards against parent cycles in malformed input.
  /** @type {Array<{ span: SpanSummary, depth: number }>} */
  const stack = roots
    .sort(byStart)
    .reverse()
    .map((span) => ({ span, depth: 0 }));
  const place = (/** @type {SpanSummary} */ span, /** @type {number} */ depth) => {
    placed.add(span.spanId);
    const offsetPct = totalMs > 0 ? ((span.startUnixMs - startMs) / totalMs) * 100 : 0;
    const widthPct = totalMs > 0 ? (Math.max(0, span.durationMs) / totalMs) * 100 : 100;
    rows.push({ span, depth, offsetPct, widthPct: Math.min(widthPct, 100 - offsetPct) });
    const kids = (children.get(span.spanId) ?? [])
      .filter((k) => !placed.has(k.spanId))
      .sort(byStart)
      .reverse();
    for (const kid of kids) stack.push({ span: kid, depth: depth + 1 });
  };
  while (stack.length > 0) {
    const next = /** @type {{ span: SpanSummary, depth: number }} */ (stack.pop());
    if (!placed.has(next.span.spanId)) place(next.span, next.depth);
  }
  // Spans only reachable through a cycle never met a root: show them at the top level.
  for (const span of spans.slice().sort(byStart)) {
    if (!placed.has(span.spanId)) place(span, 0);
    while (stack.length > 0) {
      const next = /** @type {{ span: SpanSummary, depth: number }} */ (stack.pop());
      if (!placed.has(next.span.spanId)) place(next.span, next.depth);
    }
  }
  return { rows, startMs, totalMs };
}

/**
 * Evenly spaced axis labels for the waterfall.
 * @param {number} totalMs
 * @param {number} count
 * @returns {Array<{ pct: number, label: string }>}
 */
export function axisTicks(totalMs, count = 3) {
  if (!(totalMs > 0)) return [{ pct: 0, label: '0 ms' }];
  const ticks = [];
  for (let i = 0; i <= count; i += 1) {
    const pct = (i / count) * 100;
    ticks.push({ pct, label: i === 0 ? '0' : formatDuration((totalMs * i) / count) });
  }
  return ticks;
}

/**
 * A small stable palette index per service name, so a service keeps its colour across events.
 * @param {string} service
 * @param {number} size palette size
 */
export function serviceColorIndex(service, size = 8) {
  let hash = 0;
  for (let i = 0; i < service.length; i += 1) hash = (hash * 31 + service.charCodeAt(i)) >>> 0;
  return hash % size;
}
