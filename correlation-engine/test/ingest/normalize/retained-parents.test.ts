// Kept strings must not keep the request text they were cut from: many records whose kept parts
// (message prefix, ids, keys, labels, service) are cut from multi-MB texts leave the heap about
// the size of what is kept, not of what was sent.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH } from '../../../src/ingest/normalize/normalize-builder.js';
import { normalizeApiRecord } from '../../../src/ingest/normalize/normalizer.js';
import { decodeLogs, decodeTraces } from '../../../src/ingest/otlp/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1024 * 1024;
const RECORDS = 60;
const NOW = Date.UTC(2026, 10, 25);

function heapUsedAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A 2 MB line whose parsed parts (time, level, key=value pairs, message) are slices of it. */
function bigLine(i: number): string {
  const head = `2026-11-25T10:00:00.000Z ERROR svc-${i} circuit_id=CKT-${String(i).padStart(12, '0')} trace_id=${(i + 1).toString(16).padStart(32, 'a')} peer=host-${'p'.repeat(40)}-${i} `;
  return head + 'm'.repeat(2 * MB);
}

/** Runs `make` RECORDS times, keeps every result, and returns the heap growth per record. */
function growthPerRecord(make: (i: number) => unknown): number {
  const kept: unknown[] = [];
  const before = heapUsedAfterGc();
  for (let i = 0; i < RECORDS; i++) kept.push(make(i));
  const grown = heapUsedAfterGc() - before;
  expect(kept).toHaveLength(RECORDS);
  return grown / RECORDS;
}

// Twice the kept message (one-byte strings) plus room for the record's other parts; a retained
// 2 MB parent is ~10x that.
const BOUND = 2 * MAX_MESSAGE_LENGTH + 64 * 1024;

describe('kept strings are own copies', () => {
  it('POST /api/logs records keep only their capped parts', () => {
    const perRecord = growthPerRecord((i) => {
      const log = normalizeApiRecord(
        { message: bigLine(i), labels: { note: `${'n'.repeat(30)}${'z'.repeat(2 * MB)}` } },
        { service: 'api' },
        NOW,
      );
      expect(log.keys.circuit_id).toBe(`CKT-${String(i).padStart(12, '0')}`);
      expect(log.message.length).toBe(MAX_MESSAGE_LENGTH);
      return log;
    });
    expect(perRecord).toBeLessThan(BOUND);
  });

  it('OTLP/JSON log records with a multi-MB string body keep only their capped parts', () => {
    const perRecord = growthPerRecord((i) => {
      const body = {
        resourceLogs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${i}` } }] },
            scopeLogs: [{ logRecords: [{ body: { stringValue: bigLine(i) } }] }],
          },
        ],
      };
      const { logs } = decodeLogs(JSON.parse(JSON.stringify(body)), 'json', NOW);
      expect(logs[0]?.keys.circuit_id).toBe(`CKT-${String(i).padStart(12, '0')}`);
      return logs;
    });
    expect(perRecord).toBeLessThan(BOUND);
  });

  it('OTLP/JSON log records with a map body whose message is multi-MB keep only their capped parts', () => {
    const perRecord = growthPerRecord((i) => {
      const message = { key: 'message', value: { stringValue: bigLine(i) } };
      const body = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { kvlistValue: { values: [message] } } }] }] }] };
      const { logs } = decodeLogs(JSON.parse(JSON.stringify(body)), 'json', NOW);
      expect(logs[0]?.keys.circuit_id).toBe(`CKT-${String(i).padStart(12, '0')}`);
      return logs;
    });
    expect(perRecord).toBeLessThan(BOUND);
  });

  it('OTLP/JSON spans with multi-MB names and attributes keep only their capped parts', () => {
    const perRecord = growthPerRecord((i) => {
      const span = {
        traceId: (i + 1).toString(16).padStart(32, 'b'),
        spanId: (i + 1).toString(16).padStart(16, 'c'),
        name: `op-${i}-${'n'.repeat(2 * MB)}`,
        attributes: [{ key: 'db.statement', value: { stringValue: `select ${'s'.repeat(2 * MB)}` } }],
        status: { code: 2, message: `failed ${'f'.repeat(2 * MB)}` },
      };
      const { spans } = decodeTraces({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }, 'json');
      expect(spans).toHaveLength(1);
      return spans;
    });
    expect(perRecord).toBeLessThan(BOUND);
  });
});
