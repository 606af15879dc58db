// @ts-check
// Turns events into DOM. Every piece of data goes in as a text node or an attribute value set
// through the DOM API: log messages and attributes are untrusted, so nothing here parses HTML
// (no innerHTML / insertAdjacentHTML anywhere in the UI).

import { lokiLogsUrl, tempoTraceUrl } from './grafana-links.js';
import {
  axisTicks,
  formatClock,
  formatDuration,
  keyEntries,
  layoutWaterfall,
  openLabel,
  serviceColorIndex,
  shortId,
} from './view-model.js';

/** @typedef {import('../model/types.js').CorrelationEvent} CorrelationEvent */
/** @typedef {import('../model/types.js').LogSummary} LogSummary */
/** A detail log as GET /api/correlations lists it: a long message is shortened, with its full size. */
/** @typedef {LogSummary & { messageTruncated?: boolean, messageBytes?: number }} ListedLog */
/** @typedef {string | Node | null | undefined | false} Child */
/** @typedef {Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>} Attrs */

/**
 * Creates an element. Strings become text nodes; `on*` attributes with a function become
 * listeners; `false`/`null` attributes are left out.
 * @param {string} tag
 * @param {Attrs} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/**
 * @param {Node} parent
 * @param {Array<Child | Child[]>} children
 */
function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** @param {string} service */
function serviceChip(service) {
  return h('span', { class: `chip svc-${serviceColorIndex(service)}` }, service);
}

/** Short labels keep a row's chips narrow; the full key name is in the tooltip. */
const KEY_LABELS = /** @type {Record<string, string>} */ ({
  circuit_id: 'circuit',
  product_id: 'product',
  resource_id: 'resource',
  resource_type_id: 'type',
  request_id: 'request',
});

/** @param {CorrelationEvent} event */
function keyChips(event) {
  return keyEntries(event).map(([key, values]) =>
    h(
      'span',
      { class: key === 'circuit_id' ? 'kv kv-primary' : 'kv', title: `${key}=${values.join(', ')}`, 'data-key': key },
      h('span', { class: 'k' }, KEY_LABELS[key] ?? key),
      ' ',
      values.join(', '),
    ),
  );
}

/**
 * One row of the event list. The trace-id button opens the detail view (keyboard reachable).
 * @param {CorrelationEvent} event
 * @param {{ selected: boolean, fresh: boolean, onOpen: (id: string) => void }} opts
 */
export function eventRow(event, opts) {
  const errors = event.errorCount > 0;
  const closesAt =
    /** @type {{ state?: string, closesAt?: string }} */ (event).state === 'open'
      ? /** @type {{ closesAt?: string }} */ (event).closesAt
      : undefined;
  return h(
    'tr',
    {
      'data-event-id': event.id,
      'data-trace-id': event.traceId,
      'data-state': closesAt ? 'open' : 'closed',
      class: ['event', closesAt ? 'open' : '', errors ? 'has-errors' : '', opts.selected ? 'selected' : '', opts.fresh ? 'fresh' : '']
        .filter(Boolean)
        .join(' '),
      'aria-current': opts.selected ? 'true' : null,
    },
    closesAt
      ? // The countdown is refreshed in place every second by main.js (data-closes-at).
        h(
          'td',
          { class: 'time' },
          h(
            'span',
            { class: 'open-mark', 'data-closes-at': closesAt, title: `closes at ${closesAt}` },
            openLabel({ closesAt }, Date.now()),
          ),
        )
      : h('td', { class: 'time' }, h('time', { datetime: event.windowEnd, title: event.windowEnd }, formatClock(event.windowEnd, false))),
    h(
      'td',
      { class: 'trace' },
      h(
        'button',
        {
          type: 'button',
          class: 'link mono',
          title: event.traceId,
          'aria-label': `Open trace ${event.traceId}`,
          onclick: () => opts.onOpen(event.id),
        },
        shortId(event.traceId),
      ),
      event.continuation
        ? h('span', { class: 'badge cont', title: 'Continuation: an earlier window for this trace had already closed' }, 'cont.')
        : null,
    ),
    h(
      'td',
      { class: 'services' },
      h('div', { class: 'svc-line' }, event.services.map(serviceChip)),
      h('div', { class: 'key-line' }, keyChips(event)),
    ),
    h('td', { class: 'num', 'data-label': 'Spans' }, String(event.spanCount)),
    h(
      'td',
      { class: 'num', 'data-label': 'Logs' },
      String(event.logCount),
      event.linkedLogCount > 0
        ? h(
            'span',
            { class: 'linked-count', title: 'Logs without trace context joined through a business key' },
            `${event.linkedLogCount} linked`,
          )
        : null,
    ),
    h('td', { class: 'num', 'data-label': 'Errors' }, errors ? h('span', { class: 'err-count' }, String(event.errorCount)) : '0'),
  );
}

/**
 * @param {CorrelationEvent} event
 * @param {string | null} grafanaBase
 */
function grafanaLinks(event, grafanaBase) {
  if (!grafanaBase) return null;
  return h(
    'p',
    { class: 'grafana' },
    h(
      'a',
      { href: tempoTraceUrl(grafanaBase, event), target: '_blank', rel: 'noopener noreferrer', class: 'button' },
      'Trace in Grafana (Tempo)',
    ),
    ' ',
    h(
      'a',
      { href: lokiLogsUrl(grafanaBase, event), target: '_blank', rel: 'noopener noreferrer', class: 'button' },
      'Logs in Grafana (Loki)',
    ),
  );
}

/** `1 span`, `2 spans`. @param {number} n @param {string} noun */
const plural = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** @param {CorrelationEvent} event */
function summary(event) {
  const windowMs = Date.parse(event.windowEnd) - Date.parse(event.windowStart);
  /** @type {Array<[string, Child | Child[]]>} */
  const items = [
    ['Window', `${formatClock(event.windowStart)} → ${formatClock(event.windowEnd)} (${formatDuration(windowMs)})`],
    ['Services', event.services.map(serviceChip)],
    [
      'Root span',
      event.rootSpan ? `${event.rootSpan.name} · ${event.rootSpan.service} · ${formatDuration(event.rootSpan.durationMs)}` : 'not seen',
    ],
    [
      'Counts',
      `${plural(event.spanCount, 'span')} · ${plural(event.logCount, 'log')} (${event.linkedLogCount} linked) · ${plural(event.errorCount, 'error')}`,
    ],
    [
      'Highest severity',
      event.highestSeverity ? h('span', { class: `sev sev-${event.highestSeverity.toLowerCase()}` }, event.highestSeverity) : '—',
    ],
    ['Engine instance', event.instance],
  ];
  for (const [key, values] of keyEntries(event)) items.push([key, values.join(', ')]);
  return h(
    'dl',
    { class: 'facts' },
    items.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
  );
}

/** @param {CorrelationEvent} event */
function waterfall(event) {
  const spans = event.detail?.spans ?? [];
  const section = h('section', { class: 'block', 'aria-labelledby': 'wf-title' }, h('h3', { id: 'wf-title' }, `Spans (${spans.length})`));
  if (event.detail?.spansCapped) {
    section.appendChild(
      h(
        'p',
        { class: 'capped', role: 'note' },
        `Showing ${spans.length} of ${event.spanCount} spans: the engine caps the detail it keeps per event.`,
      ),
    );
  }
  if (spans.length === 0) {
    section.appendChild(h('p', { class: 'muted' }, 'No spans in this window (logs only).'));
    return section;
  }
  const { rows, totalMs } = layoutWaterfall(spans);
  const ticks = axisTicks(totalMs).map((t) => {
    const tick = h('span', { class: 'tick' }, t.label);
    tick.style.left = `${t.pct}%`;
    return tick;
  });
  const axis = h(
    'div',
    { class: 'wf-axis', 'aria-hidden': 'true' },
    h('div', { class: 'wf-label' }),
    h('div', { class: 'wf-track' }, ticks),
  );
  const list = h('ol', { class: 'waterfall', 'aria-label': 'Span waterfall' });
  for (const row of rows) {
    const { span } = row;
    const isError = span.status === 'ERROR';
    const bar = h('span', {
      class: `bar svc-${serviceColorIndex(span.service)}${isError ? ' error' : ''}`,
      title: `${span.name} (${span.service}) ${formatDuration(span.durationMs)} ${span.status}`,
    });
    // Geometry goes through CSSOM properties, not a style attribute: the CSP forbids inline styles.
    bar.style.left = `${row.offsetPct.toFixed(3)}%`;
    bar.style.width = `max(2px, ${row.widthPct.toFixed(3)}%)`;
    const label = h(
      'div',
      { class: 'wf-label' },
      h('span', { class: 'span-name' }, span.name),
      h('span', { class: `svc-text svc-${serviceColorIndex(span.service)}` }, span.service),
    );
    // Deep call chains (a dozen levels across three services) must still leave room for the name.
    label.style.paddingInlineStart = `${Math.min(row.depth, 10) * 0.55}rem`;
    list.appendChild(
      h(
        'li',
        { class: `wf-row${isError ? ' error' : ''}`, 'data-service': span.service, 'data-span-id': span.spanId },
        label,
        h('div', { class: 'wf-track' }, bar),
        h(
          'div',
          { class: 'wf-meta' },
          h('span', { class: 'dur' }, formatDuration(span.durationMs)),
          h('span', { class: `span-status st-${span.status.toLowerCase()}` }, span.status),
        ),
      ),
    );
  }
  section.append(axis, list);
  return section;
}

/** @param {ListedLog} log */
function logRow(log) {
  const sev = log.severity.toLowerCase();
  return h(
    'tr',
    { class: `log lvl-${sev}${log.linkedBy ? ' linked' : ''}`, 'data-service': log.service },
    h('td', { class: 'time mono' }, formatClock(log.timeUnixMs)),
    h('td', {}, h('span', { class: `sev sev-${sev}` }, log.severity)),
    h('td', {}, serviceChip(log.service)),
    h(
      'td',
      { class: 'message' },
      h('span', { class: 'msg-text' }, log.message),
      log.messageTruncated ? h('span', { class: 'shortened muted' }, ` shortened; ${log.messageBytes ?? '?'} bytes in full`) : null,
      log.linkedBy ? h('span', { class: 'linked-by' }, `linked by ${log.linkedBy.key}=${log.linkedBy.value}`) : null,
    ),
  );
}

/** @param {CorrelationEvent & { detailOmitted?: boolean }} event */
function logsTable(event) {
  const logs = (event.detail?.logs ?? []).slice().sort((a, b) => a.timeUnixMs - b.timeUnixMs);
  const section = h('section', { class: 'block', 'aria-labelledby': 'logs-title' }, h('h3', { id: 'logs-title' }, `Logs (${logs.length})`));
  if (event.detailOmitted) {
    section.appendChild(h('p', { class: 'capped', role: 'note' }, 'This event is too large for the list; loading its full detail…'));
  } else if (event.detail?.logsCapped) {
    section.appendChild(
      h(
        'p',
        { class: 'capped', role: 'note' },
        `Showing ${logs.length} of ${event.logCount} logs: the engine caps the detail it keeps per event.`,
      ),
    );
  }
  if (logs.length === 0) {
    section.appendChild(h('p', { class: 'muted' }, 'No logs in this window.'));
    return section;
  }
  section.appendChild(
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'logs' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Time', 'Severity', 'Service', 'Message'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h('tbody', {}, logs.map(logRow)),
      ),
    ),
  );
  return section;
}

/**
 * @param {CorrelationEvent} event
 * @param {(traceId: string) => void} onOpenTrace
 */
function relatedTraces(event, onOpenTrace) {
  if (event.relatedTraces.length === 0) return null;
  return h(
    'section',
    { class: 'block', 'aria-labelledby': 'rel-title' },
    h('h3', { id: 'rel-title' }, `Related traces (${event.relatedTraces.length})`),
    h(
      'ul',
      { class: 'related' },
      event.relatedTraces.map((rel) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', class: 'link mono', 'data-trace-id': rel.traceId, onclick: () => onOpenTrace(rel.traceId) },
            shortId(rel.traceId),
          ),
          h('span', { class: 'muted' }, ` shares ${rel.key}=${rel.value}`),
        ),
      ),
    ),
  );
}

/**
 * The detail view of one event.
 * @param {CorrelationEvent} event
 * @param {{ grafanaBase: string | null, onClose: () => void, onOpenTrace: (traceId: string) => void }} opts
 */
export function eventDetail(event, opts) {
  return h(
    'article',
    { class: 'detail-body', 'data-event-id': event.id },
    h(
      'header',
      { class: 'detail-head' },
      h('h2', { id: 'detail-title', tabindex: '-1' }, 'Trace ', h('span', { class: 'mono' }, event.traceId)),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close detail', onclick: opts.onClose }, '×'),
    ),
    event.continuation ? h('p', { class: 'note' }, 'Continuation: an earlier window for this trace had already closed.') : null,
    grafanaLinks(event, opts.grafanaBase),
    summary(event),
    waterfall(event),
    logsTable(event),
    relatedTraces(event, opts.onOpenTrace),
  );
}
