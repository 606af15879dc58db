// The bench's Loki stand-in counts the entries of both push bodies Loki takes: JSON (gzip or not)
// and protobuf with snappy, whatever else the protobuf carries (labels, timestamps, metadata).
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Proc } from '../src/procs.ts';

let sink: Proc;
let url: string;

beforeAll(async () => {
  sink = new Proc(process.execPath, [join(import.meta.dirname, '../src/servers/loki-sink.ts')], { env: { ...process.env, PORT: '0' } });
  url = (await sink.waitFor(/listening (http:\S+)/))[1] as string;
});
afterAll(() => sink.stop());

/** Protobuf wire format, just enough for a PushRequest: varints and length-delimited fields. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const bytes = (field: number, body: number[] | Buffer): number[] => [...varint((field << 3) | 2), ...varint(body.length), ...body];
const text = (field: number, value: string): number[] => bytes(field, Buffer.from(value));
const number = (field: number, value: number): number[] => [...varint(field << 3), ...varint(value)];

/** EntryAdapter: timestamp, line, one structured-metadata pair (whose value is field 2, like an entry in a stream). */
function entry(line: string): number[] {
  const timestamp = [...number(1, 1_760_000_000), ...number(2, 123_000)];
  return [...bytes(1, timestamp), ...text(2, line), ...bytes(3, [...text(1, 'trace_id'), ...text(2, 'abc')])];
}

async function push(body: Buffer, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${url}/loki/api/v1/push`, { method: 'POST', body, headers });
  return res.status;
}

async function count(): Promise<{ entries: number; pushes: number }> {
  // The sink answers before it counts: wait until what was sent is in.
  for (let i = 0; i < 100; i++) {
    const c = (await (await fetch(`${url}/count`)).json()) as { entries: number; pushes: number };
    if (c.pushes >= 2) return c;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the sink did not count both pushes');
}

describe('bench Loki sink', () => {
  it('counts entries of a gzip JSON push and of a snappy protobuf push', async () => {
    const json = {
      streams: [
        {
          stream: { service: 'a' },
          values: [
            ['1', 'x', { level: 'info' }],
            ['2', 'y'],
          ],
        },
      ],
    };
    expect(await push(gzipSync(JSON.stringify(json)), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).toBe(204);
    const request = [
      ...bytes(1, [...text(1, '{service="a"}'), ...bytes(2, entry('one')), ...bytes(2, entry('two'))]),
      ...bytes(1, [...text(1, '{service="b"}'), ...bytes(2, entry('three'))]),
    ];
    expect(await push(compressSync(Buffer.from(request)), { 'content-type': 'application/x-protobuf' })).toBe(204);
    expect(await count()).toMatchObject({ entries: 5, pushes: 2 });
  });
});
