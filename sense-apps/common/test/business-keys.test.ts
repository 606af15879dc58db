import { describe, expect, it } from 'vitest';
import { forwardHeaders, headerNameFor, InvalidBusinessKeyError, resolveBusinessKeys } from '../src/business-keys/business-keys.js';

const fixedId = () => 'generated-id';
const q = (s: string) => new URLSearchParams(s);

describe('resolveBusinessKeys', () => {
  const cases: { name: string; query: string; headers: Record<string, string | string[]>; want: Record<string, string> }[] = [
    { name: 'nothing given: only a generated request_id', query: '', headers: {}, want: { request_id: 'generated-id' } },
    {
      name: 'all five from the query',
      query: 'circuit_id=C1&product_id=P1&resource_id=R1&resource_type_id=RT1&request_id=REQ1',
      headers: {},
      want: { circuit_id: 'C1', product_id: 'P1', resource_id: 'R1', resource_type_id: 'RT1', request_id: 'REQ1' },
    },
    {
      name: 'all five from x-* headers',
      query: '',
      headers: { 'x-circuit-id': 'C2', 'x-product-id': 'P2', 'x-resource-id': 'R2', 'x-resource-type-id': 'RT2', 'x-request-id': 'REQ2' },
      want: { circuit_id: 'C2', product_id: 'P2', resource_id: 'R2', resource_type_id: 'RT2', request_id: 'REQ2' },
    },
    {
      name: 'query wins over header',
      query: 'circuit_id=FROM-QUERY',
      headers: { 'x-circuit-id': 'FROM-HEADER' },
      want: { circuit_id: 'FROM-QUERY', request_id: 'generated-id' },
    },
    {
      name: 'empty values count as absent',
      query: 'circuit_id=&request_id=',
      headers: { 'x-product-id': '' },
      want: { request_id: 'generated-id' },
    },
    {
      name: 'the token alphabet is accepted',
      query: 'circuit_id=A.b_c:d@e/f%2Bg=h-1',
      headers: {},
      want: { circuit_id: 'A.b_c:d@e/f+g=h-1', request_id: 'generated-id' },
    },
    {
      name: 'exactly 128 characters is fine',
      query: `resource_id=${'r'.repeat(128)}`,
      headers: {},
      want: { resource_id: 'r'.repeat(128), request_id: 'generated-id' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(resolveBusinessKeys(q(c.query), c.headers, fixedId)).toEqual(c.want);
    });
  }

  const bad: { name: string; query: string; headers: Record<string, string | string[]>; key: string; message: RegExp }[] = [
    { name: 'over-long query value', query: `circuit_id=${'x'.repeat(129)}`, headers: {}, key: 'circuit_id', message: /longer than 128/ },
    {
      name: 'over-long header value',
      query: '',
      headers: { 'x-request-id': 'y'.repeat(500) },
      key: 'request_id',
      message: /longer than 128/,
    },
    { name: 'space in a value', query: 'product_id=a%20b', headers: {}, key: 'product_id', message: /only letters, digits/ },
    {
      name: 'newline in a header value',
      query: '',
      headers: { 'x-resource-type-id': 'a\nb' },
      key: 'resource_type_id',
      message: /only letters/,
    },
    { name: 'repeated in the query', query: 'circuit_id=A&circuit_id=B', headers: {}, key: 'circuit_id', message: /more than once/ },
    { name: 'comma-joined duplicate header', query: '', headers: { 'x-circuit-id': 'A, B' }, key: 'circuit_id', message: /only letters/ },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}, naming the key`, () => {
      let caught: unknown;
      try {
        resolveBusinessKeys(q(c.query), c.headers, fixedId);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(InvalidBusinessKeyError);
      expect((caught as InvalidBusinessKeyError).key).toBe(c.key);
      expect((caught as Error).message).toMatch(new RegExp(`^${c.key} `));
      expect((caught as Error).message).toMatch(c.message);
    });
  }

  it('generates a fresh UUID per call by default', () => {
    const a = resolveBusinessKeys(q(''), {}).request_id;
    const b = resolveBusinessKeys(q(''), {}).request_id;
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });
});

describe('headers to the next hop', () => {
  it('names each key x-<key with dashes>', () => {
    expect(headerNameFor('resource_type_id')).toBe('x-resource-type-id');
    expect(headerNameFor('request_id')).toBe('x-request-id');
  });

  it('forwards exactly the keys that are set', () => {
    expect(forwardHeaders({ circuit_id: 'C', request_id: 'R' })).toEqual({ 'x-circuit-id': 'C', 'x-request-id': 'R' });
  });
});
