// Visibility latency: while the 50% load runs, a probe posts one log with a fresh trace id every
// `intervalMs` and measures how long until that trace is visible as an open window
//   - on the API: GET /api/correlations/<trace id> answers it (asked right after the POST, again
//     every few ms until it does), latency = answered - sent;
//   - on the live stream: a GET /api/correlations/stream subscriber (filtered to the probe's
//     service) receives its update, latency = received - sent.
// The target is p99 <= 1 s for both (issue 18).
import { randomBytes } from 'node:crypto';
import { sleep } from './procs.ts';

const PROBE_SERVICE = 'bench-visibility-probe';

export interface VisibilityResult {
  probes: number;
  /** Sent -> visible on GET /api/correlations/<trace id>, ms (one per probe seen). */
  apiMs: number[];
  /** Sent -> update received on the live stream, ms (one per probe seen). */
  streamMs: number[];
  /**
   * Sent -> the POST's 202 read, ms (one per probe accepted): the part of a probe's visibility
   * spent before the engine had the record, in its sockets and its turn of the event loop.
   */
  acceptMs: number[];
}

/** Reads the stream's `update` events and reports each trace id with the time it arrived. */
async function subscribe(engineUrl: string, onUpdate: (traceId: string, at: number) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(`${engineUrl}/api/correlations/stream?service=${PROBE_SERVICE}`, {
    headers: { accept: 'text/event-stream' },
    signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`live stream answered ${res.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.startsWith('event: update\n')) continue;
          const data = block.slice(block.indexOf('data: ') + 6);
          const traceId = (JSON.parse(data) as { traceId?: string }).traceId;
          if (traceId) onUpdate(traceId, performance.now());
        }
      }
    } catch {
      // Aborted at the end of the probe.
    }
  })();
}

export async function probeVisibility(engineUrl: string, durationMs: number, intervalMs = 100): Promise<VisibilityResult> {
  const sentAt = new Map<string, number>();
  const streamMs: number[] = [];
  const apiMs: number[] = [];
  const acceptMs: number[] = [];
  const abort = new AbortController();
  await subscribe(
    engineUrl,
    (traceId, at) => {
      const sent = sentAt.get(traceId);
      if (sent === undefined) return;
      streamMs.push(at - sent);
      sentAt.delete(traceId);
    },
    abort.signal,
  );
  let probes = 0;
  const stopAt = Date.now() + durationMs;
  let nextSend = performance.now();
  while (Date.now() < stopAt) {
    const wait = nextSend - performance.now();
    if (wait > 0) await sleep(wait);
    nextSend += intervalMs;
    const traceId = randomBytes(16).toString('hex');
    const body = JSON.stringify({
      resource: { service: PROBE_SERVICE, env: 'bench' },
      records: [{ timestamp: new Date().toISOString(), severity: 'INFO', message: 'visibility probe', trace_id: traceId }],
    });
    const sent = performance.now();
    sentAt.set(traceId, sent);
    const res = await fetch(`${engineUrl}/api/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    probes++;
    if (res.status !== 202) {
      sentAt.delete(traceId);
      continue;
    }
    acceptMs.push(performance.now() - sent);
    for (let tries = 0; tries < 200; tries++) {
      const got = await fetch(`${engineUrl}/api/correlations/${traceId}`);
      await got.arrayBuffer();
      if (got.status === 200) {
        apiMs.push(performance.now() - sent);
        break;
      }
      await sleep(5);
    }
  }
  // Updates still on their way (a flush interval at most).
  await sleep(1000);
  abort.abort();
  return { probes, apiMs, streamMs, acceptMs };
}
