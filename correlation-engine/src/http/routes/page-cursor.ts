// Opaque cursors and ids for the query routes: a position in one recent-items ring, tagged with
// what it points into and with a token of this engine run, so a cursor from another list or from
// before a restart (when positions start again at 0) is refused instead of silently reading the
// wrong items.
import { randomBytes } from 'node:crypto';
import { HttpError } from '../http-error.js';

export interface CursorCodec {
  encode(position: number): string;
  /** The position, or undefined when the value is not one of ours (the caller answers 400/404). */
  decode(value: string): number | undefined;
}

/** `kind` names the list ("logs", "log", "events"); positions are whole numbers from 0. */
export function cursorCodec(kind: string): CursorCodec {
  const prefix = `${kind}.${randomBytes(6).toString('hex')}.`;
  return {
    encode: (position) => Buffer.from(`${prefix}${position}`, 'utf8').toString('base64url'),
    decode(value) {
      // A cursor is short; refusing long values first keeps decoding a hostile one cheap.
      if (value.length > 64 || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
      const text = Buffer.from(value, 'base64url').toString('utf8');
      if (!text.startsWith(prefix)) return undefined;
      const rest = text.slice(prefix.length);
      return /^(0|[1-9][0-9]{0,15})$/.test(rest) ? Number(rest) : undefined;
    },
  };
}

/** The `cursor` query parameter as a position; absent = the newest end; not ours = 400. */
export function cursorQuery(codec: CursorCodec, raw: string | undefined, newestEnd: number): number {
  if (raw === undefined) return newestEnd;
  const position = codec.decode(raw);
  if (position === undefined) {
    throw new HttpError(400, 'querystring.cursor: not a cursor from this engine run (start again without cursor)');
  }
  return position;
}
