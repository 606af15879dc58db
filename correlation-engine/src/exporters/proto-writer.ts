// A minimal protobuf writer: just enough (varints, length-delimited fields, nested messages) to
// encode Loki's PushRequest. Hand-written because the message is four small types and a generic
// runtime (protobufjs + a schema at start-up) would add a dependency for ~40 lines of work.

/** Builds one protobuf message; nested messages are built with their own writer and embedded. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  /** Field with wire type 0 (varint) for a non-negative integer below 2^53. */
  uint(field: number, value: number): this {
    if (value === 0) return this; // proto3 default values are omitted
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  /** Field with wire type 2 holding UTF-8 text. */
  string(field: number, value: string): this {
    if (value === '') return this;
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  /** Field with wire type 2 holding raw bytes. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  /** Embedded message (always written, even when empty, as repeated entries must keep their place). */
  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  /** The encoded message. */
  finish(): Uint8Array {
    return Buffer.concat(this.chunks, this.size);
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  private varint(value: number): void {
    const out: number[] = [];
    let v = value;
    // Division instead of bit shifts: shifts truncate to 32 bits, these values can be larger.
    while (v > 0x7f) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }
}
