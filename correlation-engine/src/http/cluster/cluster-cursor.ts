// The cursor of a cluster-wide listing: for every replica of the walk (by its run id) the local
// cursor where its part goes on, or null once it has nothing more. Any replica can continue it:
// each peer picks its own entry, so the cursor works whichever replica a load balancer sends the
// next request to. A replica not in the cursor (joined or restarted since the first page) has no
// part in the rest of that walk.
import { HttpError } from '../http-error.js';

export type ClusterCursor = ReadonlyMap<string, string | null>;

/** An opaque cursor from a listing's X-Next-Cursor header: a local one is at most 64 characters, a cluster one (64 replicas of ~100 characters each, base64url) never more than this. */
export const MAX_CLUSTER_CURSOR_CHARS = 9000;

export const clusterCursorQuerySchema = { type: 'string', minLength: 1, maxLength: MAX_CLUSTER_CURSOR_CHARS } as const;

export function encodeClusterCursor(cursor: ClusterCursor): string {
  return Buffer.from(JSON.stringify({ p: Object.fromEntries(cursor) }), 'utf8').toString('base64url');
}

const bad = () => new HttpError(400, 'querystring.cursor: not a cluster cursor (start again without cursor)');

export function decodeClusterCursor(raw: string): ClusterCursor {
  if (raw.length > MAX_CLUSTER_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(raw)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const parts = (parsed as { p?: unknown } | null)?.p;
  if (typeof parts !== 'object' || parts === null || Array.isArray(parts)) throw bad();
  const out = new Map<string, string | null>();
  for (const [run, local] of Object.entries(parts)) {
    if (local !== null && (typeof local !== 'string' || local.length === 0 || local.length > 64)) throw bad();
    out.set(run, local);
  }
  return out;
}

/** Where this replica's part of a walk starts: 'start' (no cursor: the newest), a local cursor, or 'none'. */
export function ownPart(raw: string | undefined, run: string): { from: 'start' } | { from: 'cursor'; cursor: string } | { from: 'none' } {
  if (raw === undefined) return { from: 'start' };
  const local = decodeClusterCursor(raw).get(run);
  return typeof local === 'string' ? { from: 'cursor', cursor: local } : { from: 'none' };
}
