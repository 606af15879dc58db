// GET /api/correlations/:id answers the event whole: every kept detail log with its full message.
// That can be megabytes, so it is written as a stream of one piece per log: the event loop serves
// other requests between pieces and a slow reader holds back the writing, not the engine's memory.
import { Readable } from 'node:stream';
import type { Config } from '../../config.js';
import { MAX_MESSAGE_LENGTH } from '../../ingest/normalize/normalize-builder.js';
import type { CorrelationEvent } from '../../model/types.js';

/**
 * More bytes than any event this configuration keeps can take as JSON (every message at the
 * longest, every character escaped to six bytes, spans and keys with room to spare): the bound
 * on a peer's answer to a forwarded detail request.
 */
export function eventDetailMaxBytes(config: Config): number {
  return (config.maxLogsPerWindow + 1) * (MAX_MESSAGE_LENGTH * 6 + 1024) + (config.maxSpansPerWindow + 1) * 64 * 1024;
}

function* pieces(event: CorrelationEvent): Generator<string> {
  const { detail, ...head } = event;
  const opening = JSON.stringify(head).slice(0, -1);
  yield `${opening},"detail":{"spans":${JSON.stringify(detail.spans)},"spansCapped":${detail.spansCapped},"logsCapped":${detail.logsCapped},"logs":[`;
  let first = true;
  for (const log of detail.logs) {
    yield first ? JSON.stringify(log) : `,${JSON.stringify(log)}`;
    first = false;
  }
  yield ']}}';
}

export function eventDetailStream(event: CorrelationEvent): Readable {
  // A few pieces per read keeps each turn of the event loop short.
  return Readable.from(pieces(event), { objectMode: true, highWaterMark: 4 });
}
