// OTLP/JSON bodies for tests that post spans: one resource (service) per span, optional
// circuit_id attribute and error status.
export interface SpanSpec {
  trace: string;
  span?: string;
  service?: string;
  circuit?: string;
  error?: boolean;
  name?: string;
}

/** A 32-hex trace id numbered n. */
export const traceOf = (n: number): string => `ab${n.toString(16).padStart(30, '0')}`;
const spanIdOf = (n: number): string => `cd${n.toString(16).padStart(14, '0')}`;
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

export function tracesBody(specs: readonly SpanSpec[], startMs: number) {
  return {
    resourceSpans: specs.map((s, i) => ({
      resource: { attributes: [str('service.name', s.service ?? 'beorn')] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: s.trace,
              spanId: s.span ?? spanIdOf(i + 1),
              name: s.name ?? 'GET /api/test',
              kind: 2,
              startTimeUnixNano: String(startMs * 1e6),
              endTimeUnixNano: String((startMs + 5) * 1e6),
              attributes: s.circuit ? [str('circuit_id', s.circuit)] : [],
              status: { code: s.error ? 2 : 1 },
            },
          ],
        },
      ],
    })),
  };
}
