// Trace and span id checks shared by the log routes, the normalizer and the OTLP decoders.
// W3C Trace Context: a trace id is 16 bytes (32 hex), a span id 8 bytes (16 hex); all-zero
// means "no id" and is invalid. Ids are compared as strings everywhere, so they are always
// stored lowercase.

// Hot path: one lookup per character instead of a regex test + toLowerCase allocation.
// Entry is the lowercase char code for hex digits, 0 otherwise.
const HEX_LOWER = new Uint8Array(128);
for (let c = 48; c <= 57; c++) HEX_LOWER[c] = c; // 0-9
for (let c = 97; c <= 102; c++) HEX_LOWER[c] = c; // a-f
for (let c = 65; c <= 70; c++) HEX_LOWER[c] = c + 32; // A-F -> a-f

function normalizeHexId(v: unknown, length: number): string | undefined {
  if (typeof v !== 'string' || v.length !== length) return undefined;
  let upper = false;
  let nonZero = false;
  for (let i = 0; i < length; i++) {
    const c = v.charCodeAt(i);
    const lower = c < 128 ? (HEX_LOWER[c] as number) : 0;
    if (lower === 0) return undefined;
    if (lower !== c) upper = true;
    if (c !== 48) nonZero = true;
  }
  if (!nonZero) return undefined;
  // Most ids already arrive lowercase: return the same string without allocating.
  return upper ? v.toLowerCase() : v;
}

/** 32 hex chars, any case -> lowercase; undefined when invalid or all-zero. */
export function normalizeTraceId(v: unknown): string | undefined {
  return normalizeHexId(v, 32);
}

/** 16 hex chars, any case -> lowercase; undefined when invalid or all-zero. */
export function normalizeSpanId(v: unknown): string | undefined {
  return normalizeHexId(v, 16);
}

// Precomputed byte -> two hex chars, so converting protobuf id bytes is one table lookup per byte.
function isHexRange(v: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = v.charCodeAt(i);
    if (c >= 128 || HEX_LOWER[c] === 0) return false;
  }
  return true;
}

/**
 * Parses a W3C `traceparent` value (`00-<32 hex trace>-<16 hex span>-<2 hex flags>`).
 * Versions above 00 may append `-...` fields after the flags; version `ff` is forbidden.
 */
export function parseTraceparent(v: string): { traceId: string; spanId: string } | undefined {
  if (v.length < 55 || v.charCodeAt(2) !== 45 || v.charCodeAt(35) !== 45 || v.charCodeAt(52) !== 45) return undefined;
  if (!isHexRange(v, 0, 2) || !isHexRange(v, 53, 55)) return undefined;
  const version = v.slice(0, 2).toLowerCase();
  if (version === 'ff') return undefined;
  if (v.length > 55 && (version === '00' || v.charCodeAt(55) !== 45)) return undefined;
  const traceId = normalizeTraceId(v.slice(3, 35));
  const spanId = normalizeSpanId(v.slice(36, 52));
  return traceId && spanId ? { traceId, spanId } : undefined;
}
