// Queue row layouts: logs are stored as compact tuples and read back field for field, and a queue
// written by the build before tuples (rows of JSON objects, no `encoding` column) is still
// delivered after an upgrade, with the same Loki lines as a fresh row.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createDelivery } from '../../../src/delivery/create-delivery.js';
import type { DurableDelivery } from '../../../src/delivery/durable-delivery.js';
import { DurableQueue } from '../../../src/delivery/queue/durable-queue.js';
import { decodeRow, eventRow, logRow, ROW_EVENT_LINES, ROW_LOG_TUPLES } from '../../../src/delivery/queue/queue-rows.js';
import { createMetrics } from '../../../src/metrics.js';
import type { HttpSink } from '../../sinks/http-sink.js';
import { createLokiSink, type LokiReceivedEntry } from '../../sinks/loki-sink.js';
import { makeEvent, makeLog } from '../../sinks/records.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'queue-rows-test-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function lokiSink(): Promise<HttpSink<LokiReceivedEntry>> {
  const sink = createLokiSink();
  await sink.up();
  cleanups.push(() => sink.down());
  return sink;
}

function startDelivery(dataDir: string, lokiUrl: string): DurableDelivery {
  const config = loadConfig({
    ENGINE_INSTANCE_ID: 'engine-1',
    DEFAULT_ENV: 'test',
    ENGINE_DATA_DIR: dataDir,
    LOKI_URL: lokiUrl,
    EXPORT_LINGER_MS: '10',
  });
  const metrics = createMetrics({ instanceId: 'engine-1', defaultMetrics: false });
  const delivery = createDelivery(config, { metrics, logger: { info() {}, warn() {}, error() {} }, version: '9.9.9' }) as DurableDelivery;
  delivery.start();
  cleanups.push(() => delivery.shutdown(500));
  return delivery;
}

describe('queue rows', () => {
  it('stores logs as tuples and reads every field back, absent optional fields included', async () => {
    const queue = new DurableQueue({ dir: tempDir(), consumers: ['a'], sync: 'normal' });
    cleanups.push(() => queue.close());
    const bare = makeLog(2, { env: undefined, host: undefined, traceId: undefined, spanId: undefined, keys: {}, attributes: {} });
    const logs = [makeLog(1, { message: 'quote " backslash \\ é 😀', attributes: { ok: true, n: 1.5 } }), bare];
    await queue.append([logRow(logs)]);
    const [row] = queue.read('a', 10);
    expect(row?.encoding).toBe(ROW_LOG_TUPLES);
    expect(row?.records).toBe(2);
    expect(row?.body.startsWith('[[')).toBe(true); // tuples, not objects with their key names
    const back = decodeRow(row as NonNullable<typeof row>).map((r) => (r.kind === 'log' ? r.log : null));
    expect(back).toStrictEqual(logs.map((l) => ({ ...l })));
  });

  it('stores events as one JSON text per line and hands each back with its text, which is what Loki receives', async () => {
    const loki = await lokiSink();
    const delivery = startDelivery(tempDir(), loki.url);
    const events = [
      makeEvent(1),
      makeEvent(2, { keys: { circuit_id: ['line\nbreak "q"', '\u2028'] }, highestSeverity: null }),
      makeEvent(3),
    ];
    const row = eventRow(events);
    expect(row.encoding).toBe(ROW_EVENT_LINES);
    const decoded = decodeRow({ seq: 3, kind: 'event', body: row.body, records: 3, enqueuedAtMs: 0, encoding: ROW_EVENT_LINES });
    expect(decoded.map((r) => (r.kind === 'event' ? r.event : null))).toStrictEqual(events);
    expect(decoded.map((r) => (r.kind === 'event' ? r.json : null))).toEqual(events.map((e) => JSON.stringify(e)));
    await delivery.acceptEvents(events);
    await Promise.all(delivery.exporters.map((e) => e.forceFlush()));
    expect(loki.accepted.map((e) => e.line).sort()).toEqual(events.map((e) => JSON.stringify(e)).sort());
    expect(loki.accepted.find((e) => e.line.includes('line\\nbreak'))?.metadata.circuit_id).toBe('line\nbreak "q",\u2028');
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

    const upgraded = startDelivery(oldDir, loki.url);
    await upgraded.acceptLogs([makeLog(3)]); // a new row (tuples) behind the old ones
    await Promise.all(upgraded.exporters.map((e) => e.forceFlush()));
    const delivered = loki.accepted.map((e) => (e.labels.service === 'beorn' ? JSON.parse(e.line).message : JSON.parse(e.line).id));
    expect(delivered.sort()).toEqual(['rec-1', 'rec-2', 'rec-3', event.id, ...sweep.map((e) => e.id)].sort());

    // The same records queued by this build give the same Loki entries.
    const fresh = await lokiSink();
    const now = startDelivery(tempDir(), fresh.url);
    await now.acceptLogs(logs);
    await now.acceptEvents([event]);
    await now.acceptEvents(sweep);
    await now.acceptLogs([makeLog(3)]);
    await Promise.all(now.exporters.map((e) => e.forceFlush()));
    const key = (e: LokiReceivedEntry): string => JSON.stringify([e.labels, e.tsNs, e.line, e.metadata]);
    expect(loki.accepted.map(key).sort()).toEqual(fresh.accepted.map(key).sort());
  });
});
