// GET /api/correlations/:id answers the event whole: every kept detail log with its full message.
// That can be megabytes, so it is written as a stream of one piece per log: the event loop serves
// other requests between pieces and a slow reader holds back the writing, not the engine's memory.
import { Readable } from 'node:stream';
import type { CorrelationEvent } from '../../model/types.js';

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
