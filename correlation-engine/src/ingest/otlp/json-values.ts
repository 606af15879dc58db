// Typed reads of OTLP/JSON values. A value of the wrong type (an object where a string belongs,
// `{"toString":null}` included) throws OtlpDecodeError naming the field, so it becomes a 400 or a
// per-item rejection, never a TypeError from String()/Number() that would answer 500.
//
// AnyValues and KeyValues throw FieldError with the field path relative to themselves; callers
// add their part with `within` on the way out, so decoding a valid value builds no path strings.
import { OtlpDecodeError } from '../../wire/decode-error.js';
import { MAX_ANY_VALUE_DEPTH } from './model.js';

export type Obj = Record<string, unknown>;

/** A decode error whose message is `<field> <problem>`, with the field path completed by callers. */
export class FieldError extends OtlpDecodeError {
  field: string;
  readonly problem: string;

  constructor(field: string, problem: string) {
    super(field === '' ? problem : `${field} ${problem}`);
    this.field = field;
    this.problem = problem;
  }
}

/** Rethrows `err` with `prefix` put before its field path (`prefix.field`, or `prefix[0]...`). */
export function within(err: unknown, prefix: string): never {
  if (err instanceof FieldError) {
    const f = err.field;
    err.field = f === '' ? prefix : f.charCodeAt(0) === 91 /* [ */ ? `${prefix}${f}` : `${prefix}.${f}`;
    err.message = `${err.field} ${err.problem}`;
  }
  throw err;
}

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `o.camel ?? o.snake`: protobuf JSON parsers accept both spellings. */
export function pick(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined ? o[snake] : v;
}

/** An optional string field: absent/null -> undefined, a string as it is, anything else refused. */
export function optionalString(o: Obj, camel: string, snake: string, path: string): string | undefined {
  const v = pick(o, camel, snake);
  if (v === undefined || v === null || typeof v === 'string') return v ?? undefined;
  throw new OtlpDecodeError(`${path}.${camel} must be a string`);
}

const DECIMAL_INTEGER = /^-?[0-9]{1,20}$/;

/** int64 fields (timestamps): a number or a decimal string, as the protobuf JSON mapping writes them. */
export function optionalInt64(o: Obj, camel: string, snake: string, path: string): number | string | undefined {
  const v = pick(o, camel, snake);
  if (v === undefined || v === null) return undefined;
  if ((typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && (v === '' || DECIMAL_INTEGER.test(v)))) return v;
  throw new OtlpDecodeError(`${path}.${camel} must be an integer or a decimal string`);
}

/** Enums: a number or the value's name (or a number written as a string); 0 when unknown. */
export function optionalEnum(v: unknown, names: Record<string, number>, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return Number.isInteger(v) ? v : 0;
  if (typeof v === 'string') {
    const named = names[v];
    if (named !== undefined) return named;
    const n = Number(v);
    return Number.isInteger(n) ? n : 0;
  }
  throw new OtlpDecodeError(`${path} must be an enum name or number`);
}

function intValue(x: unknown): number {
  if (typeof x === 'number' && Number.isFinite(x)) return x;
  if (typeof x === 'string' && DECIMAL_INTEGER.test(x)) return Number(x);
  throw new FieldError('intValue', 'must be an integer or a decimal string');
}

const SPECIAL_DOUBLES: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

function doubleValue(x: unknown): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'string') {
    const special = SPECIAL_DOUBLES[x];
    if (special !== undefined) return special;
    const n = x.trim() === '' ? Number.NaN : Number(x);
    if (!Number.isNaN(n)) return n;
  }
  throw new FieldError('doubleValue', 'must be a number or a numeric string');
}

function boolValue(x: unknown): boolean {
  if (typeof x === 'boolean') return x;
  if (x === 'true' || x === 'false') return x === 'true';
  throw new FieldError('boolValue', 'must be true or false');
}

/** The `values` array of an ArrayValue / KeyValueList named `field`. */
function valuesOf(x: unknown, field: string): unknown[] {
  if (!isObj(x)) throw new FieldError(field, 'must be an object');
  const values = x.values;
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values)) throw new FieldError(`${field}.values`, 'must be an array');
  return values;
}

/** A KeyValue: an object with a string key. */
export function keyValue(kv: unknown): { key: string; value: unknown } {
  if (!isObj(kv)) throw new FieldError('', 'must be a KeyValue object');
  if (typeof kv.key !== 'string') throw new FieldError('key', 'must be a string');
  return { key: kv.key, value: kv.value };
}

/** A KeyValue's value as JS; errors name the field from the KeyValue on (`value.stringValue ...`). */
export function keyValueValue(kv: { value: unknown }, depth = 0): unknown {
  try {
    return jsonAnyValue(kv.value, depth);
  } catch (err) {
    return within(err, 'value');
  }
}

/** AnyValue JSON -> JS value (kvlist -> object, array -> array); undefined for an empty AnyValue. */
export function jsonAnyValue(v: unknown, depth = 0): unknown {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new FieldError('', 'must be an AnyValue object');
  if (depth > MAX_ANY_VALUE_DEPTH) throw new FieldError('', `is an AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  let x = pick(v, 'stringValue', 'string_value');
  if (x !== undefined) {
    if (typeof x === 'string') return x;
    throw new FieldError('stringValue', 'must be a string');
  }
  x = pick(v, 'intValue', 'int_value');
  if (x !== undefined) return intValue(x);
  x = pick(v, 'boolValue', 'bool_value');
  if (x !== undefined) return boolValue(x);
  x = pick(v, 'doubleValue', 'double_value');
  if (x !== undefined) return doubleValue(x);
  x = pick(v, 'kvlistValue', 'kvlist_value');
  if (x !== undefined) {
    const out: Obj = {};
    const values = valuesOf(x, 'kvlistValue');
    for (let i = 0; i < values.length; i++) {
      try {
        const kv = keyValue(values[i]);
        if (kv.key !== '__proto__') out[kv.key] = keyValueValue(kv, depth + 1);
      } catch (err) {
        within(err, `kvlistValue.values[${i}]`);
      }
    }
    return out;
  }
  x = pick(v, 'arrayValue', 'array_value');
  if (x !== undefined) {
    const values = valuesOf(x, 'arrayValue');
    const out: unknown[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      try {
        out[i] = jsonAnyValue(values[i], depth + 1);
      } catch (err) {
        within(err, `arrayValue.values[${i}]`);
      }
    }
    return out;
  }
  // Bytes stay base64, as the JSON mapping writes them.
  x = pick(v, 'bytesValue', 'bytes_value');
  if (x === undefined || typeof x === 'string') return x;
  throw new FieldError('bytesValue', 'must be a base64 string');
}
