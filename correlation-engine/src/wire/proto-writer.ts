// The engine's one protobuf writer: just enough (varints, length-delimited fields, nested messages)
// to encode Loki's PushRequest, OTLP export responses and google.rpc.Status. Hand-written because
// these are a few small types and a generic runtime (protobufjs + a schema at start-up) would add a
// dependency for a few dozen lines of work. Its reader counterpart is proto-reader.ts.

/**
 * Builds one protobuf message into one growing buffer; nested messages are built with their own
 * writer and copied in, or, when their size is known beforehand, written in place after header().
 * Varints and strings are written in place rather than as small arrays concatenated at the end,
 * so a push allocates per message, not per field.
 */
export class ProtoWriter {
  private buf: Buffer;
  private len = 0;

  constructor(initialBytes = 64) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Field with wire type 0 (varint) for a non-negative integer below 2^53. */
  uint(field: number, value: number): this {
    if (value === 0) return this; // proto3 default values are omitted
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  /** Field with wire type 2 holding UTF-8 text; `length` is its UTF-8 length when the caller measured it already. */
  string(field: number, value: string, length = Buffer.byteLength(value, 'utf8')): this {
    if (length === 0) return this;
    this.tag(field, 2);
    this.varint(length);
    this.ensure(length);
    this.len += this.buf.write(value, this.len, length, 'utf8');
    return this;
  }

  /** Field with wire type 2 holding raw bytes. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  /**
   * The key and length prefix of an embedded message of `length` bytes whose fields the caller
   * writes next: a message sized beforehand is written in place instead of built in a writer of
   * its own and copied in.
   */
  header(field: number, length: number): this {
    this.tag(field, 2);
    this.varint(length);
    return this;
  }

  /** Embedded message (always written, even when empty, as repeated entries must keep their place). */
  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  /**
   * A bare varint of any 64-bit integer, negatives in two's complement (ten bytes) as protobuf
   * writes int64. With rawTag, this builds messages no field method would, e.g. a field under the
   * wrong wire type or a length that lies, which the decoders' tests need.
   */
  rawVarint64(value: bigint): this {
    this.ensure(10);
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
    return this;
  }

  /** A bare field key (field number and wire type). */
  rawTag(field: number, wireType: number): this {
    this.tag(field, wireType);
    return this;
  }

  /** Bytes already encoded elsewhere (whole fields, tags included), copied as they are. */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  /** The encoded message: a view of the writer's buffer (copy it before writing more). */
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  private varint(value: number): void {
    this.ensure(10); // a varint of a value below 2^64 takes at most 10 bytes
    let v = value;
    // Division instead of bit shifts: shifts truncate to 32 bits, these values can be larger.
    while (v > 0x7f) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  /** Room for `extra` more bytes, doubling the buffer as needed. */
  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = Math.max(64, this.buf.length * 2);
    while (size < this.len + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

/** Bytes the varint of a non-negative integer below 2^53 takes. */
export function varintSize(value: number): number {
  let n = 1;
  for (let v = value; v > 0x7f; v = Math.floor(v / 0x80)) n++;
  return n;
}
