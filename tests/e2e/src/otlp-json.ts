// Reads what the stand-in collectors' `file` exporters wrote: one OTLP/JSON export request per
// line. Flattens it to spans and log records with their resource attributes, which is what the
// assertions are about.
import { existsSync, readFileSync } from 'node:fs';

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface Resource {
  attributes?: KeyValue[];
}

export interface FlatSpan {
  traceId: string;
  spanId: string;
  name: string;
  resource: Record<string, string>;
  attributes: Record<string, string>;
}

export interface FlatLog {
  traceId: string;
  body: string;
  resource: Record<string, string>;
  attributes: Record<string, string>;
}

function scalar(value: AnyValue | undefined): string {
  if (value === undefined) return '';
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.boolValue !== undefined) return String(value.boolValue);
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  return JSON.stringify(value);
}

export function attributeMap(list: readonly KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) out[kv.key] = scalar(kv.value);
  return out;
}

function readLines(file: string): unknown[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as unknown];
      } catch {
        return []; // a line still being written; the next poll sees it whole
      }
    });
}

export function readSpans(file: string): FlatSpan[] {
  const out: FlatSpan[] = [];
  for (const request of readLines(file) as {
    resourceSpans?: { resource?: Resource; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[];
  }[]) {
    for (const rs of request.resourceSpans ?? []) {
      const resource = attributeMap(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          out.push({
            traceId: String(span.traceId ?? '').toLowerCase(),
            spanId: String(span.spanId ?? '').toLowerCase(),
            name: String(span.name ?? ''),
            resource,
            attributes: attributeMap(span.attributes as KeyValue[] | undefined),
          });
        }
      }
    }
  }
  return out;
}

export function readLogs(file: string): FlatLog[] {
  const out: FlatLog[] = [];
  for (const request of readLines(file) as {
    resourceLogs?: { resource?: Resource; scopeLogs?: { logRecords?: Record<string, unknown>[] }[] }[];
  }[]) {
    for (const rl of request.resourceLogs ?? []) {
      const resource = attributeMap(rl.resource?.attributes);
      for (const sl of rl.scopeLogs ?? []) {
        for (const record of sl.logRecords ?? []) {
          out.push({
            traceId: String(record.traceId ?? '').toLowerCase(),
            body: scalar(record.body as AnyValue | undefined),
            resource,
            attributes: attributeMap(record.attributes as KeyValue[] | undefined),
          });
        }
      }
    }
  }
  return out;
}
