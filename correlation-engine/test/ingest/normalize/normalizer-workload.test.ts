// The per-record ingest of POST /api/logs (the route's toApiRecord, then normalizeApiRecord) on
// every record kind of benchmark workload 1, with the whole output spelled out. It pins the
// behaviour while that path is tuned for speed: exact objects for representative records, and a
// property that builds records of each kind from random parts and knows what must come out.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PostLogsBody, toApiRecord } from '../../../src/http/routes/logs.js';
import { normalizeApiRecord } from '../../../src/ingest/normalize/normalizer.js';
import type { NormalizedLog } from '../../../src/model/types.js';

type BodyRecord = PostLogsBody['records'][number];

const NOW = Date.UTC(2026, 10, 25);
const resource = { service: 'mdso', host: 'server-124', env: 'bench' };
const T0 = Date.UTC(2026, 10, 24, 21, 40);

function ingest(record: BodyRecord, index = 0): NormalizedLog {
  return normalizeApiRecord(toApiRecord(record, index), resource, NOW);
}

/** Deep equality including which properties exist, plus the order of keys and attributes (JSON output order). */
function expectLog(actual: NormalizedLog, expected: NormalizedLog): void {
  expect(actual).toStrictEqual(expected);
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  expect(Object.keys(actual.keys)).toEqual(Object.keys(expected.keys));
  expect(Object.keys(actual.attributes)).toEqual(Object.keys(expected.attributes));
}

const base = {
  timeUnixMs: NOW,
  severity: 'INFO',
  service: 'mdso',
  env: 'bench',
  host: 'server-124',
  message: '',
  traceId: undefined,
  spanId: undefined,
  keys: {},
  attributes: {},
  format: 'plain',
  source: 'api',
} satisfies NormalizedLog;

describe('POST /api/logs record -> NormalizedLog: one of each workload 1 kind', () => {
  it('a JSON record with labels, business keys and mixed-case trace context', () => {
    const log = ingest({
      timestamp: '2026-11-24T21:40:00.003Z',
      severity: 'WARN',
      message: 'GET /api/test 200 in 12ms',
      circuit_id: 'CKT-1-NYC-7',
      product_id: 'PROD-ETH-10G',
      labels: { component: 'beorn', region: 'us-east', retries: 3, canary: false },
      trace_id: '4BF92F3577B34DA6A3CE929D0E0E4736',
      span_id: '00f067aa0ba902b7',
      request_id: 'req-abc123',
    });
    expectLog(log, {
      ...base,
      timeUnixMs: T0 + 3,
      severity: 'WARN',
      message: 'GET /api/test 200 in 12ms',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      keys: { circuit_id: 'CKT-1-NYC-7', product_id: 'PROD-ETH-10G', request_id: 'req-abc123' },
      attributes: { component: 'beorn', region: 'us-east', retries: '3', canary: 'false' },
    });
  });

  it('an RFC 5424 line with structured data', () => {
    const message =
      '<165>1 2026-11-24T21:40:00.001Z mdso-01 bpocore 4242 ID47 [meta circuit_id="CKT-1-NYC-7" request_id="req-0a1b2c"] Device NE-ALBANY-07 config push finished attempt=2';
    expectLog(ingest({ timestamp: '2026-11-24T21:40:00.001Z', message }), {
      ...base,
      timeUnixMs: T0 + 1,
      service: 'bpocore',
      host: 'mdso-01',
      message: 'Device NE-ALBANY-07 config push finished attempt=2',
      keys: { circuit_id: 'CKT-1-NYC-7', request_id: 'req-0a1b2c' },
      attributes: { pid: '4242', msgid: 'ID47', facility: 20, attempt: '2' },
      format: 'rfc5424',
    });
  });

  it('an RFC 3164 line', () => {
    expectLog(ingest({ message: '<34>Nov 24 21:40:08 mdso-02 sshd[811]: Failed password for root circuit_id=CKT-2' }), {
      ...base,
      timeUnixMs: T0 + 8000,
      severity: 'FATAL',
      service: 'sshd',
      host: 'mdso-02',
      message: 'Failed password for root circuit_id=CKT-2',
      keys: { circuit_id: 'CKT-2' },
      attributes: { facility: 4, pid: '811' },
      format: 'rfc3164',
    });
  });

  it('a Blue Planet (log4j) line', () => {
    const text =
      'Resource activation requested resource_id=a0b1c2d3-1234-4c2d-9a44-0123456789ab resource_type_id=tosca.resourceTypes.EthernetCircuit circuit_id=CKT-1-NYC-7';
    const message = `2026-11-24 21:40:00,002 ERROR [ra-pool-7] com.ciena.bp.ra.DeviceAdapter - ${text}`;
    expectLog(ingest({ timestamp: '2026-11-24T21:40:00.002Z', message }), {
      ...base,
      timeUnixMs: T0 + 2,
      severity: 'ERROR',
      message: text,
      keys: {
        resource_id: 'a0b1c2d3-1234-4c2d-9a44-0123456789ab',
        resource_type_id: 'tosca.resourceTypes.EthernetCircuit',
        circuit_id: 'CKT-1-NYC-7',
      },
      attributes: { thread: 'ra-pool-7', logger: 'com.ciena.bp.ra.DeviceAdapter' },
      format: 'blueplanet',
    });
  });

  it('a JSON line as the message', () => {
    const message = JSON.stringify({
      time: '2026-11-24T21:40:00.004Z',
      level: 'warn',
      msg: 'sync complete',
      circuit_id: 'CKT-1-NYC-7',
      resource_id: 'R-9',
      durationMs: 1234,
    });
    expectLog(ingest({ message }), {
      ...base,
      timeUnixMs: T0 + 4,
      severity: 'WARN',
      message: 'sync complete',
      keys: { circuit_id: 'CKT-1-NYC-7', resource_id: 'R-9' },
      attributes: { durationMs: 1234 },
      format: 'json',
    });
  });

  it('a key=value message', () => {
    expectLog(ingest({ message: 'level=error msg="push failed" circuit_id=CKT-3 host=ne-7 attempt=3' }), {
      ...base,
      severity: 'ERROR',
      host: 'ne-7',
      message: 'push failed',
      keys: { circuit_id: 'CKT-3' },
      attributes: { attempt: '3' },
      format: 'keyvalue',
    });
  });

  it('plain text; empty ids mean none', () => {
    expectLog(ingest({ message: 'disk almost full on /var', trace_id: '', span_id: '' }), {
      ...base,
      message: 'disk almost full on /var',
    });
  });

  it('odd timestamps: epoch seconds as text, epoch ms as a number, RFC 2822, zoned ISO in the line, space separator', () => {
    expect(ingest({ timestamp: '1764020400', message: 'x' }).timeUnixMs).toBe(1_764_020_400_000);
    expectLog(ingest({ timestamp: 1_764_020_400_123, severity: 50, message: 'x' }), {
      ...base,
      timeUnixMs: 1_764_020_400_123,
      severity: 'ERROR',
      message: 'x',
    });
    // A record timestamp Date understands (RFC 2822) wins over the line's zoned ISO time.
    expectLog(ingest({ timestamp: 'Tue, 24 Nov 2026 21:40:00 GMT', message: '2026-11-24T21:40:00.123456+05:30 WARN worker: slow' }), {
      ...base,
      timeUnixMs: T0,
      severity: 'WARN',
      message: 'slow',
      attributes: { logger: 'worker' },
    });
    expect(ingest({ message: '2026-11-24T21:40:00.123456+05:30 x' }).timeUnixMs).toBe(T0 - 330 * 60_000 + 123.456);
    expect(ingest({ timestamp: '2026-11-24 21:40:00', message: 'x' }).timeUnixMs).toBe(T0);
    // Not a time at all: the record falls back to now.
    expect(ingest({ timestamp: 'soon', message: 'x' }).timeUnixMs).toBe(NOW);
  });

  it('level words: any case, decorated or bare upper case; non-ASCII that upper-cases into one counts too', () => {
    expect(ingest({ message: '{"level":"warn","msg":"m"}' }).severity).toBe('WARN');
    expect(ingest({ message: '{"level":"Error","msg":"m"}' }).severity).toBe('ERROR');
    expect(ingest({ message: 'GET /x 200 ERROR' }).severity).toBe('ERROR');
    expect(ingest({ message: 'GET /x 200 error' }).severity).toBe('INFO');
    expect(ingest({ message: '[eRRor] x' }).severity).toBe('ERROR');
    // toUpperCase maps the long s and the fi ligature to ASCII ('ſevere' -> 'SEVERE', 'ﬁne' -> 'FINE').
    expect(ingest({ message: '[\u017fevere] x' }).severity).toBe('ERROR');
    expect(ingest({ message: '\ufb01ne: x' }).severity).toBe('DEBUG');
  });

  it('bad ids are a 400 naming the record', () => {
    expect(() => ingest({ message: 'x', trace_id: 'nope' }, 7)).toThrow('records[7].trace_id: not a 32-hex trace id');
    expect(() => ingest({ message: 'x', span_id: '0000000000000000' }, 2)).toThrow('records[2].span_id: not a 16-hex span id');
  });
});

describe('POST /api/logs record -> NormalizedLog: generated records of every kind', () => {
  const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: n, maxLength: n });
  const word = fc.string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.'),
    minLength: 1,
    maxLength: 12,
  });
  const levels = { INFO: 'INFO', DEBUG: 'DEBUG', WARN: 'WARN', ERROR: 'ERROR', TRACE: 'TRACE', FATAL: 'FATAL' } as const;
  const level = fc.constantFrom(...(Object.keys(levels) as (keyof typeof levels)[]));
  const ms = fc.integer({ min: T0, max: T0 + 86_400_000 });
  const iso = (t: number) => new Date(t).toISOString();
  const javaTime = (t: number) => iso(t).replace('T', ' ').replace('.', ',').slice(0, 23);
  const ids = fc.option(fc.record({ trace: hex(32), span: hex(16) }), { nil: undefined });
  const nonZero = (id: string) => /[1-9a-f]/i.test(id);

  it('every field ends up where the kind says', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), ms, level, word, word, word, ids, (kind, t, lvl, circuit, thread, logger, tc) => {
        fc.pre(!tc || (nonZero(tc.trace) && nonZero(tc.span)));
        // '-' is syslog's NIL (no host / no app).
        fc.pre(thread !== '-' && logger !== '-');
        const record: BodyRecord = { message: '' };
        let expected: NormalizedLog;
        if (kind === 0) {
          Object.assign(record, { timestamp: iso(t), severity: lvl.toLowerCase(), message: `GET /x in ${thread}`, circuit_id: circuit });
          record.labels = { component: logger, n: t, ok: true };
          expected = {
            ...base,
            timeUnixMs: t,
            severity: levels[lvl],
            message: `GET /x in ${thread}`,
            keys: { circuit_id: circuit },
            attributes: { component: logger, n: String(t), ok: 'true' },
          };
        } else if (kind === 1) {
          record.message = `<165>1 ${iso(t)} ${thread} ${logger} 77 ID47 [meta circuit_id="${circuit}"] pushed attempt=2`;
          expected = {
            ...base,
            timeUnixMs: t,
            severity: 'INFO',
            service: logger,
            host: thread,
            message: 'pushed attempt=2',
            keys: { circuit_id: circuit },
            attributes: { pid: '77', msgid: 'ID47', facility: 20, attempt: '2' },
            format: 'rfc5424',
          };
        } else if (kind === 2) {
          record.message = `${javaTime(t)} ${lvl.padEnd(5)} [${thread}] ${logger} - Resource activation circuit_id=${circuit}`;
          expected = {
            ...base,
            timeUnixMs: t,
            severity: levels[lvl],
            message: `Resource activation circuit_id=${circuit}`,
            keys: { circuit_id: circuit },
            attributes: { thread, logger },
            format: 'blueplanet',
          };
        } else {
          record.message = JSON.stringify({ time: iso(t), level: lvl.toLowerCase(), msg: 'sync complete', circuit_id: circuit, d: 5 });
          expected = {
            ...base,
            timeUnixMs: t,
            severity: levels[lvl],
            message: 'sync complete',
            keys: { circuit_id: circuit },
            attributes: { d: 5 },
            format: 'json',
          };
        }
        if (tc) {
          record.trace_id = tc.trace;
          record.span_id = tc.span;
          record.request_id = `req-${thread}`;
          expected.traceId = tc.trace.toLowerCase();
          expected.spanId = tc.span.toLowerCase();
          expected.keys = { ...expected.keys, request_id: `req-${thread}` };
        }
        expectLog(ingest(record), expected);
      }),
      { numRuns: 1000 },
    );
  });
});
