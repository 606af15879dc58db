// Which traces a closing window lists as related: those that share a linking-key value with it,
// open or recently closed, found through the window's own key-index nodes, so the cost is bounded
// by the cap per value whatever the number of windows sharing it.
import { type BusinessKey, LINKING_KEYS, type RelatedTrace } from '../model/types.js';
import type { DropReason } from './drop-reason.js';
import { collectRelated, nodesOf } from './key-index.js';
import type { KeyEntry, Window } from './state.js';

/**
 * Up to `cap` traces sharing a linking value with the window opened at startMs (key-index.ts says
 * which); those left out are reported to onDrop. Read while the window is still in the key index.
 */
export function relatedTraces(
  w: Window,
  startMs: number,
  cap: number,
  onDrop: ((reason: DropReason, count: number) => void) | undefined,
): RelatedTrace[] {
  let found: Map<string, RelatedTrace> | undefined;
  let notListed = 0;
  for (const node of nodesOf(w)) {
    const entry = node.entry as KeyEntry;
    // slot -1 is the list of windows with errors (open-windows.ts), not a shared value.
    if (entry.slot < 0 || (entry.windowCount <= 1 && entry.closed === undefined)) continue;
    found ??= new Map();
    notListed += collectRelated(node, LINKING_KEYS[entry.slot] as BusinessKey, startMs, found, cap);
  }
  if (notListed > 0) onDrop?.('related_traces_cap', notListed);
  return found ? [...found.values()] : [];
}

/**
 * The local list followed by the traces key owners reported (cluster-linking/), each trace once, up to
 * `cap` in all. Behind the scale overlay the owners know every window of a value, the local index
 * only this replica's: the union is what one engine holding them all would list (below the cap).
 */
export function withRemote(local: RelatedTrace[], remote: Iterable<RelatedTrace> | undefined, cap: number): RelatedTrace[] {
  if (remote === undefined) return local;
  const seen = new Set(local.map((r) => r.traceId));
  for (const r of remote) {
    if (local.length >= cap) break;
    if (seen.has(r.traceId)) continue;
    seen.add(r.traceId);
    local.push(r);
  }
  return local;
}
