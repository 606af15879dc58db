import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ATTRIBUTES, MAX_MESSAGE_LENGTH } from '../../../src/ingest/normalize/normalize-builder.js';
import { parseLine } from '../../../src/ingest/normalize/normalizer.js';
import { SEVERITIES } from '../../../src/model/types.js';
import { ADVERSARIAL_LINES } from '../../fixtures/adversarial-lines.js';

const NOW = Date.UTC(2026, 10, 25, 0, 0, 0);
const d = { service: 'svc', nowMs: NOW };
const parse = (line: string, nowMs = NOW) => parseLine(line, { ...d, nowMs });

describe('parseLine: degenerate input', () => {
  it.each([
    ['empty line', ''],
    ['only spaces', '    '],
    ['only a newline', '\n'],
  ])('%s -> empty plain INFO record at now', (_name, line) => {
    expect(parse(line)).toEqual({
      timeUnixMs: NOW,
      severity: 'INFO',
      service: 'svc',
      env: undefined,
      host: undefined,
      message: '',
      traceId: undefined,
      spanId: undefined,
      keys: {},
      attributes: {},
      format: 'plain',
      source: 'api',
    });
  });

  it('garbage bytes keep the raw line as message', () => {
    const line = '\u0000\u0001\uFFFD\uD800<>[]{"=\u00ff\u001b[31m';
    const log = parse(line);
    expect(log).toMatchObject({ message: line, severity: 'INFO', format: 'plain', keys: {} });
  });

  it('an unknown format keeps the raw line; a level word among the first words is used', () => {
    expect(parse('something happened here')).toMatchObject({ message: 'something happened here', severity: 'INFO', format: 'plain' });
    expect(parse('[CRIT] disk on fire')).toMatchObject({ message: '[CRIT] disk on fire', severity: 'FATAL' });
    expect(parse('kernel: WARNING: cpu hot')).toMatchObject({ severity: 'WARN' });
    expect(parse('no error here at all, really')).toMatchObject({ severity: 'INFO' });
  });

  it('a very long line is cut to the message limit but its leading keys are still found', () => {
    const line = `circuit_id=CKT-LONG ${'word '.repeat(60_000)}`;
    const log = parse(line);
    expect(log.message).toHaveLength(MAX_MESSAGE_LENGTH);
    expect(log.attributes.message_truncated).toBe(true);
    expect(log.keys.circuit_id).toBe('CKT-LONG');
  });

  it('an unquoted value ends at the first delimiter, whichever it is, or at the line end', () => {
    for (const delimiter of [' ', '\t', '\r', '\n', ',', ';', '(', ')', '[', ']', '{', '}', '"', "'"]) {
      const log = parse(`moved circuit_id=CKT-7/a:b.c${delimiter}x resource_id=R-1`);
      expect(log.keys, JSON.stringify(delimiter)).toEqual({ circuit_id: 'CKT-7/a:b.c', resource_id: 'R-1' });
    }
    // Anything else belongs to the value: other punctuation, non-ASCII text, characters of other delimiters' code units.
    const value = 'CKT-é漢字\u2028=<>!#$%&*+/:?@\\^`|~\u0120\u015b\u0129';
    expect(parse(`moved circuit_id=${value}`).keys).toEqual({ circuit_id: value });
    expect(parse(`moved circuit_id=${value} status=ok`).attributes).toEqual({ status: 'ok' });
  });

  it('"=" with no key and other broken pairs are ignored', () => {
    expect(parse('a =b = c == d')).toMatchObject({ keys: {}, attributes: {}, format: 'plain' });
    expect(parse('=CKT-1 circuit_id= x')).toMatchObject({ keys: {}, attributes: {} });
    expect(parse('url=http://x/y?circuit_id=CKT-9')).toMatchObject({ attributes: { url: 'http://x/y?circuit_id=CKT-9' }, keys: {} });
  });

  it('caps the number of attributes and refuses __proto__', () => {
    const pairs = Array.from({ length: 100 }, (_, i) => `k${i}=v${i}`).join(' ');
    const log = parse(`hello ${pairs} __proto__=polluted circuit_id=CKT-1`);
    expect(Object.keys(log.attributes)).toHaveLength(MAX_ATTRIBUTES);
    expect(Object.getPrototypeOf(log.attributes)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(log.keys.circuit_id).toBe('CKT-1');
  });
});

describe('parseLine: trace context', () => {
  it('uppercase trace and span ids are lowercased; every field spelling works', () => {
    for (const [t, s] of [
      ['trace_id', 'span_id'],
      ['traceId', 'spanId'],
      ['traceid', 'spanid'],
    ]) {
      const log = parse(`done ${t}=4BF92F3577B34DA6A3CE929D0E0E4736 ${s}=00F067AA0BA902B7`);
      expect(log).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
    }
  });

  it.each([
    ['bad version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['short trace id', '00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01'],
    ['non-hex span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902zz-01'],
    ['v00 with extra fields', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra'],
  ])('an invalid traceparent (%s) sets no ids and stays visible as an attribute', (_name, tp) => {
    const log = parse(`published traceparent=${tp}`);
    expect(log.traceId).toBeUndefined();
    expect(log.spanId).toBeUndefined();
    expect(log.attributes.traceparent).toBe(tp);
  });

  it('a future traceparent version with extra fields is accepted', () => {
    expect(parse('x traceparent=01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-ab').traceId).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
  });

  it('an invalid trace_id is kept as an attribute, not as the trace', () => {
    const log = parse('x trace_id=1234');
    expect(log.traceId).toBeUndefined();
    expect(log.attributes.trace_id).toBe('1234');
  });
});

describe('parseLine: formats', () => {
  it('a pino JSON line', () => {
    const line = JSON.stringify({
      level: 50,
      time: 1795556402114,
      pid: 7,
      hostname: 'server-124',
      service: 'beorn',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      circuit_id: 'CKT-1',
      err: { type: 'Error', message: 'boom' },
      msg: 'request failed',
    });
    expect(parse(line)).toMatchObject({
      timeUnixMs: 1795556402114,
      severity: 'ERROR',
      service: 'beorn',
      host: 'server-124',
      message: 'request failed',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      keys: { circuit_id: 'CKT-1' },
      attributes: { pid: 7, err: '{"type":"Error","message":"boom"}' },
      format: 'json',
    });
  });

  it('JSON with an ISO @timestamp, a word level and business keys in the message text', () => {
    const log = parse('{"@timestamp":"2026-11-24T21:40:02.5Z","severity":"warning","message":"retry resource_id=R-1"}');
    expect(log).toMatchObject({
      timeUnixMs: Date.UTC(2026, 10, 24, 21, 40, 2, 500),
      severity: 'WARN',
      message: 'retry resource_id=R-1',
      keys: { resource_id: 'R-1' },
    });
  });

  it('broken JSON degrades to text', () => {
    expect(parse('{"msg": "unterminated')).toMatchObject({ message: '{"msg": "unterminated', format: 'plain' });
  });

  it('a logfmt line', () => {
    const log = parse('ts=2026-11-24T21:40:02Z level=warn msg="disk low on /var" circuit_id=CKT-7 free_pct=3');
    expect(log).toMatchObject({
      timeUnixMs: Date.UTC(2026, 10, 24, 21, 40, 2),
      severity: 'WARN',
      message: 'disk low on /var',
      keys: { circuit_id: 'CKT-7' },
      attributes: { free_pct: '3' },
      format: 'keyvalue',
    });
  });

  it('quoted values with escaped quotes', () => {
    expect(parse('x note="say \\"hi\\" now" circuit_id=C').attributes.note).toBe('say "hi" now');
  });

  it('ISO timestamps with offsets and fractions', () => {
    expect(parse('2026-11-24T22:40:02.123456+01:00 ERROR x').timeUnixMs).toBeCloseTo(Date.UTC(2026, 10, 24, 21, 40, 2, 123) + 0.456, 6);
    expect(parse('2026-11-24T16:40:02-0500 INFO x').timeUnixMs).toBe(Date.UTC(2026, 10, 24, 21, 40, 2));
    expect(parse('2026-11-24 21:40:02 [main] WARN com.x.Y - msg')).toMatchObject({
      severity: 'WARN',
      attributes: { thread: 'main', logger: 'com.x.Y' },
      message: 'msg',
      format: 'blueplanet',
    });
  });

  it.each([
    ['WARNING', 'WARN'],
    ['ERR', 'ERROR'],
    ['CRIT', 'FATAL'],
    ['EMERG', 'FATAL'],
    ['NOTICE', 'INFO'],
    ['AUDIT', 'INFO'],
    ['SEVERE', 'ERROR'],
    ['FINE', 'DEBUG'],
    ['TRACE', 'TRACE'],
    ['fatal', 'FATAL'],
  ])('level word %s -> %s', (word, severity) => {
    expect(parse(`2026-11-24 21:40:02,000 ${word} [t] a.B - m`).severity).toBe(severity);
  });

  it('RFC 5424: nil fields, several SD elements, escapes, BOM', () => {
    const line = '<165>1 - - - - ID47 [a@1 circuit_id="CKT-\\"Q\\"" x="a\\]b"][b@2 request_id="req-9"] \uFEFFhello';
    expect(parse(line)).toMatchObject({
      timeUnixMs: NOW,
      severity: 'INFO', // 165 = local4.notice
      service: 'svc',
      host: undefined,
      message: 'hello',
      keys: { circuit_id: 'CKT-"Q"', request_id: 'req-9' },
      attributes: { facility: 20, msgid: 'ID47', x: 'a]b' },
      format: 'rfc5424',
    });
  });

  it('RFC 5424 with malformed structured data keeps the rest as the message', () => {
    const log = parse('<14>1 2026-11-24T21:40:10Z h app - - [broken sd no close');
    expect(log).toMatchObject({ service: 'app', host: 'h', message: '[broken sd no close', format: 'rfc5424' });
  });

  it('RFC 3164 without hostname, and syslog files without PRI', () => {
    expect(parse('<27>Nov  4 01:02:03 sshd[99]: failed')).toMatchObject({
      severity: 'ERROR',
      service: 'sshd',
      host: undefined,
      message: 'failed',
    });
    expect(parse('Nov 24 21:40:08 mdso-dev bpocore[2231]: ERROR plan failed circuit_id=C-1')).toMatchObject({
      timeUnixMs: Date.UTC(2026, 10, 24, 21, 40, 8),
      severity: 'ERROR',
      service: 'bpocore',
      host: 'mdso-dev',
      message: 'ERROR plan failed circuit_id=C-1',
      keys: { circuit_id: 'C-1' },
      format: 'rfc3164',
    });
  });

  it('RFC 3164 has no year: the year of now, or the previous one when that is over a day ahead', () => {
    const newYear = Date.UTC(2027, 0, 1, 0, 30);
    expect(parse('<14>Dec 31 23:59:00 h app: x', newYear).timeUnixMs).toBe(Date.UTC(2026, 11, 31, 23, 59));
    expect(parse('<14>Jan  1 00:10:00 h app: x', newYear).timeUnixMs).toBe(Date.UTC(2027, 0, 1, 0, 10));
    expect(parse('<14>Jan  2 00:20:00 h app: x', newYear).timeUnixMs).toBe(Date.UTC(2027, 0, 2, 0, 20));
    expect(parse('<14>Jan  3 00:00:00 h app: x', newYear).timeUnixMs).toBe(Date.UTC(2026, 0, 3, 0, 0));
  });

  it('a PRI with an unrecognisable header still gives the severity', () => {
    expect(parse('<11>garbage after pri')).toMatchObject({ severity: 'ERROR', message: 'garbage after pri' });
    expect(parse('<999>not a pri')).toMatchObject({ severity: 'INFO', message: '<999>not a pri' });
  });
});

describe('parseLine: robustness', () => {
  // How fast these parse (linear, not quadratic) is measured by bench/src/micro/adversarial-lines.ts.
  it.each(ADVERSARIAL_LINES)('a 100 KB adversarial line (%s) parses to a capped message', (_name, line) => {
    const log = parse(line);
    expect(log.message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
  });

  it('never throws and always returns a well-formed record (random strings)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ maxLength: 300 }),
          fc.constantFrom('<14>1 ', '2026-11-24 ', '{"', 'Nov 24 ').chain((p) => fc.string({ maxLength: 200 }).map((s) => p + s)),
        ),
        (line) => {
          const log = parse(line);
          expect(SEVERITIES).toContain(log.severity);
          expect(Number.isFinite(log.timeUnixMs)).toBe(true);
          expect(typeof log.message).toBe('string');
          if (log.traceId !== undefined) expect(log.traceId).toMatch(/^[0-9a-f]{32}$/);
          if (log.spanId !== undefined) expect(log.spanId).toMatch(/^[0-9a-f]{16}$/);
          expect(Object.keys(log.attributes).length).toBeLessThanOrEqual(MAX_ATTRIBUTES + 1);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('parseLine: level words in free text', () => {
  it.each([
    ['ERROR something broke', 'ERROR'],
    ['error: something broke', 'ERROR'],
    ['Error: connect ECONNREFUSED', 'ERROR'],
    ['[warn] slow', 'WARN'],
    ['worker-1 WARNING queue full', 'WARN'],
    ['no error here', 'INFO'],
    ['the warning light is off', 'INFO'],
    ['one two three four ERROR five', 'INFO'], // only the first four words count
    ['2026-11-24 21:40:02 myapp ERROR boom', 'ERROR'],
    ['2026-11-24 21:40:02 myapp: WARN: low disk', 'WARN'],
  ])('%s -> %s', (line, severity) => {
    expect(parse(line).severity).toBe(severity);
  });
});

describe('parseLine: timestamp arithmetic', () => {
  it('agrees with Date.UTC for any date and offset', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(Date.UTC(1970, 0, 1)), max: new Date(Date.UTC(2199, 11, 31)), noInvalidDate: true }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (date, offsetMin) => {
          const local = new Date(date.getTime() + offsetMin * 60_000);
          const sign = offsetMin < 0 ? '-' : '+';
          const abs = Math.abs(offsetMin);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const iso = `${local.toISOString().slice(0, 23)}${zone}`;
          expect(parse(`${iso} INFO x`).timeUnixMs).toBe(date.getTime());
        },
      ),
      { numRuns: 2000 },
    );
  });
});
