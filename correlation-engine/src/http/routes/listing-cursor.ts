// Cursors of GET /api/correlations?state=open|all: where the next page starts, either among the
// open windows (a FIFO position or the trace id of a window on an index list, open-windows.ts)
// or, for state=all once the open windows are listed, among the closed events (a ring position).
// Opaque like the closed-event cursors (page-cursor.ts) and tied to this engine run by a token, so
// a cursor from another run or list is refused. Binary, so a trace id fits the 64-character limit.
import { randomBytes } from 'node:crypto';
import type { OpenPosition } from '../../correlate/open-windows.js';
import { HttpError } from '../http-error.js';

/** `open: undefined` is the start: the newest open window. */
export type ListingCursor = { open: OpenPosition | undefined } | { closedBefore: number };

const TOKEN_BYTES = 6;
const SEQ = 1;
const TRACE = 2;
const CLOSED = 3;

export interface ListingCursorCodec {
  encode(cursor: ListingCursor): string;
  /** The cursor, or undefined when the value is not one of ours. */
  decode(value: string): ListingCursor | undefined;
}

export function listingCursorCodec(): ListingCursorCodec {
  const token = randomBytes(TOKEN_BYTES);
  return {
    encode(cursor) {
      let body: Buffer;
      if ('closedBefore' in cursor) body = withNumber(CLOSED, cursor.closedBefore);
      else if (cursor.open === undefined || 'seq' in cursor.open) body = withNumber(SEQ, cursor.open?.seq ?? Number.MAX_SAFE_INTEGER);
      else body = Buffer.concat([Buffer.from([TRACE]), Buffer.from(cursor.open.traceId, 'hex')]);
      return Buffer.concat([token, body]).toString('base64url');
    },
    decode(value) {
      if (value.length > 64 || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
      const bytes = Buffer.from(value, 'base64url');
      if (bytes.length < TOKEN_BYTES + 1 || !bytes.subarray(0, TOKEN_BYTES).equals(token)) return undefined;
      const tag = bytes[TOKEN_BYTES];
      const rest = bytes.subarray(TOKEN_BYTES + 1);
      if (tag === TRACE) return rest.length === 16 ? { open: { traceId: rest.toString('hex') } } : undefined;
      if (rest.length !== 8) return undefined;
      const n = rest.readDoubleBE(0);
      if (!Number.isSafeInteger(n) || n < 0) return undefined;
      if (tag === SEQ) return { open: { seq: n } };
      return tag === CLOSED ? { closedBefore: n } : undefined;
    },
  };
}

function withNumber(tag: number, n: number): Buffer {
  const out = Buffer.alloc(9);
  out[0] = tag;
  out.writeDoubleBE(n, 1);
  return out;
}

/** The `cursor` query parameter; absent = the newest open window; not ours = 400. */
export function listingCursorQuery(codec: ListingCursorCodec, raw: string | undefined): ListingCursor {
  if (raw === undefined) return { open: undefined };
  const cursor = codec.decode(raw);
  if (cursor === undefined) throw new HttpError(400, 'querystring.cursor: not a cursor from this engine run (start again without cursor)');
  return cursor;
}
