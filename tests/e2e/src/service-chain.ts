// Traces shaped as the sense apps make them, for the scale-out tests: one server span per service,
// each the child of the one before (beorn -> palantir -> arda), collected per service and sent as
// one OTLP/JSON export request with a resource per service.
import { newSpanId, resourceAttrs } from './otlp-payloads.js';

export const CHAIN_SERVICES = ['beorn', 'palantir', 'arda'] as const;

export interface KeyValue {
  key: string;
  value: { stringValue: string };
}

export const stringAttr = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });

/** Spans per service name, in chain order, filled by appendServiceChain. */
export type SpansByService = Record<string, unknown[]>;

export const emptyChain = (): SpansByService => Object.fromEntries(CHAIN_SERVICES.map((s) => [s, []]));

/**
 * Adds one trace's chain of 5 ms spans ending at `endNs`, each carrying `attributes`, and the
 * span of a service named in `extra` also those (e.g. only arda's span has a resource id).
 */
export function appendServiceChain(
  spans: SpansByService,
  traceId: string,
  endNs: bigint,
  attributes: KeyValue[],
  extra: Partial<Record<(typeof CHAIN_SERVICES)[number], KeyValue[]>> = {},
): void {
  let parent: string | undefined;
  for (const service of CHAIN_SERVICES) {
    const spanId = newSpanId();
    spans[service]?.push({
      traceId,
      spanId,
      ...(parent ? { parentSpanId: parent } : {}),
      name: `GET /${service}`,
      kind: 2,
      startTimeUnixNano: String(endNs - 5_000_000n),
      endTimeUnixNano: String(endNs),
      attributes: [...attributes, ...(extra[service] ?? [])],
    });
    parent = spanId;
  }
}

/** The ExportTraceServiceRequest (OTLP/JSON) of every chain appended to `spans`. */
export function chainTracesRequest(spans: SpansByService, scopeName: string): unknown {
  return {
    resourceSpans: Object.entries(spans).map(([service, list]) => ({
      resource: resourceAttrs({ 'service.name': service }),
      scopeSpans: [{ scope: { name: scopeName }, spans: list }],
    })),
  };
}
