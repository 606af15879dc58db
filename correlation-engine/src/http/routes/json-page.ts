// Writes a JSON array answer one item at a time and stops before the item that would take it past
// its byte cap. Each item is serialized on its own (a listing form is small), so a page costs
// about its cap in work whatever is kept, and the answer is never built whole and then measured.

/** An item in up to three forms, fullest first; the smaller ones are used only when it is alone too big for a page. */
export type ItemForms = readonly [full: () => string, reduced: () => string, stub: () => string];

export interface JsonPage<C = number> {
  /** The JSON array as UTF-8, ready to send. */
  body: Buffer;
  /** Items on the page. */
  count: number;
  /** Where the next page starts, when more matching items are kept. */
  next: C | undefined;
}

/**
 * Items newest first. A cursor `C` names where a walk starts; `resume` given with an item is the
 * cursor of a walk that starts with that item (for the recent-item rings: its position + 1).
 */
export interface PageSource<T, C = number> {
  /**
   * Visits matching items newest first from `from` until `visit` returns false. May stop on its own
   * before the end (bounded work per page) and return where to go on; the page then ends there.
   */
  walk(from: C, visit: (item: T, resume: C) => boolean): C | undefined;
  forms(item: T, resume: C): ItemForms;
}

/** Longest stretch of serializing before other requests get a turn (e.g. a probe on /health). */
const SLICE_MS = 2;

const yieldToOthers = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Up to `limit` items (newest first, from below `before`) within `maxBytes` of UTF-8. Strings
 * are measured as written, so a control character escaped as \u0001 counts its six bytes. The
 * walk pauses every SLICE_MS and resumes from its position, which stays valid while items are
 * pushed (items pushed out meanwhile are simply no longer there).
 */
export async function writeJsonPage<T, C = number>(
  source: PageSource<T, C>,
  before: C,
  limit: number,
  maxBytes: number,
): Promise<JsonPage<C>> {
  const items: string[] = [];
  let bytes = 2; // the brackets
  let count = 0;
  let next: C | undefined;
  let resumeBelow: C | undefined = before;
  while (resumeBelow !== undefined) {
    const from: C = resumeBelow;
    resumeBelow = undefined;
    const sliceEnd = performance.now() + SLICE_MS;
    const countAtSliceStart = count;
    const stoppedAt = source.walk(from, (item, resume) => {
      if (count >= limit) {
        next = resume;
        return false;
      }
      // Each slice takes at least one item, so a slow machine (a GC pause, cold code) still
      // makes progress instead of pausing before the same item again and again.
      if (count > countAtSliceStart && performance.now() > sliceEnd) {
        resumeBelow = resume;
        return false;
      }
      const forms = source.forms(item, resume);
      const separator = count > 0 ? 1 : 0;
      let json = forms[0]();
      let size = Buffer.byteLength(json);
      if (bytes + separator + size > maxBytes) {
        // Full page: this item starts the next one (on an empty page it may still need shrinking).
        if (count > 0) {
          next = resume;
          return false;
        }
        json = forms[1]();
        size = Buffer.byteLength(json);
        if (bytes + size > maxBytes) {
          json = forms[2]();
          size = Buffer.byteLength(json);
        }
      }
      items.push(json);
      bytes += separator + size;
      count += 1;
      return true;
    });
    if (stoppedAt !== undefined && resumeBelow === undefined && next === undefined) next = stoppedAt;
    if (resumeBelow !== undefined) await yieldToOthers();
  }
  return { body: encode(items, bytes), count, next };
}

/**
 * The items as one UTF-8 JSON array in a buffer of exactly `bytes`: one allocation, each
 * (flat) item string written in place, instead of joining a large string and encoding it whole.
 */
function encode(items: readonly string[], bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  out[at++] = 0x5b; // [
  for (let i = 0; i < items.length; i += 1) {
    if (i > 0) out[at++] = 0x2c; // ,
    at += out.write(items[i] as string, at, 'utf8');
  }
  out[at] = 0x5d; // ]
  return out;
}

/** A message cut to `maxChars` (never splitting a surrogate pair) with a visible marker. */
export function shortenText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
