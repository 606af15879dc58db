// Typed reads of OTLP/JSON values. A value of the wrong type (an object where a string belongs,
// `{"toString":null}` included) throws OtlpDecodeError naming the field, so it becomes a 400 or a
// per-item rejection, never a TypeError from String()/Number() that would answer 500.
import { OtlpDecodeError } from './errors.js';
import { MAX_ANY_VALUE_DEPTH } from './model.js';

export type Obj = Record<string, unknown>;

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

function intValue(x: unknown, path: string): number {
  if (typeof x === 'number' && Number.isFinite(x)) return x;
  if (typeof x === 'string' && DECIMAL_INTEGER.test(x)) return Number(x);
  throw new OtlpDecodeError(`${path}.intValue must be an integer or a decimal string`);
}

const SPECIAL_DOUBLES: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

function doubleValue(x: unknown, path: string): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'string') {
    const special = SPECIAL_DOUBLES[x];
    if (special !== undefined) return special;
    const n = x.trim() === '' ? Number.NaN : Number(x);
    if (!Number.isNaN(n)) return n;
  }
  throw new OtlpDecodeError(`${path}.doubleValue must be a number or a numeric string`);
}

function boolValue(x: unknown, path: string): boolean {
  if (typeof x === 'boolean') return x;
  if (x === 'true' || x === 'false') return x === 'true';
  throw new OtlpDecodeError(`${path}.boolValue must be true or false`);
}

/** The `values` array of an ArrayValue / KeyValueList. */
function valuesOf(x: unknown, path: string): unknown[] {
  if (!isObj(x)) throw new OtlpDecodeError(`${path} must be an object`);
  const values = x.values;
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values)) throw new OtlpDecodeError(`${path}.values must be an array`);
  return values;
}

/** A KeyValue: an object with a string key. */
export function keyValue(kv: unknown, path: string): { key: string; value: unknown } {
  if (!isObj(kv)) throw new OtlpDecodeError(`${path} must be a KeyValue object`);
  if (typeof kv.key !== 'string') throw new OtlpDecodeError(`${path}.key must be a string`);
  return { key: kv.key, value: kv.value };
}

/** AnyValue JSON -> JS value (kvlist -> object, array -> array); undefined for an empty AnyValue. */
export function jsonAnyValue(v: unknown, path: string, depth = 0): unknown {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new OtlpDecodeError(`${path} must be an AnyValue object`);
  if (depth > MAX_ANY_VALUE_DEPTH) throw new OtlpDecodeError(`${path}: AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  let x = pick(v, 'stringValue', 'string_value');
  if (x !== undefined) {
    if (typeof x === 'string') return x;
    throw new OtlpDecodeError(`${path}.stringValue must be a string`);
  }
  x = pick(v, 'intValue', 'int_value');
  if (x !== undefined) return intValue(x, path);
  x = pick(v, 'boolValue', 'bool_value');
  if (x !== undefined) return boolValue(x, path);
  x = pick(v, 'doubleValue', 'double_value');
  if (x !== undefined) return doubleValue(x, path);
  x = pick(v, 'kvlistValue', 'kvlist_value');
  if (x !== undefined) {
    const out: Obj = {};
    valuesOf(x, `${path}.kvlistValue`).forEach((item, i) => {
      const itemPath = `${path}.kvlistValue.values[${i}]`;
      const kv = keyValue(item, itemPath);
      if (kv.key !== '__proto__') out[kv.key] = jsonAnyValue(kv.value, `${itemPath}.value`, depth + 1);
    });
    return out;
  }
  x = pick(v, 'arrayValue', 'array_value');
  if (x !== undefined) {
    const path2 = `${path}.arrayValue`;
    return valuesOf(x, path2).map((item, i) => jsonAnyValue(item, `${path2}.values[${i}]`, depth + 1));
  }
  // Bytes stay base64, as the JSON mapping writes them.
  x = pick(v, 'bytesValue', 'bytes_value');
  if (x === undefined || typeof x === 'string') return x;
  throw new OtlpDecodeError(`${path}.bytesValue must be a base64 string`);
}
