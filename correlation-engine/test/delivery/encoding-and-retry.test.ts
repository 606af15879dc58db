// Pure delivery helpers: retry timing and Retry-After parsing, Loki encodings, label text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { truncateUtf8 } from '../../src/delivery/encoding-helpers.js';
import { buildPushes, encodeProtobufPush, formatLabels, type LokiStream, unixMsToNs } from '../../src/delivery/loki/loki-encoding.js';
import type { QueuedRecord } from '../../src/delivery/queue/queue-rows.js';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from '../../src/delivery/retry.js';
import { correlationSpanId } from '../../src/delivery/tempo/tempo-span.js';
import type { NormalizedLog } from '../../src/model/types.js';
import { len, str, uint } from '../fixtures/proto-writer.js';
import { parseLabelSet } from '../sinks/loki-sink.js';

describe('retry timing', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    [' 3 ', 3000],
    ['Wed, 25 Nov 2026 10:00:05 GMT', 5000],
    ['Wed, 25 Nov 2026 09:00:00 GMT', 0], // in the past: now
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('Retry-After %j -> %j ms', (header, expected) => {
    expect(parseRetryAfterMs(header, Date.parse('2026-11-25T10:00:00Z'))).toBe(expected);
  });

  it('full jitter stays within [0, min(max, initial * 2^attempt))', () => {
    const options = { initialMs: 100, maxMs: 1000 };
    expect(backoffDelayMs(0, options, () => 0.999)).toBe(99);
    expect(backoffDelayMs(3, options, () => 0.999)).toBe(799);
    expect(backoffDelayMs(10, options, () => 0.999)).toBe(999);
    expect(backoffDelayMs(50, options, () => 0)).toBe(0);
  });

  it.each([
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [413, false],
  ])('status %i retryable: %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });
});

describe('Loki encoding helpers', () => {
  it('writes ns timestamps as decimal strings, exact to the microsecond', () => {
    expect(unixMsToNs(1_764_000_000_000)).toBe('1764000000000000000');
    expect(unixMsToNs(1_764_000_000_000.5)).toBe('1764000000000500000');
    expect(unixMsToNs(1.001)).toBe('1001000');
    expect(unixMsToNs(0)).toBe('0');
    expect(unixMsToNs(12_345.0625)).toBe('12345063000');
  });

  it('writes the same digits as BigInt arithmetic for any time, past and future', () => {
    const reference = (ms: number) => {
      const whole = Math.floor(ms);
      const micros = Math.min(999, Math.max(0, Math.round((ms - whole) * 1e3)));
      return (BigInt(whole) * 1_000_000n + BigInt(micros) * 1000n).toString();
    };
    fc.assert(
      fc.property(fc.double({ min: -1e13, max: 1e16, noNaN: true }), (ms) => {
        expect(unixMsToNs(ms)).toBe(reference(ms));
      }),
      { numRuns: 5000 },
    );
  });

  it('writes the protobuf push field by field as the schema lays it out, for any streams', () => {
    // The reference spells out logproto's PushRequest with the fixtures' one-field-at-a-time
    // helpers (BigInt for the timestamp split); the encoder sizes first and writes one buffer.
    const optional = (field: number, text: string) => (text === '' ? [] : str(field, text));
    const reference = (streams: LokiStream[]) =>
      streams.flatMap((s) =>
        len(1, [
          ...optional(1, formatLabels(s.labels)),
          ...s.entries.flatMap((e) => {
            const ns = BigInt(e.tsNs);
            const seconds = ns / 1_000_000_000n;
            const nanos = ns % 1_000_000_000n;
            const timestamp = [...(seconds > 0n ? uint(1, seconds) : []), ...(nanos > 0n ? uint(2, nanos) : [])];
            const metadata = Object.entries(e.metadata).flatMap(([name, value]) => len(3, [...optional(1, name), ...optional(2, value)]));
            return len(2, [...len(1, timestamp), ...optional(2, e.line), ...metadata]);
          }),
        ]),
      );
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    const entry = fc.record({
      tsNs: fc.double({ min: 0, max: 1e16, noNaN: true }).map(unixMsToNs),
      line: fc.oneof(text, fc.string({ minLength: 200, maxLength: 400 })),
      metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), text, { maxKeys: 5 }),
    });
    const stream = fc.record({
      labels: fc.dictionary(fc.constantFrom('service', 'env', 'trace_id'), text),
      entries: fc.array(entry, { maxLength: 6 }),
    });
    fc.assert(
      fc.property(fc.array(stream, { maxLength: 4 }), (streams) => {
        expect([...encodeProtobufPush(streams)]).toEqual(reference(streams));
      }),
      { numRuns: 500 },
    );
  });

  it('puts every record in the one stream of its own label set, whatever the names and values', () => {
    // Values that a key made by plain concatenation would confuse ("a"+"bc" and "ab"+"c"),
    // empty ones, separators; with and without the trace_id label.
    const value = fc.constantFrom('a', 'ab', 'bc', 'c', '', ':', '1:a', 'a"b', 'é');
    const traceId = fc.option(fc.constantFrom('t1', 't2', 't1t2'), { nil: undefined });
    const log = fc.record({ service: value, env: value, traceId });
    // Always among the records, in an order fast-check picks: label sets whose values concatenate alike.
    const alike = [
      { service: 'a', env: 'bc', traceId: 't1' },
      { service: 'ab', env: 'c', traceId: 't1' },
      { service: 'a', env: 'b', traceId: 'ct1' },
      { service: 'a', env: 'bct1', traceId: undefined },
    ];
    const shapesOf = fc
      .array(log, { maxLength: 40 })
      .chain((random) => fc.shuffledSubarray([...random, ...alike], { minLength: random.length + alike.length }));
    fc.assert(
      fc.property(shapesOf, fc.boolean(), fc.integer({ min: 200, max: 4000 }), (shapes, traceIdLabel, batchMaxBytes) => {
        const records: QueuedRecord[] = shapes.map((shape, i) => ({
          kind: 'log',
          log: {
            timeUnixMs: 1_764_000_000_000 + i,
            severity: 'INFO',
            service: shape.service,
            ...(shape.env === '' ? {} : { env: shape.env }),
            message: `line ${i}`,
            ...(shape.traceId === undefined ? {} : { traceId: shape.traceId }),
            keys: {},
            attributes: {},
            format: 'plain',
            source: 'api',
          } as NormalizedLog,
        }));
        const options = { traceIdLabel, maxLineBytes: 4096, batchMaxBytes, defaultEnv: 'dflt' };
        const pushes = buildPushes(records, options);
        expect(pushes.flatMap((p) => p.records)).toEqual(records);
        for (const push of pushes) {
          const texts = push.streams.map((s) => formatLabels(s.labels));
          expect(new Set(texts).size).toBe(texts.length);
          const expected = new Map<string, string[]>();
          for (const r of push.records) {
            const l = (r as { log: NormalizedLog }).log;
            const labels: Record<string, string> = { service: l.service, env: l.env ?? 'dflt' };
            if (traceIdLabel && l.traceId) labels.trace_id = l.traceId;
            expected.set(formatLabels(labels), [...(expected.get(formatLabels(labels)) ?? []), unixMsToNs(l.timeUnixMs)]);
          }
          expect(new Map(push.streams.map((s) => [formatLabels(s.labels), s.entries.map((e) => e.tsNs)]))).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('escapes label values so Loki (and our sink) parse them back', () => {
    const labels = { service: 'a"b\\c', env: 'line\nbreak' };
    const text = formatLabels(labels);
    expect(text).toBe('{env="line\\nbreak", service="a\\"b\\\\c"}');
    expect(parseLabelSet(text)).toEqual(labels);
  });

  it('truncates on a UTF-8 character boundary', () => {
    expect(truncateUtf8('ééé', 3)).toBe('é');
    expect(truncateUtf8('abc', 10)).toBe('abc');
  });

  it('derives a stable span id per event (a re-delivered event is the same span)', () => {
    expect(correlationSpanId('engine-1:abc:1')).toBe(correlationSpanId('engine-1:abc:1'));
    expect(correlationSpanId('engine-1:abc:1')).not.toBe(correlationSpanId('engine-1:abc:2'));
    expect(correlationSpanId('x')).toMatch(/^[0-9a-f]{16}$/);
  });
});
