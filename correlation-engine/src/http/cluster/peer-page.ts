// One replica's part of a cluster-wide listing, as replicas send it to each other (scope=peer):
// a JSON array of `{"c": <cursor that starts a walk at this item>, "i": <the item as listed>}`,
// its run id in X-Engine-Run and its next cursor in X-Next-Cursor. The cursor per item lets the
// asker stop part-way through a replica's page and go on from there on the next page.
import type { ItemForms } from '../routes/json-page.js';

export const RUN_HEADER = 'x-engine-run';
/** The byte cap the asking replica holds a peer's answer to (the peer writes its page within it). */
export const PEER_MAX_BYTES_HEADER = 'x-peer-max-bytes';

/** A listed item with where a walk starting at it begins. */
export interface PeerItem {
  cursor: string;
  /** The item's JSON text as the replica listed it. */
  json: string;
  item: Record<string, unknown>;
}

export interface PeerPage {
  run: string;
  items: PeerItem[];
  next: string | undefined;
  /** Size of the answer as received (held until the merged page is sent). */
  bytes: number;
}

/** Longest local cursor a replica hands out (page-cursor.ts, listing-cursor.ts). */
const MAX_CURSOR_CHARS = 64;
const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The forms of an item wrapped with its cursor, so the peer page's byte cap counts the wrapping too. */
export function peerForms(forms: ItemForms, cursor: string): ItemForms {
  const head = `{"c":${JSON.stringify(cursor)},"i":`;
  return [() => `${head}${forms[0]()}}`, () => `${head}${forms[1]()}}`, () => `${head}${forms[2]()}}`];
}

export class PeerPageError extends Error {
  override name = 'PeerPageError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a peer page; anything not of its shape throws PeerPageError (the peer is then reported unavailable). */
export function parsePeerPage(body: Buffer, run: string | null, next: string | null): PeerPage {
  if (run === null || !RUN_ID.test(run)) throw new PeerPageError('no run id');
  if (next !== null && (next.length === 0 || next.length > MAX_CURSOR_CHARS)) throw new PeerPageError('bad next cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new PeerPageError('body is not JSON');
  }
  if (!Array.isArray(parsed)) throw new PeerPageError('body is not an array');
  const items: PeerItem[] = [];
  for (const entry of parsed) {
    if (!isObject(entry) || typeof entry.c !== 'string' || entry.c.length > MAX_CURSOR_CHARS || !isObject(entry.i)) {
      throw new PeerPageError('item is not {c, i}');
    }
    items.push({ cursor: entry.c, json: JSON.stringify(entry.i), item: entry.i });
  }
  return { run, items, next: next ?? undefined, bytes: body.length };
}
