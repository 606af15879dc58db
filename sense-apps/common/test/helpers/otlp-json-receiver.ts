// A minimal OTLP/HTTP JSON receiver for tests: the apps export to it with
// OTEL_EXPORTER_OTLP_PROTOCOL=http/json and the test reads back flat spans and logs.
import { createServer, type Server } from 'node:http';

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value: AnyValue };

export interface ReceivedSpan {
  service: string;
  resource: Record<string, unknown>;
  traceId: string;
  spanId: string;
  name: string;
  attributes: Record<string, unknown>;
  statusCode: number;
  events: { name: string; attributes: Record<string, unknown> }[];
}

export interface ReceivedLog {
  service: string;
  traceId: string;
  body: string;
  attributes: Record<string, unknown>;
}

function flat(attrs: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of attrs ?? []) {
    out[key] = value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
  }
  return out;
}

export interface OtlpJsonReceiver {
  url: string;
  spans: ReceivedSpan[];
  logs: ReceivedLog[];
  close(): Promise<void>;
}

export async function startOtlpJsonReceiver(): Promise<OtlpJsonReceiver> {
  const spans: ReceivedSpan[] = [];
  const logs: ReceivedLog[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const doc = JSON.parse(body || '{}');
      for (const rs of doc.resourceSpans ?? []) {
        const resource = flat(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              service: String(resource['service.name']),
              resource,
              traceId: s.traceId,
              spanId: s.spanId,
              name: s.name,
              attributes: flat(s.attributes),
              statusCode: s.status?.code ?? 0,
              events: (s.events ?? []).map((e: { name: string; attributes?: KeyValue[] }) => ({
                name: e.name,
                attributes: flat(e.attributes),
              })),
            });
          }
        }
      }
      for (const rl of doc.resourceLogs ?? []) {
        const resource = flat(rl.resource?.attributes);
        for (const sl of rl.scopeLogs ?? []) {
          for (const r of sl.logRecords ?? []) {
            logs.push({
              service: String(resource['service.name']),
              traceId: r.traceId ?? '',
              body: r.body?.stringValue ?? '',
              attributes: flat(r.attributes),
            });
          }
        }
      }
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    logs,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
