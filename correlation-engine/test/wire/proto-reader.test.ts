// The reader's string and id fields decode exactly as a standard decoder does, whatever the bytes
// (valid or not as UTF-8) and wherever the message sits in the buffer it arrived in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtoReader } from '../../src/wire/proto-reader.js';
import { ProtoWriter } from '../../src/wire/proto-writer.js';

/** `payload` as field 1 (length-delimited) after `pad` bytes of something else, and the reader positioned at its length. */
function readerAt(payload: Uint8Array, pad: number): ProtoReader {
  const field = new ProtoWriter().bytes(1, payload).finish();
  const whole = new Uint8Array(pad + field.length + 3);
  whole.fill(0xff);
  whole.set(field, pad);
  // A view that starts inside a larger ArrayBuffer, as a request body sliced from a socket's chunk does.
  const view = whole.subarray(pad, pad + field.length);
  const reader = new ProtoReader(view);
  reader.tag();
  return reader;
}

const utf8 = new TextDecoder('utf-8');

describe('ProtoReader strings', () => {
  it('any text round-trips', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.nat(64), (text, pad) => {
        const reader = readerAt(Buffer.from(text, 'utf8'), pad);
        expect(reader.string()).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('any bytes decode as a WHATWG UTF-8 decoder decodes them (invalid sequences become U+FFFD)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(64), (bytes, pad) => {
        expect(readerAt(bytes, pad).string()).toBe(utf8.decode(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('ids are lowercase hex of their bytes, undefined when all zero', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.nat(64), (bytes, pad) => {
        const reader = readerAt(bytes, pad);
        const start = reader.bytesStart();
        const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
        expect(reader.hexId(start, reader.pos)).toBe(bytes.every((b) => b === 0) ? undefined : hex);
      }),
      { numRuns: 500 },
    );
  });
});
