// The detail routes (GET /api/correlations/:id, GET /api/logs/:id) for an item another replica
// holds: when this replica does not hold it, every peer is asked with scope=local and the first
// that has it answers the client, its body streamed through (an event can be megabytes) and cut
// at a byte bound, so a hostile peer can neither stream for ever nor make this replica buffer.
// A peer has ENGINE_PEER_TIMEOUT_MS for its headers and again between two pieces of its body.
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../http-error.js';
import { UNAVAILABLE_PEERS_HEADER } from './cluster-listing.js';
import type { ClusterView } from './cluster-view.js';

interface Asked {
  peer: string;
  controller: AbortController;
  timer: NodeJS.Timeout;
  answer: Promise<Response | undefined>;
}

function ask(view: ClusterView, peer: string, pathAndQuery: string): Asked {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), view.timeoutMs);
  const answer = fetch(`${peer}${pathAndQuery}`, {
    signal: controller.signal,
    redirect: 'manual',
    headers: { accept: 'application/json', ...(view.authorization ? { authorization: view.authorization } : {}) },
  }).then(
    (res) => res,
    () => undefined,
  );
  return { peer, controller, timer, answer };
}

/**
 * The peer's body, the peer's idle timer restarted by each piece. Past `maxBytes`, or when the
 * peer stalls or breaks off, the client's connection is closed: a cut answer is never passed off
 * as whole, and a failure of the peer is never turned into a 5xx of ours.
 */
function bounded(asked: Asked, res: Response, maxBytes: number, cut: () => void): Readable {
  let bytes = 0;
  const stop = () => {
    clearTimeout(asked.timer);
    asked.controller.abort();
    cut();
    piped.destroy();
  };
  const piped = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      asked.timer.refresh();
      bytes += chunk.length;
      if (bytes > maxBytes) {
        stop();
        done();
        return;
      }
      done(null, chunk);
    },
    flush(done) {
      clearTimeout(asked.timer);
      done();
    },
  });
  asked.timer.refresh();
  Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)
    .on('error', stop)
    .pipe(piped);
  return piped;
}

export async function forwardDetail(
  request: FastifyRequest,
  reply: FastifyReply,
  view: ClusterView,
  notHere: string,
  maxBytes: number,
): Promise<FastifyReply> {
  const peerUrls = (await view.peers?.current()) ?? [];
  const path = request.url.split('?', 1)[0] as string;
  const asked = peerUrls.filter((url) => !view.isSelf(url)).map((peer) => ask(view, peer, `${path}?scope=local`));
  const unavailable: string[] = [];
  let found: { asked: Asked; res: Response } | undefined;
  // Answers are taken as they come; the first 200 wins and the others are cancelled.
  const pending = new Map(asked.map((a) => [a, a.answer.then((res) => ({ a, res }))]));
  while (pending.size > 0 && !found) {
    const { a, res } = await Promise.race(pending.values());
    pending.delete(a);
    if (res?.status === 200 && res.body) found = { asked: a, res };
    else {
      clearTimeout(a.timer);
      await res?.body?.cancel().catch(() => {});
      if (res?.status !== 404) unavailable.push(a.peer);
    }
  }
  for (const a of pending.keys()) {
    clearTimeout(a.timer);
    a.controller.abort();
  }
  if (unavailable.length > 0) reply.header(UNAVAILABLE_PEERS_HEADER, unavailable.join(', '));
  if (!found) throw new HttpError(404, unavailable.length > 0 ? `${notHere}, nor on the replicas that answered` : notHere);
  // Always our own type: a peer's answer must never be read as a page (text/html) on this origin.
  return reply.type('application/json; charset=utf-8').send(bounded(found.asked, found.res, maxBytes, () => reply.raw.destroy()));
}
