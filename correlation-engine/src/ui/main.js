// @ts-check
// The page's controller: reads filters from the URL, polls the engine for correlation events,
// keeps the list and the detail view in step with the URL (so a view can be shared). Open windows
// come from the live stream (server-sent events) as their records arrive; while the stream is
// down (a proxy that buffers, the engine's stream bound reached) they are polled with the events.

import { safeGrafanaBase } from './grafana-links.js';
import { eventDetail, eventRow, h } from './render.js';
import {
  apiQuery,
  filtersToSearch,
  matchesFilters,
  mergeEvents,
  newestWindowEnd,
  openLabel,
  openQuery,
  openRows,
  readFilters,
  streamUrl,
} from './view-model.js';

/** @typedef {import('../model/types.js').CorrelationEvent} CorrelationEvent */
/** @typedef {import('./view-model.js').Filters} Filters */

/** Polling keeps the page working through proxies that buffer server-sent events. */
const POLL_MS = 2000;
const MAX_EVENTS = 200;
const SINCE_SLACK_MS = 5000;
/** Events opened whole (GET /api/correlations/:id) kept for the detail pane. */
const MAX_WHOLE_EVENTS = 20;
/** Open windows listed at most (the newest). */
const MAX_OPEN = 100;
/** An open window whose close was due this long ago without its closed event is let go. */
const OPEN_GRACE_MS = 15_000;

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const form = /** @type {HTMLFormElement} */ ($('filters'));
const tbody = /** @type {HTMLTableSectionElement} */ (document.querySelector('#events tbody'));
const emptyNote = $('empty');
const statusLine = $('status');
const announcer = $('announce');
const countLine = $('count');
const detailPane = $('detail');
const serviceOptions = $('service-options');
const moreRow = $('more-row');
const moreButton = /** @type {HTMLButtonElement} */ ($('more'));

const state = {
  filters: readFilters(location.search),
  /** @type {CorrelationEvent[]} */
  events: [],
  /** @type {Set<string>} ids that arrived with the latest poll (highlighted) */
  fresh: new Set(),
  /** @type {string | null} */
  grafanaBase: null,
  loaded: false,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  timer: undefined,
  /** Bumped when filters change so answers to older requests are dropped. */
  generation: 0,
  /** How many events the list holds; "Load older events" raises it. */
  maxEvents: MAX_EVENTS,
  /** @type {string | null} cursor of the page after the oldest one loaded (answers are byte-capped) */
  olderCursor: null,
  /** @type {Map<string, CorrelationEvent>} events fetched whole for the detail pane, by id */
  whole: new Map(),
  /** @type {Set<string>} ids whose whole copy is being fetched */
  fetchingWhole: new Set(),
  /** @type {Map<string, CorrelationEvent>} open windows by id */
  open: new Map(),
  /** @type {EventSource | null} */
  stream: null,
  /** True while the live stream is connected (open windows are then not polled). */
  streaming: false,
  /** A render is scheduled for the next frame (stream updates coalesce into one). */
  renderPending: false,
  /** @type {CorrelationEvent[]} closed events from the stream, merged into the list once per frame */
  pendingClosed: [],
  /** The engine answers for its peers too: its stream carries one replica only, so open windows are polled. */
  clustered: false,
  /** @type {{ replicas: string | null, unavailable: string | null }} who answered the latest cluster listing */
  cluster: { replicas: null, unavailable: null },
};

/** Open windows first (newest first), then closed events, as the filters allow. */
function visibleEvents() {
  return [...openRows(state.open, state.events), ...state.events].filter((e) => matchesFilters(e, state.filters));
}

function syncForm() {
  for (const name of /** @type {const} */ (['circuit_id', 'service', 'trace_id'])) {
    /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value = state.filters[name];
  }
  /** @type {HTMLInputElement} */ (form.elements.namedItem('errors')).checked = state.filters.errors;
}

/** @param {'push' | 'replace'} mode */
function writeUrl(mode) {
  const url = `${location.pathname}${filtersToSearch(state.filters)}`;
  if (url === `${location.pathname}${location.search}`) return;
  if (mode === 'push') history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

function renderList() {
  const events = visibleEvents();
  const rows = events.map((event) =>
    eventRow(event, { selected: event.id === state.filters.event, fresh: state.fresh.has(event.id), onOpen: openEvent }),
  );
  tbody.replaceChildren(...rows);
  emptyNote.hidden = events.length > 0 || !state.loaded;
  countLine.textContent = state.loaded ? `(${events.length})` : '';
  moreRow.hidden = !state.loaded || state.olderCursor === null;
  const services = new Set([...state.events, ...state.open.values()].flatMap((e) => e.services));
  serviceOptions.replaceChildren(...[...services].sort().map((s) => h('option', { value: s })));
}

/**
 * The list shortens long log messages and leaves out the detail of an event too large for a page;
 * the detail pane shows the event whole, fetched once from GET /api/correlations/:id.
 * @param {CorrelationEvent & { detailOmitted?: boolean }} event
 */
function needsWhole(event) {
  return Boolean(event.detailOmitted) || event.detail.logs.some((l) => /** @type {{ messageTruncated?: boolean }} */ (l).messageTruncated);
}

/** @param {string} id */
async function fetchWhole(id) {
  if (state.fetchingWhole.has(id)) return;
  state.fetchingWhole.add(id);
  try {
    const res = await fetch(`/api/correlations/${encodeURIComponent(id)}`, { headers: { accept: 'application/json' } });
    if (!res.ok) return; // gone from the engine's recent list: the shortened copy stays
    state.whole.set(id, /** @type {CorrelationEvent} */ (await res.json()));
    if (state.whole.size > MAX_WHOLE_EVENTS) state.whole.delete(/** @type {string} */ (state.whole.keys().next().value));
    if (state.filters.event === id) renderDetail();
  } catch {
    // The shortened copy stays on screen; opening the event again retries.
  } finally {
    state.fetchingWhole.delete(id);
  }
}

function renderDetail() {
  const id = state.filters.event;
  const listed = id ? (state.events.find((e) => e.id === id) ?? state.open.get(id)) : undefined;
  const event = id ? (state.whole.get(id) ?? listed) : undefined;
  if (listed && event === listed && needsWhole(listed)) void fetchWhole(listed.id);
  if (!event) {
    detailPane.hidden = true;
    detailPane.replaceChildren();
    document.body.classList.remove('with-detail');
    return false;
  }
  if (detailPane.firstElementChild?.getAttribute('data-event-id') === event.id && detailPane.dataset.version === versionOf(event)) {
    return true; // unchanged: keep scroll position and focus
  }
  detailPane.dataset.version = versionOf(event);
  detailPane.replaceChildren(eventDetail(event, { grafanaBase: state.grafanaBase, onClose: closeDetail, onOpenTrace: openTrace }));
  detailPane.hidden = false;
  document.body.classList.add('with-detail');
  return true;
}

/** @param {CorrelationEvent} event */
function versionOf(event) {
  return `${event.windowEnd}|${event.spanCount}|${event.logCount}|${state.grafanaBase ?? ''}|${state.whole.has(event.id)}`;
}

function render() {
  renderList();
  renderDetail();
}

/** @param {string} id */
function openEvent(id) {
  state.filters.event = id;
  writeUrl('push');
  render();
  /** @type {HTMLElement | null} */ (document.getElementById('detail-title'))?.focus();
}

function closeDetail() {
  const id = state.filters.event;
  state.filters.event = '';
  writeUrl('push');
  render();
  /** @type {HTMLElement | null} */ (tbody.querySelector(`tr[data-event-id="${CSS.escape(id)}"] button`))?.focus();
}

/** Related traces: show that trace's events and open the newest one. @param {string} traceId */
function openTrace(traceId) {
  state.filters = { ...state.filters, circuit_id: '', service: '', errors: false, trace_id: traceId, event: '' };
  syncForm();
  writeUrl('push');
  refetch({ openNewest: true });
}

/** @param {string} text @param {'ok' | 'warn'} [kind] */
function setStatus(text, kind = 'ok') {
  statusLine.textContent = text;
  statusLine.dataset.kind = kind;
}

/**
 * Fetches events newer than the newest we have (all of them on the first call after a filter change).
 * @param {{ openNewest?: boolean }} [opts]
 */
async function poll(opts = {}) {
  const generation = state.generation;
  const newest = state.loaded ? newestWindowEnd(state.events) : undefined;
  // Ask a little further back than the newest event: windows that close almost together may be
  // listed out of order, and merging by id makes the overlap harmless.
  const since = newest ? new Date(Date.parse(newest) - SINCE_SLACK_MS).toISOString() : undefined;
  try {
    const query = apiQuery(state.filters, MAX_EVENTS, since);
    let page = await fetchPage(query);
    const incoming = page.events;
    // New events since the last poll can be more than one byte-capped page: read on to the
    // end of them. The first load reads one page; older ones come with "Load older events".
    while (since && page.next && incoming.length < state.maxEvents && generation === state.generation) {
      page = await fetchPage(`${query}&cursor=${encodeURIComponent(page.next)}`);
      incoming.push(...page.events);
    }
    if (generation !== state.generation) return;
    const firstLoad = !state.loaded;
    if (firstLoad) state.olderCursor = page.next;
    const { events, added } = mergeEvents(state.events, incoming, state.maxEvents);
    state.events = events;
    state.loaded = true;
    // Only the latest arrivals are highlighted; the list is rebuilt on each render.
    if (!firstLoad && added.length > 0) state.fresh = new Set(added);
    for (const id of added) state.open.delete(id);
    if (!state.streaming) await loadOpen(generation);
    if (generation !== state.generation) return;
    if (opts.openNewest) {
      const newest = visibleEvents()[0];
      if (newest) state.filters.event = newest.id;
      writeUrl('replace');
    }
    if (firstLoad || added.length > 0 || opts.openNewest || !state.streaming) render();
    const fresh = firstLoad ? 0 : added.filter((id) => state.events.some((e) => e.id === id && matchesFilters(e, state.filters))).length;
    const live = `Live · ${state.streaming ? 'streaming · ' : ''}updated ${new Date().toLocaleTimeString()}`;
    const { replicas, unavailable } = state.cluster;
    if (unavailable) setStatus(`${live} · ${replicas ?? '?'} replicas answered · no answer from ${unavailable}`, 'warn');
    else setStatus(replicas ? `${live} · ${replicas} replicas` : live);
    // Screen readers hear about arrivals, not about every poll.
    if (fresh > 0) announcer.textContent = `${fresh} new correlation event${fresh === 1 ? '' : 's'}`;
  } catch (err) {
    if (generation !== state.generation) return;
    setStatus(`Engine unreachable (${err instanceof Error ? err.message : String(err)}); retrying…`, 'warn');
  } finally {
    if (generation === state.generation) {
      clearTimeout(state.timer);
      state.timer = setTimeout(() => void poll(), POLL_MS);
    }
  }
}

/**
 * One page of GET /api/correlations: the events and the cursor of the next (older) page.
 * @param {string} query
 * @returns {Promise<{ events: CorrelationEvent[], next: string | null }>}
 */
async function fetchPage(query) {
  const res = await fetch(`/api/correlations${query}`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`engine answered ${res.status}`);
  state.cluster = { replicas: res.headers.get('x-cluster-replicas'), unavailable: res.headers.get('x-unavailable-peers') };
  const body = await res.json();
  // An event whose keys alone overflow a page is listed as a stub ({ id, ..., omitted }): not drawable.
  const events = Array.isArray(body) ? body.filter((e) => !e.omitted) : [];
  return { events, next: res.headers.get('x-next-cursor') };
}

/**
 * The open windows matching the filters (GET /api/correlations?state=open), replacing those held:
 * on connecting the stream (it sends changes only) and on every poll while it is down.
 * @param {number} generation
 */
async function loadOpen(generation) {
  try {
    const res = await fetch(`/api/correlations${openQuery(state.filters, MAX_OPEN)}`, { headers: { accept: 'application/json' } });
    if (!res.ok || generation !== state.generation) return;
    const body = await res.json();
    const open = Array.isArray(body) ? body.filter((e) => !e.omitted && e.state === 'open') : [];
    state.open = new Map(open.map((e) => [e.id, e]));
  } catch {
    // The closed events still show; the next poll or stream update brings the open ones.
  }
}

function scheduleRender() {
  if (state.renderPending) return;
  state.renderPending = true;
  requestAnimationFrame(() => {
    state.renderPending = false;
    if (state.pendingClosed.length > 0) {
      const { events, added } = mergeEvents(state.events, state.pendingClosed, state.maxEvents);
      state.pendingClosed = [];
      state.events = events;
      if (added.length > 0) state.fresh = new Set(added);
    }
    // A busy engine streams more open windows than a list shows: keep the newest.
    if (state.open.size > MAX_OPEN * 2)
      state.open = new Map(
        openRows(state.open, [])
          .slice(0, MAX_OPEN)
          .map((e) => [e.id, e]),
      );
    render();
  });
}

/** (Re)connects the live stream for the current filters; the browser reconnects it by itself after a drop. */
function connectStream() {
  state.stream?.close();
  state.stream = null;
  state.streaming = false;
  if (typeof EventSource === 'undefined' || state.clustered) return;
  const generation = state.generation;
  const stream = new EventSource(streamUrl(state.filters));
  state.stream = stream;
  /** @param {Event} message @returns {CorrelationEvent | null} */
  const eventOf = (message) => {
    if (generation !== state.generation) return null;
    const event = JSON.parse(/** @type {MessageEvent} */ (message).data);
    return event && !event.omitted ? event : null;
  };
  stream.addEventListener('open', () => {
    if (generation !== state.generation) return;
    state.streaming = true;
    void loadOpen(generation).then(scheduleRender);
  });
  stream.addEventListener('update', (message) => {
    const event = eventOf(message);
    if (!event) return;
    state.open.set(event.id, event);
    scheduleRender();
  });
  stream.addEventListener('closed', (message) => {
    const event = eventOf(message);
    if (!event) return;
    state.open.delete(event.id);
    state.pendingClosed.push(event);
    scheduleRender();
  });
  // The engine lost track of what changed (a burst): read the open windows again.
  stream.addEventListener('resync', () => void loadOpen(generation).then(scheduleRender));
  // Polling takes the open windows over until the stream is back.
  stream.addEventListener('error', () => {
    state.streaming = false;
  });
}

/** Counts the open windows down in place, and lets go of those long past their close. */
function tickOpen() {
  const now = Date.now();
  for (const mark of tbody.querySelectorAll('[data-closes-at]')) {
    mark.textContent = openLabel({ closesAt: mark.getAttribute('data-closes-at') ?? '' }, now);
  }
  let stale = false;
  for (const [id, event] of state.open) {
    if (Date.parse(/** @type {{ closesAt?: string }} */ (event).closesAt ?? '') + OPEN_GRACE_MS < now) {
      state.open.delete(id);
      stale = true;
    }
  }
  if (stale) render();
}

/** "Load older events": the page after the oldest one loaded, added below the list. */
async function loadOlder() {
  const cursor = state.olderCursor;
  if (!cursor) return;
  const generation = state.generation;
  moreButton.disabled = true;
  try {
    const page = await fetchPage(`${apiQuery(state.filters, MAX_EVENTS)}&cursor=${encodeURIComponent(cursor)}`);
    if (generation !== state.generation) return;
    state.maxEvents += MAX_EVENTS;
    state.events = mergeEvents(state.events, page.events, state.maxEvents).events;
    state.olderCursor = page.next;
    renderList();
  } catch (err) {
    setStatus(`Could not load older events (${err instanceof Error ? err.message : String(err)})`, 'warn');
  } finally {
    moreButton.disabled = false;
  }
}

/** Starts over with the current filters (server-side filters change what the engine returns). */
function refetch(/** @type {{ openNewest?: boolean }} */ opts = {}) {
  state.generation += 1;
  clearTimeout(state.timer);
  state.events = [];
  state.fresh = new Set();
  state.loaded = false;
  state.maxEvents = MAX_EVENTS;
  state.olderCursor = null;
  state.open = new Map();
  state.pendingClosed = [];
  render();
  connectStream();
  void poll(opts);
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const data = new FormData(form);
  state.filters = readFilters(`?${new URLSearchParams(/** @type {any} */ (data)).toString()}`);
  writeUrl('push');
  refetch();
});

moreButton.addEventListener('click', () => void loadOlder());

$('clear').addEventListener('click', (ev) => {
  ev.preventDefault();
  state.filters = readFilters('');
  syncForm();
  writeUrl('push');
  refetch();
});

window.addEventListener('popstate', () => {
  const next = readFilters(location.search);
  const sameQuery = ['circuit_id', 'service', 'trace_id'].every(
    (k) => next[/** @type {'circuit_id'} */ (k)] === state.filters[/** @type {'circuit_id'} */ (k)],
  );
  state.filters = next;
  syncForm();
  if (sameQuery) render();
  else refetch();
});

document.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape' && state.filters.event) closeDetail();
});

async function loadConfig() {
  try {
    const res = await fetch('/api/ui-config', { headers: { accept: 'application/json' } });
    if (res.ok) {
      const config = await res.json();
      state.grafanaBase = safeGrafanaBase(config?.grafanaUrl);
      state.clustered = config?.clustered === true;
    }
  } catch {
    // The page works without Grafana links.
  }
}

syncForm();
render();
await loadConfig();
connectStream();
void poll();
setInterval(tickOpen, 1000);
