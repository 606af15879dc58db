// Asks one replica for its page. Whatever the peer does (refuses the connection, hangs, answers
// an error, a body larger than asked for or one that is not a peer page), the answer is a reason
// and the peer is listed as unavailable: a peer can never make the asking replica fail or wait
// longer than the timeout, nor hold more than the cap of its answer in memory.
import { NEXT_CURSOR_HEADER } from '../routes/page-reply.js';
import { PEER_MAX_BYTES_HEADER, type PeerPage, parsePeerPage, RUN_HEADER } from './peer-page.js';

export interface PeerRequest {
  /** Base URL of the peer. */
  peer: string;
  /** Path and query string, starting with "/". */
  pathAndQuery: string;
  timeoutMs: number;
  maxBytes: number;
  /** The engine's own Basic credentials header, when auth is on. */
  authorization: string | undefined;
}

export type PeerAnswer = { ok: true; page: PeerPage } | { ok: false; reason: string };

async function readBounded(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, bytes);
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
}

export async function fetchPeerPage(request: PeerRequest): Promise<PeerAnswer> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const res = await fetch(`${request.peer}${request.pathAndQuery}`, {
      signal,
      // A redirect would carry our credentials elsewhere; a peer answers directly or not at all.
      redirect: 'manual',
      headers: {
        accept: 'application/json',
        [PEER_MAX_BYTES_HEADER]: String(request.maxBytes),
        ...(request.authorization ? { authorization: request.authorization } : {}),
      },
    });
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel().catch(() => {});
      return { ok: false, reason: `answered ${res.status}` };
    }
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    if (declared > request.maxBytes) {
      await res.body.cancel().catch(() => {});
      return { ok: false, reason: 'answer larger than the cap' };
    }
    const body = await readBounded(res.body, request.maxBytes);
    if (!body) return { ok: false, reason: 'answer larger than the cap' };
    return { ok: true, page: parsePeerPage(body, res.headers.get(RUN_HEADER), res.headers.get(NEXT_CURSOR_HEADER)) };
  } catch (err) {
    if (signal.aborted) return { ok: false, reason: `no answer within ${request.timeoutMs} ms` };
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
