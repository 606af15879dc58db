// Answers a listing (GET /api/correlations, GET /api/logs) in one of three scopes:
//   local   — this replica's items, exactly the single-engine answer (the default without peers);
//   peer    — what replicas ask each other: this replica's items with a cursor each (peer-page.ts);
//   cluster — the default with peers: every replica asked for its peer page at once, the answers
//             merged into one page (merge-pages.ts). Peers are asked with scope=peer, so a peer
//             never gathers in turn and there are no loops.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MEMORY_RETRY_AFTER_SECONDS } from '../../correlate/pipeline.js';
import { HttpError } from '../http-error.js';
import type { PageSource } from '../routes/json-page.js';
import { writeJsonPage } from '../routes/json-page.js';
import { NEXT_CURSOR_HEADER, sendJsonPage } from '../routes/page-reply.js';
import { type ClusterCursor, decodeClusterCursor, encodeClusterCursor, ownPart } from './cluster-cursor.js';
import type { ClusterView } from './cluster-view.js';
import { fetchPeerPage } from './fetch-peer.js';
import { type ItemOrder, mergePages } from './merge-pages.js';
import { PEER_MAX_BYTES_HEADER, type PeerPage, parsePeerPage, peerForms, RUN_HEADER } from './peer-page.js';

export type Scope = 'local' | 'peer' | 'cluster';

export const scopeQuerySchema = { type: 'string', enum: ['local', 'peer', 'cluster'] } as const;

/** Which replicas did not answer a cluster query (comma-separated base URLs); absent when all did. */
export const UNAVAILABLE_PEERS_HEADER = 'x-unavailable-peers';
/** How many replicas' items a cluster answer holds (this one included). */
export const REPLICAS_HEADER = 'x-cluster-replicas';

/** Cluster queries gathering at once; one more is answered 429, since each holds a page per replica. */
const MAX_CONCURRENT_GATHERS = 8;

export interface Listing<T, C> {
  source: PageSource<T, C>;
  /** Encodes a local cursor (the one X-Next-Cursor carries in scope=local). */
  encode(cursor: C): string;
  /** Where a local walk starts: the newest item without a cursor, else the cursor decoded (400 when not ours). */
  start(raw: string | undefined): C;
  limit: number;
  maxBytes: number;
  /** The merge order of a cluster answer. */
  order: ItemOrder;
}

/** The default scope: the cluster when peers are configured, else this replica alone. */
export function scopeOf(raw: Scope | undefined, view: ClusterView): Scope {
  return raw ?? (view.peers ? 'cluster' : 'local');
}

async function ownPeerPage<T, C>(listing: Listing<T, C>, raw: string | undefined, run: string, maxBytes: number) {
  const part = ownPart(raw, run);
  if (part.from === 'none') return { body: Buffer.from('[]'), next: undefined };
  const source: PageSource<T, C> = {
    walk: (from, visit) => listing.source.walk(from, visit),
    forms: (item, resume) => peerForms(listing.source.forms(item, resume), listing.encode(resume)),
  };
  const page = await writeJsonPage(source, listing.start(part.from === 'cursor' ? part.cursor : undefined), listing.limit, maxBytes);
  return { body: page.body, next: page.next === undefined ? undefined : listing.encode(page.next) };
}

export async function answerListing<T, C>(
  request: FastifyRequest,
  reply: FastifyReply,
  view: ClusterView,
  scope: Scope,
  rawCursor: string | undefined,
  listing: Listing<T, C>,
) {
  if (scope === 'peer') {
    const asked = Number(request.headers[PEER_MAX_BYTES_HEADER]);
    const maxBytes = Number.isSafeInteger(asked) && asked > 0 ? Math.min(asked, listing.maxBytes) : listing.maxBytes;
    const page = await ownPeerPage(listing, rawCursor, view.runId, maxBytes);
    reply.header(RUN_HEADER, view.runId);
    if (page.next !== undefined) reply.header(NEXT_CURSOR_HEADER, page.next);
    return reply.type('application/json; charset=utf-8').send(page.body);
  }
  const peers = view.peers;
  if (scope === 'local' || peers === undefined) {
    const page = await writeJsonPage(listing.source, listing.start(rawCursor), listing.limit, listing.maxBytes);
    return sendJsonPage(request, reply, page, listing);
  }
  if (view.gathering >= MAX_CONCURRENT_GATHERS) {
    throw new HttpError(429, `${MAX_CONCURRENT_GATHERS} cluster queries are running; retry shortly or ask with scope=local`, 1);
  }
  // A page from every peer is memory like an ingest body: not while the budget refuses those.
  const short = view.memory.shortOfMemory();
  if (short) throw new HttpError(503, `${short}; ask with scope=local meanwhile`, MEMORY_RETRY_AFTER_SECONDS);
  view.gathering += 1;
  try {
    return await gather(request, reply, view, rawCursor, listing);
  } finally {
    view.gathering -= 1;
  }
}

async function gather<T, C>(
  request: FastifyRequest,
  reply: FastifyReply,
  view: ClusterView,
  rawCursor: string | undefined,
  listing: Listing<T, C>,
) {
  const previous: ClusterCursor | undefined = rawCursor === undefined ? undefined : decodeClusterCursor(rawCursor);
  const [path, query = ''] = request.url.split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  params.set('scope', 'peer');
  const pathAndQuery = `${path}?${params.toString()}`;
  const peerUrls = (await view.peers?.current()) ?? [];
  const others = peerUrls.filter((url) => !view.isSelf(url));
  // The peers are asked first so their answers are on the way while this replica writes its own part.
  const asked = Promise.all(
    others.map((peer) =>
      fetchPeerPage({ peer, pathAndQuery, timeoutMs: view.timeoutMs, maxBytes: listing.maxBytes, authorization: view.authorization }),
    ),
  );
  const own = await ownPeerPage(listing, rawCursor, view.runId, listing.maxBytes).catch(async (err: unknown) => {
    await asked; // nothing left running behind a refused request (a bad cursor: 400)
    throw err;
  });
  const answers = await asked;
  const pages: PeerPage[] = [parsePeerPage(own.body, view.runId, own.next ?? null)];
  const runs = new Set([view.runId]);
  const unavailable: string[] = [];
  answers.forEach((answer, i) => {
    const peer = others[i] as string;
    if (!answer.ok) {
      unavailable.push(peer);
      request.log.debug({ peer, reason: answer.reason }, 'peer did not answer a cluster query');
      return;
    }
    if (answer.page.run === view.runId) view.markSelf(peer);
    // The same replica reached under two addresses counts once.
    if (runs.has(answer.page.run)) return;
    runs.add(answer.page.run);
    pages.push(answer.page);
  });
  view.keepOnly(peerUrls);
  const held = pages.reduce((sum, page) => sum + page.bytes, 0);
  view.memory.inflight.add(held);
  try {
    const merged = mergePages(pages, previous, listing.order, listing.limit, listing.maxBytes);
    reply.header(REPLICAS_HEADER, String(pages.length));
    if (unavailable.length > 0) reply.header(UNAVAILABLE_PEERS_HEADER, unavailable.join(', '));
    return sendJsonPage(request, reply, { body: merged.body, count: merged.count, next: merged.next }, { encode: encodeClusterCursor });
  } finally {
    view.memory.inflight.release(held);
  }
}
