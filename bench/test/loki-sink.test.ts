// The bench's Loki stand-in counts the entries of both push bodies Loki takes: JSON (gzip or not)
// and protobuf with snappy as the engine's exporter encodes it, whatever else the protobuf carries
// (labels, timestamps, structured metadata); and the entries of Datadog intake requests. The sink reads protobuf with the engine's built
// reader, so the engine is built first (make test does).
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeProtobufPush, type LokiStream } from '../../correlation-engine/src/delivery/loki/loki-encoding.ts';
import { otlpLogsWorkload } from '../src/otlp-logs-workload.ts';
import { Proc } from '../src/procs.ts';

let sink: Proc;
let url: string;

beforeAll(async () => {
  sink = new Proc(process.execPath, [join(import.meta.dirname, '../src/servers/loki-sink.ts')], { env: { ...process.env, PORT: '0' } });
  url = (await sink.waitFor(/listening (http:\S+)/))[1] as string;
});
afterAll(() => sink.stop());

/** A stream of entries as the engine's Loki exporter builds them, each with structured metadata. */
function stream(service: string, lines: string[]): LokiStream {
  return {
    labels: { service, env: 'dev' },
    entries: lines.map((line, i) => ({ tsNs: `17600000000${i}000000000`, line, metadata: { trace_id: 'abc', level: 'info' } })),
  };
}

async function push(body: Buffer, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${url}/loki/api/v1/push`, { method: 'POST', body, headers });
  return res.status;
}

interface Counts {
  entries: number;
  pushes: number;
  eventEntries: number;
  otlpPushes: number;
  otlpRecords: number;
}

async function count(pushes = 2, otlpPushes = 0): Promise<Counts> {
  // The sink answers before it counts: wait until what was sent is in.
  for (let i = 0; i < 100; i++) {
    const c = (await (await fetch(`${url}/count`)).json()) as Counts;
    if (c.pushes >= pushes && c.otlpPushes >= otlpPushes) return c;
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
    const request = encodeProtobufPush([stream('a', ['one', 'two']), stream('b', ['three'])]);
    expect(await push(compressSync(Buffer.from(request)), { 'content-type': 'application/x-protobuf' })).toBe(204);
    expect(await count()).toMatchObject({ entries: 5, pushes: 2, eventEntries: 0 });
  });

  it("counts the engine's event entries apart, and the log records of OTLP pushes, gzip or not", async () => {
    const json = { streams: [{ stream: { service: 'correlation-engine', env: 'dev' }, values: [['1', '{}']] }] };
    expect(await push(Buffer.from(JSON.stringify(json)), { 'content-type': 'application/json' })).toBe(204);
    const request = encodeProtobufPush([stream('correlation-engine', ['e1', 'e2']), stream('beorn', ['l1'])]);
    expect(await push(compressSync(Buffer.from(request)), { 'content-type': 'application/x-protobuf' })).toBe(204);
    const [a, b] = otlpLogsWorkload(2).bodies;
    if (!a || !b) throw new Error('the workload made no bodies');
    const otlp = async (body: Buffer, headers: Record<string, string>) =>
      (await fetch(`${url}/v1/logs`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', ...headers } })).status;
    expect(await otlp(Buffer.from(a.bytes), {})).toBe(200);
    expect(await otlp(gzipSync(b.bytes), { 'content-encoding': 'gzip' })).toBe(200);
    expect(await count(4, 2)).toMatchObject({
      entries: 5 + 4,
      pushes: 4,
      eventEntries: 3,
      otlpPushes: 2,
      otlpRecords: a.items + b.items,
    });
  });

  it("counts the entries of Datadog intake requests, gzip or not, the engine's events apart", async () => {
    const before = await count(4, 2);
    const intake = async (entries: object[], gzip: boolean) =>
      (
        await fetch(`${url}/api/v2/logs`, {
          method: 'POST',
          body: gzip ? gzipSync(JSON.stringify(entries)) : JSON.stringify(entries),
          headers: { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
        })
      ).status;
    expect(
      await intake(
        [
          { message: 'a', service: 'beorn' },
          { message: 'b', service: 'correlation-engine' },
        ],
        true,
      ),
    ).toBe(202);
    expect(await intake([{ message: 'c', service: 'arda' }], false)).toBe(202);
    expect(await count(before.pushes + 2, 2)).toMatchObject({
      entries: before.entries + 3,
      pushes: before.pushes + 2,
      eventEntries: before.eventEntries + 1,
    });
  });
});
