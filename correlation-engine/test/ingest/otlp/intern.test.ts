import { describe, expect, it } from 'vitest';
import { decodeTraces } from '../../../src/ingest/otlp/index.js';
import { StringInterner } from '../../../src/ingest/otlp/intern.js';
import { bytes, hex, kvString, len, str } from '../../fixtures/proto-writer.js';

describe('StringInterner', () => {
  it('returns an equal string for every input, the first instance for repeats', () => {
    const interner = new StringInterner(8, 16);
    const first = ['GET /api/', 'test'].join('');
    const second = ['GET /api/t', 'est'].join('');
    expect(interner.intern(first)).toBe('GET /api/test');
    expect(interner.intern(second)).toBe('GET /api/test');
    expect(interner.size).toBe(1);
    for (const s of ['', 'é', '日本', '\u{1F600}x', 'a'.repeat(16)]) expect(interner.intern(s)).toBe(s);
  });

  it('stays bounded: a full cache starts over, values stay correct', () => {
    const interner = new StringInterner(8, 16);
    for (let i = 0; i < 100; i++) {
      expect(interner.intern(`name-${i}`)).toBe(`name-${i}`);
      expect(interner.size).toBeLessThanOrEqual(8);
    }
    expect(interner.intern('name-99')).toBe('name-99');
  });

  it('passes long strings through without keeping them', () => {
    const interner = new StringInterner(8, 16);
    const long = 'x'.repeat(17);
    expect(interner.intern(long)).toBe(long);
    expect(interner.size).toBe(0);
  });
});

describe('decodeTraces: interned names keep their values', () => {
  const TRACE = '0123456789abcdef0123456789abcdef';
  const spanIds = ['00000000000000ff', 'ff00000000000001', '7f8090a0b0c0d0e0'];

  function body(service: string, names: string[]): Uint8Array {
    const spans = names.map((name, i) => len(2, [...hex(1, TRACE), ...hex(2, spanIds[i] as string), ...str(5, name)]));
    const resource = len(1, kvString(1, 'service.name', service));
    return bytes(len(1, [...resource, ...len(2, spans.flat())]));
  }

  it('many requests with the same and different names decode to exactly their names, ids and services', () => {
    const seen: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3000; i++) {
        const names = ['GET /api/test', `op-${i}`, 'é日本'];
        const out = decodeTraces(body(`svc-${i % 7}`, names), 'protobuf');
        expect(out.spans.map((s) => s.name)).toEqual(names);
        expect(out.spans.map((s) => s.service)).toEqual([`svc-${i % 7}`, `svc-${i % 7}`, `svc-${i % 7}`]);
        expect(out.spans.map((s) => s.spanId)).toEqual(spanIds);
        expect(out.spans[0]?.traceId).toBe(TRACE);
        if (i === 0) seen.push(out.spans[1]?.name as string);
      }
    }
    expect(seen).toEqual(['op-0', 'op-0', 'op-0']);
  });
});
