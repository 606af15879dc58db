// The key index: per linking value (circuit_id, resource_id), the open windows carrying it, in a
// doubly linked list in the order they first carried it. Every operation here touches a bounded
// number of nodes whatever the list's length, which is what keeps the correlator O(1) per record
// when one value is shared by 100,000 open windows:
//
// - a window joins a value: append at the tail; it leaves (closes): unlink its node;
// - a trace-less log joins the newest `maxLinkFanout` windows of a value: a walk from the tail;
// - a window closing lists as related at most `maxRelated` traces per value: its nearest
//   neighbours in the list (windows still open that carried the value at about the same time),
//   then the value's most recently closed windows whose time span overlapped its own (a ring of
//   `maxRelated` records per value, kept only while other windows of the value are open).
//
// A window keeps no related list of its own, so sharing a value costs it nothing until it closes.
import type { BusinessKey, RelatedTrace } from '../model/types.js';
import { append, itemsOf } from './one-or-many.js';
import type { ClosedRecord, KeyEntry, KeyNode, LinkNode, Window } from './state.js';
import { appendBytes, CLOSED_RECORD_BYTES, KEY_NODE_BYTES, LIST_BYTES, LIST_SLOT_BYTES, stringBytes } from './state-bytes.js';

/** The window a node stands for: a LinkNode's, or the node itself (a window's first list). */
export const windowOf = (node: KeyNode): Window => (node as LinkNode).w ?? (node as Window);

/**
 * Appends the window to the value's list: as itself for its first list, else as a new LinkNode.
 * Returns the change in estimated bytes.
 */
export function linkWindow(entry: KeyEntry, w: Window): number {
  let node: KeyNode;
  let bytes = 0;
  if (w.entry === undefined) {
    node = w;
    w.entry = entry;
    w.prev = entry.tail;
  } else {
    const nodes = w.nodes;
    const link: LinkNode = { w, entry, prev: entry.tail, next: undefined };
    w.nodes = append(nodes, link);
    node = link;
    bytes = KEY_NODE_BYTES + appendBytes(nodes);
  }
  if (entry.tail === undefined) entry.head = node;
  else entry.tail.next = node;
  entry.tail = node;
  entry.windowCount += 1;
  return bytes;
}

/** Every node of the window (itself first when it is in a list), to read or leave its lists. */
export function nodesOf(w: Window): readonly KeyNode[] {
  if (w.entry === undefined) return itemsOf(w.nodes);
  return w.nodes === undefined ? [w] : [w, ...itemsOf(w.nodes)];
}

/** Takes the node out of its value's list. */
export function unlinkNode(node: KeyNode): void {
  const entry = node.entry;
  if (entry === undefined) return;
  if (node.prev === undefined) entry.head = node.next;
  else node.prev.next = node.next;
  if (node.next === undefined) entry.tail = node.prev;
  else node.next.prev = node.prev;
  node.prev = undefined;
  node.next = undefined;
  entry.windowCount -= 1;
}

const recordBytes = (r: ClosedRecord): number => CLOSED_RECORD_BYTES + stringBytes(r.traceId);

/**
 * Notes a window of this value that just closed, for the ones still open to list; forgets the
 * ring once none is open (a window opening later cannot overlap any of them). Returns the change
 * in estimated bytes.
 */
export function rememberClosed(entry: KeyEntry, traceId: string, endMs: number, capacity: number): number {
  if (entry.windowCount === 0 || capacity <= 0) return -forgetClosed(entry);
  const record: ClosedRecord = { traceId, endMs };
  let ring = entry.closed;
  let delta = recordBytes(record);
  if (ring === undefined) {
    ring = [];
    entry.closed = ring;
    entry.closedNext = 0;
    delta += LIST_BYTES;
  }
  const at = entry.closedNext % capacity;
  const old = ring[at];
  if (old === undefined) {
    ring.push(record);
    delta += LIST_SLOT_BYTES;
  } else {
    ring[at] = record;
    delta -= recordBytes(old);
  }
  entry.closedNext = at + 1;
  return delta;
}

/** Drops the ring of closed windows; returns the bytes it was estimated at. */
export function forgetClosed(entry: KeyEntry): number {
  const ring = entry.closed;
  if (ring === undefined) return 0;
  let bytes = LIST_BYTES;
  for (const r of ring) bytes += recordBytes(r) + LIST_SLOT_BYTES;
  entry.closed = undefined;
  entry.closedNext = 0;
  return bytes;
}

/**
 * Adds to `found` (up to `cap` in all) the traces related to the closing window through one of
 * its values, nearest first on both sides, taking turns: on the earlier side its predecessors in
 * the value's list (still open), then the value's recently closed windows that were still open
 * after it opened, newest first; on the later side its successors. Visits at most `cap` nodes or
 * records. Returns how many open windows of the value went unvisited (not listed).
 */
export function collectRelated(node: KeyNode, key: BusinessKey, startMs: number, found: Map<string, RelatedTrace>, cap: number): number {
  const entry = node.entry as KeyEntry;
  const value = entry.value;
  const ring = entry.closed;
  let before = node.prev;
  let after = node.next;
  // Ring records still to read on the earlier side, newest first from the slot written last.
  let ringLeft = ring?.length ?? 0;
  let ringAt = entry.closedNext - 1;
  let visitedOpen = 0;
  let visited = 0;
  while (visited < cap && found.size < cap) {
    let took = false;
    if (before !== undefined) {
      addRelated(found, windowOf(before).traceId, key, value);
      before = before.prev;
      visitedOpen += 1;
      took = true;
    } else if (ring !== undefined && ringLeft > 0) {
      const r = ring[(ringAt + ring.length) % ring.length] as ClosedRecord;
      ringAt -= 1;
      ringLeft -= 1;
      // Closes come in opening order, so end times fall going back: the rest closed earlier still.
      if (r.endMs <= startMs) ringLeft = 0;
      else {
        addRelated(found, r.traceId, key, value);
        took = true;
      }
    }
    if (took) visited += 1;
    if (after !== undefined && visited < cap && found.size < cap) {
      addRelated(found, windowOf(after).traceId, key, value);
      after = after.next;
      visitedOpen += 1;
      visited += 1;
      took = true;
    }
    if (!took) break;
  }
  return entry.windowCount - 1 - visitedOpen;
}

/** One entry per related trace is enough to navigate; the first shared value names the link. */
function addRelated(found: Map<string, RelatedTrace>, traceId: string, key: BusinessKey, value: string): void {
  if (!found.has(traceId)) found.set(traceId, { traceId, key, value });
}
