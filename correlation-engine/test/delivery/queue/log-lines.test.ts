// Log rows keep each log's head and its Loki line (ROW_LOG_LINES): Loki is sent the line as it was
// queued, other exporters read the message and attributes back from it. Property test: any logs,
// attributes named as the line's own fields, like Object.prototype's members or like integers
// included, read back as the tuple layout reads them, and the Loki push bodies (JSON and protobuf,
// lines cut to any bound) and Datadog requests built from either layout are the same bytes.
// Damaged rows: Loki ships a line that is not a log's as it is (cut as text when too long), an
// exporter that reads the log sets it aside, and rows whose heads do not read are set aside by both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildDatadogRequests } from '../../../src/delivery/datadog/datadog-encoding.js';
import { buildPushes, encodeJsonPush, encodeProtobufPush } from '../../../src/delivery/loki/loki-encoding.js';
import { lineFields, lineKeepsAttributes, lineTexts } from '../../../src/delivery/loki/loki-line.js';
import { DurableQueue } from '../../../src/delivery/queue/durable-queue.js';
import {
  decodeRow,
  logRow,
  logTupleRow,
  type QueuedRecord,
  ROW_LOG_LINES,
  ROW_LOG_TUPLES,
} from '../../../src/delivery/queue/queue-rows.js';
import type { NormalizedLog } from '../../../src/model/types.js';
import { anyLog } from '../../helpers/log-arbitrary.js';
import { lokiAndDatadog, openDelivery, testDir } from '../../helpers/queued-delivery.js';
import { makeLog } from '../../sinks/records.js';

const decoded = (row: ReturnType<typeof logRow>, n: number): QueuedRecord[] =>
  decodeRow({ seq: 1, kind: 'log', body: row.body, records: n, enqueuedAtMs: 0, encoding: row.encoding ?? 0 });

describe('log rows, any logs (property)', () => {
  it('reads back as tuples do, and makes the same Loki and Datadog bodies', () => {
    fc.assert(
      fc.property(
        fc.array(anyLog, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 120, max: 3000 }),
        fc.boolean(),
        (all, maxLineBytes, traceIdLabel) => {
          // Most rows of these logs have one with an attribute its line cannot hold (tuples then):
          // the row of the others is the layout under test.
          const lineable = all.filter(lineKeepsAttributes);
          const logs = lineable.length > 0 && all.length > 1 ? lineable : all;
          const row = logRow(logs);
          expect(row.records).toBe(logs.length);
          expect(row.encoding).toBe(logs.every(lineKeepsAttributes) ? ROW_LOG_LINES : ROW_LOG_TUPLES);
          const viaRow = decoded(row, logs.length);
          const viaTuples = decoded(logTupleRow(logs), logs.length);
          expect(viaRow.map((r) => (r.kind === 'log' ? r.log : r))).toStrictEqual(viaTuples.map((r) => (r.kind === 'log' ? r.log : r)));

          const loki = { traceIdLabel, maxLineBytes, batchMaxBytes: 1 << 20, defaultEnv: 'dflt' };
          const json = (records: QueuedRecord[]) => buildPushes(records, loki).map((p) => encodeJsonPush(p.streams));
          const protobuf = (records: QueuedRecord[]) => buildPushes(records, loki).map((p) => encodeProtobufPush(p.streams));
          // Fresh reads for each encoder: a line row's log is read back only when an encoder asks.
          expect(json(decoded(row, logs.length))).toEqual(json(viaTuples));
          expect(protobuf(decoded(row, logs.length))).toEqual(protobuf(viaTuples));
          const datadog = {
            maxEntriesPerRequest: 1000,
            maxRequestBytes: 5_000_000,
            maxEntryBytes: 2000,
            defaultEnv: 'dflt',
            hostname: 'h',
          };
          const dd = (records: QueuedRecord[]) => buildDatadogRequests(records, datadog).map((r) => r.body.toString());
          expect(dd(decoded(row, logs.length))).toEqual(dd(viaTuples));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("a log line's message and attributes as texts (property)", () => {
  // V8 lists array-index names first in an object, so a line with one starts with it, not with
  // its message: such lines are read back by parsing, as every line was before.
  const hasIndexName = (log: NormalizedLog) => Object.keys(log.attributes).some((k) => /^(0|[1-9][0-9]*)$/.test(k));

  it('are cut from any line that starts with its message, and parse back to what was queued', () => {
    fc.assert(
      fc.property(anyLog, (log) => {
        fc.pre(lineKeepsAttributes(log));
        const [record] = decoded(logRow([log]), 1);
        const texts = record?.kind === 'log' ? record.texts : undefined;
        if (hasIndexName(log)) {
          expect(texts).toBeUndefined();
          return;
        }
        expect(texts).toBeDefined();
        expect(JSON.parse(texts?.message ?? '')).toBe(log.message);
        expect(JSON.parse(`{${texts?.attributes}}`)).toStrictEqual(JSON.parse(JSON.stringify(log.attributes)));
      }),
      { numRuns: 500 },
    );
  });

  it('are not cut from a line with a member named __proto__ (reading the line back leaves it out)', () => {
    // Not a line lokiLineJson writes (assigning __proto__ sets the prototype): one from a damaged row.
    const line = '{"message":"m","format":"json","source":"api","a":1,"__proto__":2}';
    expect(lineTexts(line, undefined, 'json', 'api')).toBeUndefined();
    expect(lineTexts(line.replace('__proto__', 'b'), undefined, 'json', 'api')).toEqual({ message: '"m"', attributes: '"a":1,"b":2' });
    expect(lineFields(line, false)).toStrictEqual({ message: 'm', attributes: { a: 1 } });
  });
});

describe('log line rows that do not read', () => {
  it('Loki ships a line that is not a log as it is, cut as text when too long; Datadog sets it aside; heads that do not read are set aside by both', async () => {
    const { loki, dd, env } = await lokiAndDatadog();
    const dir = testDir('log-lines-test-');
    const queue = new DurableQueue({ dir: join(dir, 'queue'), consumers: ['loki', 'datadog'], sync: 'normal' });
    const head = (n: number) => [
      1764000000000 + n,
      'WARN',
      'bpocore',
      null,
      'mdso-dev',
      null,
      null,
      { circuit_id: `C-${n}` },
      'plain',
      'api',
    ];
    const row = (heads: unknown, ...lines: string[]) => ({
      kind: 'log' as const,
      body: `${typeof heads === 'string' ? heads : JSON.stringify(heads)}\n${lines.join('\n')}`,
      records: lines.length,
      encoding: ROW_LOG_LINES,
    });
    const long = `{"message":"${'x'.repeat(3000)}`;
    await queue.append([
      row([head(1)], '{"message":"damaged'),
      row([head(2)], '{"message":5}'),
      row([head(3)], long),
      // Laid out as a line with its message first, and not JSON.
      row([head(5)], '{"message":"a","format":"plain","source":"api","x":}'),
      // Heads that do not read: not JSON, one short, not an array of heads, a head without a service.
      row('[[1,', '{"message":"a"}'),
      row([head(4)], '{"message":"a"}', '{"message":"b"}'),
      row({ a: 1 }, '{"message":"a"}'),
      row([[1764000000000, 'WARN', null, null, null, null, null, {}, 'plain', 'api']], '{"message":"a"}'),
    ]);
    queue.close();
    const delivery = openDelivery({ ENGINE_DATA_DIR: dir, LOKI_MAX_LINE_BYTES: '1024', ...env });
    delivery.start();
    onTestFinished(() => delivery.shutdown(500));
    // The reader goes on after them.
    await delivery.acceptLogs([makeLog(7)]);
    await Promise.all(delivery.exporters.map((e) => e.forceFlush()));

    const lines = loki.accepted.map((e) => e.line);
    expect(lines.slice(0, 2)).toEqual(['{"message":"damaged', '{"message":5}']);
    expect(lines[2]?.startsWith('{"message":"xxx')).toBe(true);
    expect(lines[2]?.endsWith('…[truncated]')).toBe(true);
    expect(Buffer.byteLength(lines[2] ?? '')).toBeLessThanOrEqual(1024);
    expect(lines[3]).toBe('{"message":"a","format":"plain","source":"api","x":}');
    expect(JSON.parse(lines[4] ?? '{}').message).toBe('rec-7');
    expect(lines).toHaveLength(5);
    expect(loki.accepted[0]?.labels).toEqual({ service: 'bpocore', env: 'test' });
    expect(loki.accepted[0]?.metadata).toEqual({ level: 'warn', circuit_id: 'C-1' });
    expect(dd.accepted.map((a) => a.entry.message)).toEqual(['rec-7']);

    const aside = (exporter: string) =>
      readFileSync(join(dir, 'dead-letter', `${exporter}.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { reason: string });
    expect(aside('loki').map((a) => a.reason)).toEqual(Array(4).fill('undecodable queue entry'));
    expect(aside('datadog').map((a) => a.reason)).toEqual(Array(8).fill('undecodable queue entry'));
  });
});
