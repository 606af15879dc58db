// Queue row layouts: logs are stored as compact tuples and read back field for field, events as a
// head and their JSON text (the text JSON.stringify gives, also when linked summaries are shared
// between events), and queues written by earlier builds (rows of JSON objects with no `encoding`
// column; event lines without heads) are still delivered after an upgrade, with the same Loki
// lines as fresh rows. Property tests: any events, sharing summaries, in either property order,
// read back in both forms (quote: as JSON.stringify writes them; refer: their logs without text).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createDelivery } from '../../../src/delivery/create-delivery.js';
import type { DurableDelivery } from '../../../src/delivery/durable-delivery.js';
import { DurableQueue } from '../../../src/delivery/queue/durable-queue.js';
import {
  decodeRow,
  eventRow,
  logRow,
  ROW_EVENT_HEAD_LINES,
  ROW_EVENT_LINES,
  ROW_EVENT_SHARED_LINES,
  ROW_LOG_LINES,
  ROW_LOG_TUPLES,
} from '../../../src/delivery/queue/queue-rows.js';
import { createMetrics } from '../../../src/metrics.js';
import type { CorrelationEvent, LogSummary } from '../../../src/model/types.js';
import type { HttpSink } from '../../sinks/http-sink.js';
import { createLokiSink, type LokiReceivedEntry } from '../../sinks/loki-sink.js';
import { createOtlpTraceSink } from '../../sinks/otlp-sink.js';
import { detailWith, linkedSummary, makeEvent, makeLog } from '../../sinks/records.js';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'queue-rows-test-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function lokiSink(): Promise<HttpSink<LokiReceivedEntry>> {
  const sink = createLokiSink();
  await sink.up();
  onTestFinished(() => sink.down());
  return sink;
}

function startDelivery(dataDir: string, lokiUrl: string, tempoUrl?: string): DurableDelivery {
  const config = loadConfig({
    ENGINE_INSTANCE_ID: 'engine-1',
    DEFAULT_ENV: 'test',
    ENGINE_DATA_DIR: dataDir,
    LOKI_URL: lokiUrl,
    ...(tempoUrl ? { TEMPO_OTLP_URL: tempoUrl } : {}),
    EXPORT_LINGER_MS: '10',
  });
  const metrics = createMetrics({ instanceId: 'engine-1', defaultMetrics: false });
  const delivery = createDelivery(config, { metrics, logger: { info() {}, warn() {}, error() {} }, version: '9.9.9' }) as DurableDelivery;
  delivery.start();
  onTestFinished(() => delivery.shutdown(500));
  return delivery;
}

/** The event with `detail` first instead of last. */
function reordered(event: CorrelationEvent): CorrelationEvent {
  const { detail, ...rest } = event;
  return { detail, ...rest };
}

// One trace-less log joined to two windows (the same summary object in both events' detail), and
// a window's own log.
const shared = linkedSummary();
const own: LogSummary = { timeUnixMs: 1764000000001, severity: 'INFO', service: 'beorn', message: 'own', spanId: '00f067aa0ba902b7' };
const withDetail = (logs: LogSummary[]): CorrelationEvent['detail'] => detailWith(logs, true);

describe('queue rows', () => {
  it('stores logs as their heads and Loki lines, as tuples when a line cannot hold an attribute, and reads every field back', async () => {
    const queue = new DurableQueue({ dir: tempDir(), consumers: ['a'], sync: 'normal' });
    onTestFinished(() => queue.close());
    const bare = makeLog(2, {
      env: undefined,
      host: undefined,
      traceId: undefined,
      spanId: undefined,
      keys: {},
      attributes: { host: 'attr' },
    });
    // Without a host of its own, a log's attribute named host is in its line, and read back as one.
    const logs = [makeLog(1, { message: 'quote " backslash \\ é 😀', attributes: { ok: true, n: 1.5 } }), bare];
    // An attribute named `message` is not in the log's line (its own message is): tuples keep it.
    const clashing = [makeLog(3, { attributes: { message: 'attr' } }), makeLog(4)];
    await queue.append([logRow(logs), logRow(clashing)]);
    const [lines, tuples] = queue.read('a', 10);
    expect(lines?.encoding).toBe(ROW_LOG_LINES);
    expect(lines?.records).toBe(2);
    expect(String(lines?.body).split('\n')).toEqual([
      expect.stringMatching(/^\[\[/), // heads, not objects with their key names
      '{"message":"quote \\" backslash \\\\ é 😀","host":"server-124","format":"json","source":"api","ok":true,"n":1.5}',
      '{"message":"rec-2","format":"json","source":"api","host":"attr"}',
    ]);
    expect(tuples?.encoding).toBe(ROW_LOG_TUPLES);
    expect(String(tuples?.body).startsWith('[[')).toBe(true);
    const back = [lines, tuples].flatMap((row) => decodeRow(row as NonNullable<typeof row>).map((r) => (r.kind === 'log' ? r.log : null)));
    expect(back).toStrictEqual([...logs, ...clashing].map((l) => ({ ...l })));
  });

  it('stores events as a head and their JSON text, which is what Loki receives, shared linked summaries included', async () => {
    const loki = await lokiSink();
    const delivery = startDelivery(tempDir(), loki.url);
    const events = [
      makeEvent(1, { detail: withDetail([own, shared]) }),
      makeEvent(2, { keys: { circuit_id: ['line\nbreak "q"', '\u2028'] }, highestSeverity: null, detail: withDetail([shared]) }),
      makeEvent(3),
      // Properties in another order than buildEvent's: the plain JSON.stringify text.
      reordered(makeEvent(4, { detail: withDetail([shared, own]) })),
    ];
    const texts = events.map((e) => JSON.stringify(e));
    const row = eventRow(events);
    expect(row.encoding).toBe(ROW_EVENT_SHARED_LINES);
    expect(events.map((e) => JSON.stringify(e))).toEqual(texts); // the events are left as they were
    // The shared summary is written once for the two events in buildEvent's order, and once
    // more inside the reordered event's plain text.
    expect((row.body as string).split(JSON.stringify(shared.message)).length - 1).toBe(2);
    const decoded = decodeRow({ seq: 3, kind: 'event', body: row.body, records: 4, enqueuedAtMs: 0, encoding: ROW_EVENT_SHARED_LINES });
    expect(decoded.map((r) => (r.kind === 'event' ? r.json : null))).toEqual(texts);
    expect(decoded.map((r) => (r.kind === 'event' ? r.event : null))).toStrictEqual(JSON.parse(`[${texts.join(',')}]`));
    await delivery.acceptEvents(events);
    await Promise.all(delivery.exporters.map((e) => e.forceFlush()));
    expect(loki.accepted.map((e) => e.line).sort()).toEqual([...texts].sort());
    const second = loki.accepted.find((e) => e.line.includes('line\\nbreak'));
    expect(second?.metadata.circuit_id).toBe('line\nbreak "q",\u2028');
    expect(second?.metadata.level).toBeUndefined();
    expect(loki.accepted.find((e) => e.line === texts[0])?.metadata).toEqual({
      trace_id: events[0]?.traceId,
      kind: 'correlation',
      level: 'error',
      circuit_id: 'CIRCUIT-9',
      resource_id: 'R-1,R-2',
    });
  });

  it('refer: every listed log without its text, the rest of the event as JSON.stringify writes it, in any property order', () => {
    const events = [
      makeEvent(1, { detail: withDetail([own, shared]) }),
      makeEvent(2, { detail: withDetail([own]) }),
      makeEvent(3, { detail: withDetail([]) }),
      reordered(makeEvent(4, { detail: withDetail([shared, own]) })),
    ];
    const texts = events.map((e) => JSON.stringify(e));
    const row = eventRow(events, 'refer');
    expect(events.map((e) => JSON.stringify(e))).toEqual(texts); // the events are left as they were
    expect(row.body).not.toContain(JSON.stringify(shared.message));
    expect(row.body).not.toContain('"own"');
    const decoded = decodeRow({ seq: 1, kind: 'event', body: row.body, records: 4, enqueuedAtMs: 0, encoding: ROW_EVENT_SHARED_LINES });
    // The detail last, its logs without their text; an event listing no log is left as it was.
    const withoutTexts = (e: CorrelationEvent) => {
      const { detail, ...rest } = e;
      if (detail.logs.length === 0) return e;
      const logs = detail.logs.map(({ message: _m, ...reference }) => reference);
      return { ...rest, detail: { ...detail, logs, logMessagesOmitted: true } };
    };
    expect(decoded.map((r) => (r.kind === 'event' ? r.json : null))).toEqual(events.map((e) => JSON.stringify(withoutTexts(e))));
    expect(decoded.map((r) => (r.kind === 'event' ? r.event : null))).toStrictEqual(events.map(withoutTexts));
  });

  it('sets aside an event row whose text does not parse for an exporter that reads the event; Loki ships the text it has', async () => {
    const loki = await lokiSink();
    const tempo = createOtlpTraceSink();
    await tempo.up();
    onTestFinished(() => tempo.down());
    const dir = tempDir();
    const queue = new DurableQueue({ dir: join(dir, 'queue'), consumers: ['loki', 'tempo'], sync: 'normal' });
    const head = JSON.stringify(['4bf92f3577b34da6a3ce929d0e0e0009', '2025-11-24T16:01:00.000Z', 'WARN', { circuit_id: ['C-1'] }]);
    await queue.append([{ kind: 'event', body: `${head}\t{"id":"damaged`, records: 1, encoding: ROW_EVENT_HEAD_LINES }]);
    // Rows whose shared-summary table or references do not add up: set aside for every exporter.
    for (const body of [`2\n{}\n${head}\t{}`, `1\n{}\n${head}\t[\x011\x01]`, `1\n{}\n${head}\t[\x010]`, `x\n${head}\t{}`]) {
      await queue.append([{ kind: 'event', body, records: 1, encoding: ROW_EVENT_SHARED_LINES }]);
    }
    queue.close();
    const delivery = startDelivery(dir, loki.url, tempo.url);
    await delivery.acceptEvents([makeEvent(1)]);
    await Promise.all(delivery.exporters.map((e) => e.forceFlush()));
    expect(loki.accepted.map((e) => e.line)).toEqual(['{"id":"damaged', JSON.stringify(makeEvent(1))]);
    expect(loki.accepted[0]?.metadata).toMatchObject({ level: 'warn', circuit_id: 'C-1' });
    expect(tempo.accepted.map((s) => s.traceId)).toEqual([makeEvent(1).traceId]);
    const aside = join(dir, 'dead-letter', 'tempo.jsonl');
    expect(existsSync(aside)).toBe(true);
    expect(
      readFileSync(aside, 'utf8')
        .split('\n')
        .filter((l) => l.includes('undecodable queue entry')),
    ).toHaveLength(5);
    const lokiAside = readFileSync(join(dir, 'dead-letter', 'loki.jsonl'), 'utf8');
    expect(lokiAside.split('\n').filter((l) => l.includes('undecodable queue entry'))).toHaveLength(4);
  });

  it('sets aside an event row whose text does not parse when Loki refuses it, and goes on delivering', async () => {
    const loki = await lokiSink();
    const dir = tempDir();
    const queue = new DurableQueue({ dir: join(dir, 'queue'), consumers: ['loki'], sync: 'normal' });
    const head = JSON.stringify(['4bf92f3577b34da6a3ce929d0e0e0009', '2025-11-24T16:01:00.000Z', 'WARN', { circuit_id: ['C-1'] }]);
    await queue.append([{ kind: 'event', body: `${head}\t{"id":"damaged`, records: 1, encoding: ROW_EVENT_HEAD_LINES }]);
    queue.close();
    loki.script.push({ status: 400, body: 'entry out of order' });
    const delivery = startDelivery(dir, loki.url);
    await Promise.all(delivery.exporters.map((e) => e.forceFlush()));
    expect(loki.received.map((r) => r.status)).toEqual([400]);
    const aside = readFileSync(join(dir, 'dead-letter', 'loki.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(aside).toHaveLength(1);
    expect(aside[0]).toMatchObject({
      status: 400,
      records: [{ kind: 'event', text: '{"id":"damaged', head: { traceId: '4bf92f3577b34da6a3ce929d0e0e0009' } }],
    });
    // The reader did not stop on it.
    await delivery.acceptEvents([makeEvent(1)]);
    await Promise.all(delivery.exporters.map((e) => e.forceFlush()));
    expect(loki.accepted.map((e) => e.line)).toEqual([JSON.stringify(makeEvent(1))]);
  });

  it('delivers a queue written before tuples existed (JSON objects and arrays, no encoding column) after an upgrade', async () => {
    const loki = await lokiSink();
    const oldDir = tempDir();
    const logs = [makeLog(1), makeLog(2, { host: undefined })];
    const event = makeEvent(1);
    const sweep = [makeEvent(2), makeEvent(3, { highestSeverity: null })];
    // The previous build's schema and rows, exactly as it wrote them.
    mkdirSync(join(oldDir, 'queue'), { recursive: true });
    const db = new DatabaseSync(join(oldDir, 'queue', 'queue.db'));
    db.exec('PRAGMA auto_vacuum = INCREMENTAL');
    db.exec('PRAGMA journal_mode = WAL');
    db.exec(`CREATE TABLE entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL, size INTEGER NOT NULL,
      enqueued_at INTEGER NOT NULL, records INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL)`);
    db.exec('CREATE TABLE cursors (consumer TEXT PRIMARY KEY, seq INTEGER NOT NULL)');
    const insert = db.prepare('INSERT INTO entries (seq, kind, size, enqueued_at, records, body) VALUES (?, ?, ?, ?, ?, ?)');
    const logsBody = JSON.stringify(logs);
    const eventBody = JSON.stringify(event);
    insert.run(2, 0, Buffer.byteLength(logsBody), Date.now(), 2, logsBody);
    insert.run(3, 1, Buffer.byteLength(eventBody), Date.now(), 0, eventBody);
    const sweepBody = JSON.stringify(sweep); // a batch row of events: a JSON array
    insert.run(5, 1, Buffer.byteLength(sweepBody), Date.now(), 2, sweepBody);
    db.close();
    // And a later build's event lines without heads (encoding 2), written through this build's queue.
    const lines = [makeEvent(4), makeEvent(5, { highestSeverity: null })];
    const legacy = new DurableQueue({ dir: join(oldDir, 'queue'), consumers: ['loki'], sync: 'normal' });
    const linesBody = lines.map((e) => JSON.stringify(e)).join('\n');
    await legacy.append([{ kind: 'event', body: linesBody, records: 2, encoding: ROW_EVENT_LINES }]);
    // And heads without a table of shared summaries (encoding 3).
    const headed = [makeEvent(6), makeEvent(7, { highestSeverity: null })];
    const headedBody = headed
      .map((e) => `${JSON.stringify([e.traceId, e.windowEnd, e.highestSeverity, e.keys])}\t${JSON.stringify(e)}`)
      .join('\n');
    await legacy.append([{ kind: 'event', body: headedBody, records: 2, encoding: ROW_EVENT_HEAD_LINES }]);
    legacy.close();

    const upgraded = startDelivery(oldDir, loki.url);
    await upgraded.acceptLogs([makeLog(3)]); // a new row (tuples) behind the old ones
    await Promise.all(upgraded.exporters.map((e) => e.forceFlush()));
    const delivered = loki.accepted.map((e) => (e.labels.service === 'beorn' ? JSON.parse(e.line).message : JSON.parse(e.line).id));
    expect(delivered.sort()).toEqual(
      ['rec-1', 'rec-2', 'rec-3', event.id, ...sweep.map((e) => e.id), ...lines.map((e) => e.id), ...headed.map((e) => e.id)].sort(),
    );

    // The same records queued by this build give the same Loki entries.
    const fresh = await lokiSink();
    const now = startDelivery(tempDir(), fresh.url);
    await now.acceptLogs(logs);
    await now.acceptEvents([event]);
    await now.acceptEvents(sweep);
    await now.acceptEvents(lines);
    await now.acceptEvents(headed);
    await now.acceptLogs([makeLog(3)]);
    await Promise.all(now.exporters.map((e) => e.forceFlush()));
    const key = (e: LokiReceivedEntry): string => JSON.stringify([e.labels, e.tsNs, e.line, e.metadata]);
    expect(loki.accepted.map(key).sort()).toEqual(fresh.accepted.map(key).sort());
  });
});

describe('event rows, any events (property)', () => {
  const text = fc.string({ maxLength: 16, unit: 'binary' });
  // Summaries as the correlator builds them: its property order, optional span id and link.
  const summary: fc.Arbitrary<LogSummary> = fc
    .record({
      timeUnixMs: fc.integer({ min: 0, max: 2 ** 42 }),
      severity: fc.constantFrom('TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'),
      service: text,
      message: text,
      spanId: fc.option(fc.stringMatching(/^[0-9a-f]{16}$/), { nil: undefined }),
      linkedBy: fc.option(fc.record({ key: fc.constantFrom('circuit_id', 'resource_id'), value: text }), { nil: undefined }),
    })
    .map(({ timeUnixMs, severity, service, message, spanId, linkedBy }) => {
      const log: LogSummary = { timeUnixMs, severity, service, message };
      if (spanId !== undefined) log.spanId = spanId;
      if (linkedBy !== undefined) log.linkedBy = linkedBy;
      return log;
    });
  // Events drawing their logs from one pool, so summaries are shared between events as linked ones are.
  const events = fc.array(summary, { minLength: 1, maxLength: 6 }).chain((pool) =>
    fc.array(
      fc.record({
        logs: fc.array(fc.constantFrom(...pool), { maxLength: 5 }),
        keys: fc.array(text, { maxLength: 3 }),
        capped: fc.boolean(),
        detailFirst: fc.boolean(),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  );
  const build = (specs: { logs: LogSummary[]; keys: string[]; capped: boolean; detailFirst: boolean }[]): CorrelationEvent[] =>
    specs.map((spec, i) => {
      const event = makeEvent(i + 1, {
        keys: spec.keys.length > 0 ? { circuit_id: spec.keys } : {},
        detail: { spans: [], logs: spec.logs, spansCapped: false, logsCapped: spec.capped },
      });
      return spec.detailFirst ? reordered(event) : event;
    });
  const decodedTexts = (row: ReturnType<typeof eventRow>, n: number): (string | undefined)[] =>
    decodeRow({ seq: 1, kind: 'event', body: row.body, records: n, enqueuedAtMs: 0, encoding: row.encoding ?? 0 }).map((r) =>
      r.kind === 'event' ? r.json : undefined,
    );

  it('quote: every event read back as JSON.stringify writes it', () => {
    fc.assert(
      fc.property(events, (specs) => {
        const list = build(specs);
        const before = list.map((e) => JSON.stringify(e));
        expect(decodedTexts(eventRow(list), list.length)).toEqual(before);
        expect(list.map((e) => JSON.stringify(e))).toEqual(before);
      }),
    );
  });

  it('refer: every event read back with the detail last, its logs without their text, the rest unchanged', () => {
    fc.assert(
      fc.property(events, (specs) => {
        const list = build(specs);
        const before = list.map((e) => JSON.stringify(e));
        const expected = list.map((e) => {
          if (e.detail.logs.length === 0) return JSON.stringify(e);
          const { detail, ...rest } = e;
          const logs = detail.logs.map(({ message: _m, ...reference }) => reference);
          return JSON.stringify({ ...rest, detail: { ...detail, logs, logMessagesOmitted: true } });
        });
        expect(decodedTexts(eventRow(list, 'refer'), list.length)).toEqual(expected);
        expect(list.map((e) => JSON.stringify(e))).toEqual(before);
      }),
    );
  });
});
