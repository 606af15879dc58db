// A minimal protobuf wire-format reader: just what the OTLP decoders need, reading fields
// straight into our own shapes. Hand-written rather than protobufjs because a generic decoder
// first builds message objects (with Long ints and byte arrays for ids) that we would then convert
// again; reading once, in place, avoids that second pass and its allocations on every request.
//
// Safety: every read is bounds-checked against the current message's limit, declared lengths are
// checked before use (nothing is allocated from a declared length), and malformed input raises
// OtlpDecodeError with the byte offset.
import { Buffer } from 'node:buffer';
import { OtlpDecodeError } from './decode-error.js';
import { RecurringStrings, type Utf8Sliceable } from './recurring-strings.js';
import { type HexSliceable, RecurringTraceIds } from './recurring-trace-ids.js';

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_SGROUP = 3;
export const WIRE_EGROUP = 4;
export const WIRE_I32 = 5;

const TWO_32 = 4_294_967_296;
/**
 * Node's per-encoding decoders behind Buffer#toString, present on every Buffer since Node 0.x and
 * called directly by widely used binary decoders (msgpackr, among others). Called here for every
 * string field of a batch: toString's own argument handling (range clamping, the encoding name
 * looked up by string) cost more than the decoding of the short ids and keys OTLP carries.
 */
interface SliceableBuffer extends Buffer, Pick<Utf8Sliceable, 'utf8Slice'>, HexSliceable {}

/** One for the process: the keys of one request recur in the next (the engine decodes on one thread). */
const RECURRING = new RecurringStrings();
/** The same for trace ids: a trace's records keep coming, request after request. */
const TRACE_IDS = new RecurringTraceIds();

/** Legacy groups are skipped recursively; a deeper group nesting than this is refused. */
const MAX_GROUP_DEPTH = 32;

export class ProtoReader {
  pos = 0;
  /** End of the message being read (exclusive); nested messages narrow it with `enter`. */
  limit: number;
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  // Buffer view over the same memory (no copy): Node's native UTF-8 decoder, faster than
  // TextDecoder for the many short strings of an OTLP batch.
  private readonly text: SliceableBuffer;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.limit = buf.length;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength) as SliceableBuffer;
  }

  truncated(at = this.pos): OtlpDecodeError {
    return new OtlpDecodeError(`truncated protobuf at offset ${at}`);
  }

  /** Unsigned varint that must fit 2^53 (tags, lengths, enums, counts). */
  varint(): number {
    const buf = this.buf;
    let pos = this.pos;
    // Fast path: one-byte varints (most tags and small lengths).
    if (pos < this.limit) {
      const first = buf[pos] as number;
      if (first < 0x80) {
        this.pos = pos + 1;
        return first;
      }
    }
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.limit) throw this.truncated(pos);
      const b = buf[pos++] as number;
      // Multiplication instead of shifts: shifts are 32-bit in JS.
      if (i < 8) result += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) {
        this.pos = pos;
        return result;
      }
    }
    throw new OtlpDecodeError(`malformed varint at offset ${this.pos}`);
  }

  /** Signed int64 varint (two's complement), as a double (exact up to 2^53). */
  int64(): number {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    let i = 0;
    for (; i < 10; i++) {
      if (pos >= this.limit) throw this.truncated(pos);
      b = buf[pos++] as number;
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= (bits & 0x0f) << 28;
        hi = bits >> 4;
      } else hi |= bits << (7 * i - 32);
      if (b < 0x80) break;
    }
    if (b >= 0x80) throw new OtlpDecodeError(`malformed varint at offset ${this.pos}`);
    this.pos = pos;
    lo >>>= 0;
    hi >>>= 0;
    if (hi >= 0x80000000) return -((~hi >>> 0) * TWO_32 + (~lo >>> 0) + 1);
    return hi * TWO_32 + lo;
  }

  bool(): boolean {
    return this.int64() !== 0;
  }

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.limit) throw this.truncated(at);
    this.pos = at + n;
    return at;
  }

  /**
   * fixed64 nanoseconds -> milliseconds. A ns timestamp (~1.8e18) does not fit a double, so the
   * whole milliseconds are computed exactly in integer steps (2^32 ns = 4294 ms + 967296 ns) and
   * only the sub-ms fraction is rounded.
   */
  fixed64Millis(): number {
    const at = this.need(8);
    const lo = this.view.getUint32(at, true);
    const hi = this.view.getUint32(at + 4, true);
    const restNs = hi * 967_296 + lo; // < 2^53: exact
    const restMs = Math.floor(restNs / 1e6);
    return hi * 4294 + restMs + (restNs - restMs * 1e6) / 1e6;
  }

  double(): number {
    return this.view.getFloat64(this.need(8), true);
  }

  /**
   * Reads a length prefix, checks it against the limit and returns the payload length; `pos` is
   * left at the payload start. (A number, not a [start, end] tuple: this runs for every field.)
   */
  length(): number {
    const lengthAt = this.pos;
    const length = this.varint();
    const remaining = this.limit - this.pos;
    if (length > remaining) {
      throw new OtlpDecodeError(`truncated protobuf at offset ${lengthAt}: length ${length} exceeds the ${remaining} bytes left`);
    }
    return length;
  }

  /** Skips a length-delimited payload. */
  skipLength(): void {
    const length = this.length();
    this.pos += length;
  }

  string(): string {
    const length = this.length();
    const start = this.pos;
    const end = start + length;
    this.pos = end;
    return length === 0 ? '' : this.text.utf8Slice(start, end);
  }

  /**
   * string() for a field whose values recur from record to record (attribute keys, severity
   * texts): the same string for the same bytes, without a decode each time (recurring-strings.ts).
   */
  recurringString(): string {
    const length = this.length();
    const start = this.pos;
    const end = start + length;
    this.pos = end;
    return length === 0 ? '' : RECURRING.get(this.text, start, end);
  }

  /** Start of a bytes field's payload (a view into the request, no copy); its end is `pos`. */
  bytesStart(): number {
    const length = this.length();
    const start = this.pos;
    this.pos = start + length;
    return start;
  }

  /**
   * Lowercase hex of `[start, end)`; undefined when it is all zero (the W3C "no id"). Node's
   * native hex encoder makes one flat string; building it by `+=` (model/ids.ts) left a chain
   * of cons strings per id, which an open window keeps, each one more object for every major GC to mark.
   */
  hexId(start: number, end: number): string | undefined {
    const buf = this.buf;
    let nonZero = 0;
    for (let i = start; i < end; i++) nonZero |= buf[i] as number;
    return nonZero === 0 ? undefined : this.text.hexSlice(start, end);
  }

  /**
   * hexId() of the 16 bytes at `start` (a trace id; the caller checked its length): the same
   * string object for the same id while it recurs (recurring-trace-ids.ts).
   */
  traceIdHex(start: number): string | undefined {
    const view = this.view;
    const w0 = view.getInt32(start, true);
    const w1 = view.getInt32(start + 4, true);
    const w2 = view.getInt32(start + 8, true);
    const w3 = view.getInt32(start + 12, true);
    return (w0 | w1 | w2 | w3) === 0 ? undefined : TRACE_IDS.get(this.text, start, w0, w1, w2, w3);
  }

  get buffer(): Uint8Array {
    return this.buf;
  }

  base64(): string {
    const start = this.bytesStart();
    return this.text.toString('base64', start, this.pos);
  }

  /** Enters a length-delimited sub-message; returns the outer limit to pass to `leave`. */
  enter(): number {
    const length = this.length();
    const outer = this.limit;
    this.limit = this.pos + length;
    return outer;
  }

  leave(outer: number): void {
    this.limit = outer;
  }

  /** Next tag (field number << 3 | wire type). */
  tag(): number {
    const at = this.pos;
    const tag = this.varint();
    if (tag < 8) throw new OtlpDecodeError(`invalid field number 0 at offset ${at}`);
    if (tag > 0xffffffff) throw new OtlpDecodeError(`invalid tag at offset ${at}`);
    return tag;
  }

  /** Throws unless a known field arrived with the wire type its definition says. */
  expect(tag: number, wireType: number, what: string): void {
    if ((tag & 7) !== wireType) {
      throw new OtlpDecodeError(`${what} has wire type ${tag & 7}, expected ${wireType} (before offset ${this.pos})`);
    }
  }

  /** Skips an unknown field of the given tag, by its wire type. */
  skip(tag: number, depth = 0): void {
    const wireType = tag & 7;
    switch (wireType) {
      case WIRE_VARINT:
        this.int64();
        return;
      case WIRE_I64:
        this.need(8);
        return;
      case WIRE_LEN:
        this.skipLength();
        return;
      case WIRE_I32:
        this.need(4);
        return;
      case WIRE_SGROUP: {
        if (depth >= MAX_GROUP_DEPTH) throw new OtlpDecodeError(`groups nested too deeply at offset ${this.pos}`);
        const field = Math.floor(tag / 8);
        for (;;) {
          if (this.pos >= this.limit) throw this.truncated();
          const inner = this.tag();
          if ((inner & 7) === WIRE_EGROUP) {
            if (Math.floor(inner / 8) !== field) throw new OtlpDecodeError(`mismatched end group at offset ${this.pos}`);
            return;
          }
          this.skip(inner, depth + 1);
        }
      }
      default:
        throw new OtlpDecodeError(`invalid wire type ${wireType} at offset ${this.pos}`);
    }
  }
}
