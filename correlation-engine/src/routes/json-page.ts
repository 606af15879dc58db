// Writes a JSON array answer one item at a time and stops before the item that would take it past
// its byte cap. Each item is serialized on its own (a listing form is small), so a page costs
// about its cap in work whatever is kept, and the answer is never built whole and then measured.

/** An item in up to three forms, fullest first; the smaller ones are used only when it is alone too big for a page. */
export type ItemForms = readonly [full: () => string, reduced: () => string, stub: () => string];

export interface JsonPage {
  /** The JSON array as UTF-8, ready to send (no large string to encode in one go at the end). */
  body: Buffer;
  /** Items on the page. */
  count: number;
  /** Position to continue below, when more matching items are kept. */
  next: number | undefined;
}

export interface PageSource<T> {
  /** Visits matching items newest first from below `before` until `visit` returns false. */
  walk(before: number, visit: (item: T, position: number) => boolean): void;
  forms(item: T, position: number): ItemForms;
}

/** Longest stretch of serializing before other requests get a turn (e.g. a probe on /health). */
const SLICE_MS = 2;

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

const yieldToOthers = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Up to `limit` items (newest first, from below `before`) within `maxBytes` of UTF-8. Strings
 * are measured as written, so a control character escaped as \u0001 counts its six bytes. The
 * walk pauses every SLICE_MS and resumes from its position, which stays valid while items are
 * pushed (items pushed out meanwhile are simply no longer there).
 */
export async function writeJsonPage<T>(source: PageSource<T>, before: number, limit: number, maxBytes: number): Promise<JsonPage> {
  const chunks: Buffer[] = [OPEN];
  let bytes = 2; // the brackets
  let count = 0;
  let next: number | undefined;
  let resumeBelow: number | undefined = before;
  while (resumeBelow !== undefined) {
    const from: number = resumeBelow;
    resumeBelow = undefined;
    const sliceEnd = performance.now() + SLICE_MS;
    source.walk(from, (item, position) => {
      if (count >= limit) {
        next = position + 1;
        return false;
      }
      if (performance.now() > sliceEnd) {
        resumeBelow = position + 1;
        return false;
      }
      const forms = source.forms(item, position);
      const separator = count > 0 ? 1 : 0;
      // Encoded item by item, so the cost of UTF-8 is spread over the slices too.
      let json = Buffer.from(forms[0](), 'utf8');
      if (bytes + separator + json.length > maxBytes) {
        // Full page: this item starts the next one (on an empty page it may still need shrinking).
        if (count > 0) {
          next = position + 1;
          return false;
        }
        json = Buffer.from(forms[1](), 'utf8');
        if (bytes + json.length > maxBytes) json = Buffer.from(forms[2](), 'utf8');
      }
      if (separator) chunks.push(COMMA);
      chunks.push(json);
      bytes += separator + json.length;
      count += 1;
      return true;
    });
    if (resumeBelow !== undefined) await yieldToOthers();
  }
  chunks.push(CLOSE);
  return { body: Buffer.concat(chunks, bytes), count, next };
}

/** A message cut to `maxChars` (never splitting a surrogate pair) with a visible marker. */
export function shortenText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
