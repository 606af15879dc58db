// Any normalized log, for property tests of what is queued and shipped: short binary strings (now
// and then a comma, the separator of Datadog's tags, or quotes and backslashes, which JSON
// escapes), messages long enough to be cut, attributes
// named as a Loki line's own fields, like Object.prototype's members or like integers, values of
// every JSON type a log's attributes hold.
import fc from 'fast-check';
import { BUSINESS_KEYS, type NormalizedLog, SEVERITIES } from '../../src/model/types.js';

const text = fc.oneof(fc.string({ maxLength: 24, unit: 'binary' }), fc.constantFrom('a,b', ',', 'x,', 'say "hi"', 'C:\\dir\\', '\\"', '"'));
// Names the line treats apart (its own fields, `truncated`), Object.prototype's, integer-like ones.
const name = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }).filter((k) => k !== '__proto__'),
  fc.constantFrom('message', 'format', 'source', 'host', 'truncated', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'level'),
  fc.stringMatching(/^[0-9]{1,3}$/),
);
const value = fc.oneof(text, fc.double(), fc.integer(), fc.boolean());

export const anyLog: fc.Arbitrary<NormalizedLog> = fc
  .record({
    timeUnixMs: fc.double({ min: 0, max: 2 ** 42, noNaN: true }),
    severity: fc.constantFrom(...SEVERITIES),
    service: text,
    env: fc.option(text, { nil: undefined }),
    host: fc.option(text, { nil: undefined }),
    // Long enough, some of them, to be cut to a bound.
    message: fc.oneof(text, fc.string({ minLength: 200, maxLength: 3000, unit: 'grapheme' })),
    traceId: fc.option(fc.stringMatching(/^[0-9a-f]{32}$/), { nil: undefined }),
    spanId: fc.option(fc.stringMatching(/^[0-9a-f]{16}$/), { nil: undefined }),
    keys: fc.dictionary(fc.constantFrom(...BUSINESS_KEYS), text, { maxKeys: 3, noNullPrototype: true }),
    attributes: fc.dictionary(name, value, { maxKeys: 6, noNullPrototype: true }),
    format: fc.constantFrom('json', 'rfc5424', 'rfc3164', 'blueplanet', 'keyvalue', 'plain'),
    source: fc.constantFrom('api', 'otlp'),
  })
  .map((l) => ({ ...l }) as NormalizedLog);
