// Writes a JSON array answer one item at a time and stops before the item that would take it past
// its byte cap. Each item is serialized on its own (a listing form is small), so a page costs
// about its cap in work whatever is kept, and the answer is never built whole and then measured.

/** An item in up to three forms, fullest first; the smaller ones are used only when it is alone too big for a page. */
export type ItemForms = readonly [full: () => string, reduced: () => string, stub: () => string];

export interface JsonPage {
  body: string;
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

/**
 * Up to `limit` items (newest first, from below `before`) within `maxBytes` of UTF-8. Strings
 * are measured as written, so a control character escaped as \u0001 counts its six bytes.
 */
export function writeJsonPage<T>(source: PageSource<T>, before: number, limit: number, maxBytes: number): JsonPage {
  let body = '[';
  let bytes = 2; // the brackets
  let count = 0;
  let next: number | undefined;
  source.walk(before, (item, position) => {
    if (count >= limit) {
      next = position + 1;
      return false;
    }
    const forms = source.forms(item, position);
    const separator = count > 0 ? 1 : 0;
    let json = forms[0]();
    let size = Buffer.byteLength(json);
    if (bytes + separator + size > maxBytes) {
      // Full page: this item starts the next one (on an empty page it may still need shrinking).
      if (count > 0) {
        next = position + 1;
        return false;
      }
      json = forms[1]();
      size = Buffer.byteLength(json);
      if (bytes + size > maxBytes) {
        json = forms[2]();
        size = Buffer.byteLength(json);
      }
    }
    body += separator ? `,${json}` : json;
    bytes += separator + size;
    count += 1;
    return true;
  });
  return { body: `${body}]`, count, next };
}

/** A message cut to `maxChars` (never splitting a surrogate pair) with a visible marker. */
export function shortenText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
