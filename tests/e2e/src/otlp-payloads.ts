// Small OTLP/JSON export requests for driving a collector directly.
import { randomBytes } from 'node:crypto';

export const newTraceId = (): string => randomBytes(16).toString('hex');
export const newSpanId = (): string => randomBytes(8).toString('hex');

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

export function resourceAttrs(attrs: Record<string, string>) {
  return { attributes: Object.entries(attrs).map(([k, v]) => str(k, v)) };
}

export function tracesRequest(resource: Record<string, string>, traceId: string, name: string) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: resourceAttrs(resource),
        scopeSpans: [
          {
            scope: { name: 'e2e' },
            spans: [
              {
                traceId,
                spanId: newSpanId(),
                name,
                kind: 2,
                startTimeUnixNano: String(now - 5_000_000n),
                endTimeUnixNano: String(now),
                attributes: [str('circuit_id', 'CIRC-E2E-1')],
              },
            ],
          },
        ],
      },
    ],
  };
}

export function logsRequest(resource: Record<string, string>, traceId: string, message: string) {
  return {
    resourceLogs: [
      {
        resource: resourceAttrs(resource),
        scopeLogs: [
          {
            scope: { name: 'e2e' },
            logRecords: [
              {
                timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                severityNumber: 9,
                severityText: 'INFO',
                body: { stringValue: message },
                traceId,
                spanId: newSpanId(),
              },
            ],
          },
        ],
      },
    ],
  };
}

export function counterRequest(resource: Record<string, string>, name: string, value: number) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceMetrics: [
      {
        resource: resourceAttrs(resource),
        scopeMetrics: [
          {
            scope: { name: 'e2e' },
            metrics: [
              {
                name,
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [{ asInt: String(value), startTimeUnixNano: String(now - 1_000_000_000n), timeUnixNano: String(now) }],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}
