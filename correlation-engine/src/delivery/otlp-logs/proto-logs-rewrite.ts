// Edits of an OTLP ExportLogsServiceRequest in protobuf form that leave every log record's bytes
// as they arrived: dropping records the engine refused, and setting resource attributes (the
// `service`/`env` labels Loki indexes). Only the frames around what changes are written again, so
// the cost is per resource and per scope, not per record: the point of forwarding a request as
// received is not paying a re-encode of each record.
//
// ExportLogsServiceRequest: resource_logs = 1 (ResourceLogs)
// ResourceLogs: resource = 1 (Resource), scope_logs = 2 (ScopeLogs), schema_url = 3
// ScopeLogs: scope = 1, log_records = 2 (LogRecord), schema_url = 3
// Resource: attributes = 1 (KeyValue), dropped_attributes_count = 2, ...
// KeyValue: key = 1, value = 2 (AnyValue: string_value = 1, ...)
import { ProtoReader, WIRE_LEN } from '../../wire/proto-reader.js';
import { ProtoWriter } from '../../wire/proto-writer.js';

const FIELD_1_LEN = (1 << 3) | WIRE_LEN;
const FIELD_2_LEN = (2 << 3) | WIRE_LEN;

/** String resource attributes the label choice reads (the last one sent wins, as in a decoder). */
export type ResourceStrings = Map<string, string>;

/** Attributes to set on a resource (replacing any of the same key), from what it already holds. */
export type ResourceEdit = (attributes: ResourceStrings) => Record<string, string>;

/**
 * The request without the log records at `dropped` (wire ordinals, ascending). A scope or
 * resource left without records stays, empty: it is valid OTLP and says nothing false.
 */
export function withoutLogRecords(body: Uint8Array, dropped: readonly number[]): Buffer {
  const r = new ProtoReader(body);
  const out = new ProtoWriter(body.length);
  let ordinal = 0;
  let next = 0; // the next entry of `dropped`
  eachField(r, body, out, FIELD_1_LEN, (end) => {
    const resourceLogs = new ProtoWriter(end - r.pos);
    eachField(r, body, resourceLogs, FIELD_2_LEN, (end) => {
      const scopeLogs = new ProtoWriter(end - r.pos);
      eachField(r, body, scopeLogs, FIELD_2_LEN, () => {
        const at = ordinal++;
        if (next < dropped.length && dropped[next] === at) {
          next += 1;
          return 'drop';
        }
        return 'keep';
      });
      return scopeLogs;
    });
    return resourceLogs;
  });
  return out.finish();
}

/**
 * The request with each resource's attributes edited: `edit` sees the resource's string
 * attributes and returns the ones to set; an attribute of the same key already there is left out.
 * A ResourceLogs without a resource gets one. Scopes and records are copied as they are.
 */
export function withResourceAttributes(body: Uint8Array, edit: ResourceEdit): Buffer {
  const r = new ProtoReader(body);
  const out = new ProtoWriter(body.length + 256);
  eachField(r, body, out, FIELD_1_LEN, (end) => {
    // The resource's own fields (a resource sent in several parts is one, merged, as protobuf says),
    // and the other fields of the ResourceLogs, copied after it.
    const resourceParts: [number, number][] = [];
    const rest = new ProtoWriter(end - r.pos);
    eachField(r, body, rest, FIELD_1_LEN, (partEnd) => {
      resourceParts.push([r.pos, partEnd]);
      return 'drop';
    });
    const others = rest.finish();
    return new ProtoWriter(others.length + 256).message(1, editedResource(body, resourceParts, edit)).raw(others);
  });
  return out.finish();
}

/** A Resource message: its attributes but those `edit` replaces, its other fields, then the new attributes. */
function editedResource(body: Uint8Array, parts: readonly [number, number][], edit: ResourceEdit): ProtoWriter {
  const strings: ResourceStrings = new Map();
  const kept: [number, number, string][] = []; // attribute ranges and their keys
  const others: [number, number][] = [];
  for (const [from, to] of parts) {
    const r = new ProtoReader(body.subarray(0, to));
    r.pos = from;
    while (r.pos < r.limit) {
      const start = r.pos;
      const tag = r.tag();
      if (tag !== FIELD_1_LEN) {
        r.skip(tag);
        others.push([start, r.pos]);
        continue;
      }
      const outer = r.enter();
      let key = '';
      let value: string | undefined;
      while (r.pos < r.limit) {
        const t = r.tag();
        if (t === FIELD_1_LEN) key = r.string();
        else if (t === FIELD_2_LEN) value = stringValue(r);
        else r.skip(t);
      }
      r.leave(outer);
      kept.push([start, r.pos, key]);
      if (value !== undefined) strings.set(key, value);
      else strings.delete(key);
    }
  }
  const set = edit(strings);
  const resource = new ProtoWriter(256);
  for (const [s, e, key] of kept) if (!Object.hasOwn(set, key)) resource.raw(body.subarray(s, e));
  for (const [s, e] of others) resource.raw(body.subarray(s, e));
  for (const key of Object.keys(set)) {
    const text = set[key] as string;
    // An empty string_value is written all the same: a oneof member is present even when empty.
    const value = text === '' ? new ProtoWriter(2).header(1, 0) : new ProtoWriter(text.length + 8).string(1, text);
    resource.message(1, new ProtoWriter(key.length + 64).string(1, key).message(2, value));
  }
  return resource;
}

/** An AnyValue's string_value, or undefined for any other kind of value. */
function stringValue(r: ProtoReader): string | undefined {
  const outer = r.enter();
  let value: string | undefined;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === FIELD_1_LEN) value = r.string();
    else {
      r.skip(tag);
      value = undefined;
    }
  }
  r.leave(outer);
  return value;
}

/**
 * Copies the message at the reader's position into `out`, field by field: fields other than
 * `field` as they are. Each `field` entry is offered to `visit` (the reader at its payload, which
 * ends at `end`): 'keep' copies it as it is, 'drop' leaves it out, and a writer (the payload
 * `visit` rebuilt while reading it) is written framed in its place.
 */
function eachField(
  r: ProtoReader,
  body: Uint8Array,
  out: ProtoWriter,
  field: number,
  visit: (end: number) => ProtoWriter | 'keep' | 'drop',
): void {
  while (r.pos < r.limit) {
    const start = r.pos;
    const tag = r.tag();
    if (tag !== field) {
      r.skip(tag);
      out.raw(body.subarray(start, r.pos));
      continue;
    }
    const outer = r.enter();
    const end = r.limit;
    const result = visit(end);
    r.pos = end;
    r.leave(outer);
    if (result === 'keep') out.raw(body.subarray(start, end));
    else if (result !== 'drop') out.message(tag >>> 3, result);
  }
}
