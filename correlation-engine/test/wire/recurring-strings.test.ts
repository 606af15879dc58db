// The cache of recurring strings returns what a decode of the same bytes returns, whatever the
// bytes, their position, how often they recur and what else competes for the slots.
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtoReader } from '../../src/wire/proto-reader.js';
import { ProtoWriter } from '../../src/wire/proto-writer.js';
import { MAX_BYTES, RecurringStrings, type Utf8Sliceable } from '../../src/wire/recurring-strings.js';

const utf8 = new TextDecoder('utf-8');

/** `bytes` at offset `pad` of a larger buffer (as a key sits inside a request body). */
function at(bytes: Uint8Array, pad: number): { buf: Utf8Sliceable; start: number; end: number } {
  const whole = Buffer.alloc(pad + bytes.length + 5, 0x61);
  whole.set(bytes, pad);
  return { buf: whole as unknown as Utf8Sliceable, start: pad, end: pad + bytes.length };
}

describe('RecurringStrings', () => {
  it('any bytes, seen once or again at another offset, give what a UTF-8 decoder gives', () => {
    const cache = new RecurringStrings();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: MAX_BYTES + 20 }), fc.nat(40), fc.nat(40), (bytes, pad1, pad2) => {
        const want = utf8.decode(bytes);
        const first = at(bytes, pad1);
        const again = at(bytes, pad2);
        expect(cache.get(first.buf, first.start, first.end)).toBe(want);
        expect(cache.get(again.buf, again.start, again.end)).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('stays exact when far more distinct strings than slots compete (each replaces another)', () => {
    const cache = new RecurringStrings();
    const keys = Array.from({ length: 20_000 }, (_, i) => `key.${i}.${(i * 7919) % 1000}`);
    for (let round = 0; round < 3; round++) {
      for (const key of keys) {
        const { buf, start, end } = at(Buffer.from(key), round);
        expect(cache.get(buf, start, end)).toBe(key);
      }
    }
  });

  it('does not mistake bytes that differ only in the last byte or in length for a cached string', () => {
    const cache = new RecurringStrings();
    for (const key of ['circuit_id', 'circuit_ie', 'circuit_i', 'circuit_id\u0000', 'CIRCUIT_ID']) {
      const { buf, start, end } = at(Buffer.from(key), 3);
      expect(cache.get(buf, start, end)).toBe(key);
      expect(cache.get(buf, start, end)).toBe(key);
    }
  });

  it('keys that are special to objects come back as themselves', () => {
    const cache = new RecurringStrings();
    for (const key of ['__proto__', 'constructor', '0', '-0', '4294967295', 'toString']) {
      const { buf, start, end } = at(Buffer.from(key), 0);
      expect(cache.get(buf, start, end)).toBe(key);
      expect(cache.get(buf, start, end)).toBe(key);
    }
  });
});

describe('ProtoReader.recurringString', () => {
  it('reads a field as string() reads it, empty and over the cached length included', () => {
    for (const text of ['', 'INFO', 'resource_id', 'é-ünïcode-ключ', 'x'.repeat(MAX_BYTES), 'y'.repeat(MAX_BYTES + 1)]) {
      const bytes = Buffer.from(text, 'utf8');
      const body = new ProtoWriter().bytes(1, bytes).bytes(1, bytes).finish();
      const reader = new ProtoReader(body);
      reader.tag();
      expect(reader.string()).toBe(text);
      reader.tag();
      expect(reader.recurringString()).toBe(text);
      expect(reader.pos).toBe(body.length);
    }
  });
});
