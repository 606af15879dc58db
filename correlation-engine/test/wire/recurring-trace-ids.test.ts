// Trace ids read through the cache of recurring ids are the hex of their bytes, whatever the bytes,
// their position, how often they recur and what else competes for the slots; an all-zero id is
// still no id.
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtoReader } from '../../src/wire/proto-reader.js';
import { ProtoWriter } from '../../src/wire/proto-writer.js';
import { TRACE_ID_BYTES } from '../../src/wire/recurring-trace-ids.js';

/** The reader's answer for `id` placed at offset `pad` of a larger buffer (as an id sits in a request). */
function read(id: Uint8Array, pad: number): string | undefined {
  const whole = Buffer.alloc(pad + id.length + 7, 0xa5);
  whole.set(id, pad);
  return new ProtoReader(whole).traceIdHex(pad);
}

const hex = (id: Uint8Array): string => Buffer.from(id).toString('hex');

describe('ProtoReader.traceIdHex', () => {
  it('any 16 bytes, seen once or again at another offset, read as their lowercase hex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: TRACE_ID_BYTES, maxLength: TRACE_ID_BYTES }), fc.nat(40), fc.nat(40), (id, pad1, pad2) => {
        const want = id.some((b) => b !== 0) ? hex(id) : undefined;
        expect(read(id, pad1)).toBe(want);
        expect(read(id, pad2)).toBe(want);
      }),
      { numRuns: 3000 },
    );
  });

  it('an all-zero id is no id, before and after ids that fill its slot', () => {
    const zero = new Uint8Array(TRACE_ID_BYTES);
    expect(read(zero, 0)).toBeUndefined();
    for (let i = 1; i <= 5000; i++) read(Buffer.from(i.toString(16).padStart(32, '0'), 'hex'), 0);
    expect(read(zero, 3)).toBeUndefined();
  });

  it('stays exact when far more distinct ids than slots compete, in turn and again', () => {
    // Ids that differ in one 32-bit word only (a counter at each of the four places), so that many
    // share a slot with an id they differ from in that word alone.
    const ids: Buffer[] = [];
    for (let word = 0; word < 4; word++) {
      for (let i = 1; i <= 5000; i++) {
        const id = Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex');
        id.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, word * 4);
        ids.push(id);
      }
    }
    for (let round = 0; round < 3; round++) {
      for (const id of ids) expect(read(id, round)).toBe(hex(id));
    }
  });

  it('does not mistake an id for a cached one that differs from it in a single byte', () => {
    const base = Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex');
    expect(read(base, 0)).toBe(base.toString('hex'));
    for (let at = 0; at < TRACE_ID_BYTES; at++) {
      for (const flip of [0x01, 0x80]) {
        const other = Buffer.from(base);
        other[at] = (other[at] as number) ^ flip;
        // The base first, so its slot holds it when the neighbour comes (and the other way round).
        expect(read(base, 1)).toBe(base.toString('hex'));
        expect(read(other, 2)).toBe(other.toString('hex'));
        expect(read(base, 3)).toBe(base.toString('hex'));
      }
    }
  });

  it('a LogRecord trace_id decodes to the same text through the decoder, recurring or not', async () => {
    const { decodeLogs } = await import('../../src/ingest/otlp/index.js');
    const ids = ['4bf92f3577b34da6a3ce929d0e0e4736', '4bf92f3577b34da6a3ce929d0e0e4737', '00000000000000000000000000000001'];
    const record = (id: string) =>
      new ProtoWriter().bytes(9, Buffer.from(id, 'hex')).message(5, new ProtoWriter().string(1, `log of ${id}`));
    const scope = new ProtoWriter();
    for (const id of [...ids, ...ids, ids[0] as string]) scope.message(2, record(id));
    const body = new ProtoWriter().message(1, new ProtoWriter().message(2, scope)).finish();
    const { logs } = decodeLogs(body, 'protobuf', 1_764_000_000_000);
    expect(logs.map((l) => l.traceId)).toEqual([...ids, ...ids, ids[0]]);
  });
});
