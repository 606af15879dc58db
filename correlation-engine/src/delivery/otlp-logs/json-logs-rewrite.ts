// The JSON twins of proto-logs-rewrite.ts, on an OTLP/JSON ExportLogsServiceRequest as the
// engine's JSON parser returned it (either field spelling: `resourceLogs` or `resource_logs`):
// dropping refused records, setting resource attributes, and joining requests into one. Records
// stay the objects they were; only the arrays and objects around what changes are new.
import type { ResourceEdit, ResourceStrings } from './proto-logs-rewrite.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key a message uses for a field: its camelCase name unless only the snake_case one is there. */
function keyOf(o: Obj, camel: string, snake: string): string {
  return o[camel] === undefined && o[snake] !== undefined ? snake : camel;
}

function listOf(o: Obj, camel: string, snake: string): unknown[] {
  const v = o[keyOf(o, camel, snake)];
  return Array.isArray(v) ? v : [];
}

/** The request without the log records at `dropped` (wire ordinals, ascending). */
export function withoutLogRecordsJson(body: unknown, dropped: readonly number[]): Obj {
  let ordinal = 0;
  let next = 0;
  const top = isObj(body) ? body : {};
  const resourceLogs = listOf(top, 'resourceLogs', 'resource_logs').map((rl) => {
    if (!isObj(rl)) return rl;
    const scopeKey = keyOf(rl, 'scopeLogs', 'scope_logs');
    const scopes = listOf(rl, 'scopeLogs', 'scope_logs').map((sl) => {
      if (!isObj(sl)) return sl;
      const recordKey = keyOf(sl, 'logRecords', 'log_records');
      const records = listOf(sl, 'logRecords', 'log_records').filter(() => {
        const at = ordinal++;
        if (next < dropped.length && dropped[next] === at) {
          next += 1;
          return false;
        }
        return true;
      });
      return { ...sl, [recordKey]: records };
    });
    return { ...rl, [scopeKey]: scopes };
  });
  return { resourceLogs };
}

/** The request with each resource's attributes edited (see ResourceEdit); everything else as it was. */
export function withResourceAttributesJson(body: unknown, edit: ResourceEdit): Obj {
  const top = isObj(body) ? body : {};
  const resourceLogs = listOf(top, 'resourceLogs', 'resource_logs').map((rl) => {
    if (!isObj(rl)) return rl;
    const resource = isObj(rl.resource) ? rl.resource : {};
    const attributes = Array.isArray(resource.attributes) ? resource.attributes : [];
    const strings: ResourceStrings = new Map();
    for (const kv of attributes) {
      if (!isObj(kv) || typeof kv.key !== 'string') continue;
      const v = isObj(kv.value) ? (kv.value.stringValue ?? kv.value.string_value) : undefined;
      if (typeof v === 'string') strings.set(kv.key, v);
      else strings.delete(kv.key);
    }
    const set = edit(strings);
    const kept = attributes.filter((kv) => !(isObj(kv) && typeof kv.key === 'string' && Object.hasOwn(set, kv.key)));
    const added = Object.keys(set).map((key) => ({ key, value: { stringValue: set[key] } }));
    return { ...rl, resource: { ...resource, attributes: [...kept, ...added] } };
  });
  return { resourceLogs };
}

/** One request holding the resource logs of all of them, in order. */
export function joinJsonRequests(bodies: readonly unknown[]): Obj {
  const resourceLogs: unknown[] = [];
  for (const body of bodies) if (isObj(body)) for (const rl of listOf(body, 'resourceLogs', 'resource_logs')) resourceLogs.push(rl);
  return { resourceLogs };
}
