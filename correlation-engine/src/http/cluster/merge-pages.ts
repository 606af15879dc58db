// Merges the replicas' pages into one page, newest first, within the same item limit and byte
// cap as one replica's page, and says where each replica's part goes on. Each replica's items
// keep their own order (a k-way merge of the heads); the merge stops where a replica's page ends
// while it has more, since its next item could be newer than every head left.
import type { ClusterCursor } from './cluster-cursor.js';
import type { PeerItem, PeerPage } from './peer-page.js';

/** Negative when `a` is listed before `b`. */
export type ItemOrder = (a: Record<string, unknown>, b: Record<string, unknown>) => number;

export interface MergedPage {
  body: Buffer;
  count: number;
  /** Where the walk goes on; undefined when no replica has more. */
  next: ClusterCursor | undefined;
}

interface Part {
  page: PeerPage;
  at: number;
}

function best(parts: readonly Part[], order: ItemOrder): Part | undefined {
  let chosen: Part | undefined;
  for (const part of parts) {
    const head = part.page.items[part.at];
    if (head === undefined) {
      if (part.page.next !== undefined) return undefined;
      continue;
    }
    if (chosen === undefined || order(head.item, (chosen.page.items[chosen.at] as PeerItem).item) < 0) chosen = part;
  }
  return chosen;
}

/**
 * `pages` are the answers of the replicas that answered (this one included); `previous` the
 * cursor this page continues, whose entries for replicas that did not answer are carried on
 * unchanged (while others have more) so a replica that was briefly away is read again by the
 * next page.
 */
export function mergePages(
  pages: readonly PeerPage[],
  previous: ClusterCursor | undefined,
  order: ItemOrder,
  limit: number,
  maxBytes: number,
): MergedPage {
  const parts: Part[] = pages.map((page) => ({ page, at: 0 }));
  const texts: string[] = [];
  let bytes = 2;
  while (texts.length < limit) {
    const part = best(parts, order);
    if (part === undefined) break;
    const json = (part.page.items[part.at] as PeerItem).json;
    const size = Buffer.byteLength(json) + (texts.length > 0 ? 1 : 0);
    // The peers wrote their items within the cap with a cursor around each, so one item alone always fits.
    if (texts.length > 0 && bytes + size > maxBytes) break;
    texts.push(json);
    bytes += size;
    part.at += 1;
  }
  const next = new Map<string, string | null>(previous ?? []);
  let more = false;
  for (const { page, at } of parts) {
    const local = page.items[at]?.cursor ?? page.next ?? null;
    next.set(page.run, local);
    if (local !== null) more = true;
  }
  // Once the replicas that answered are done, the walk ends: a cursor kept only for absent
  // replicas would have a client page through empty answers for as long as they stay away.
  return { body: Buffer.from(`[${texts.join(',')}]`, 'utf8'), count: texts.length, next: more ? next : undefined };
}
