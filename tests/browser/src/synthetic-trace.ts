// One request's trace across beorn -> palantir -> arda as OTLP/JSON, for when the real sense
// apps are not built: the same shape they produce (server and client spans per hop, business
// keys as span attributes), sent straight to the engine's OTLP endpoint.
import { randomBytes } from 'node:crypto';

export const newTraceId = (): string => randomBytes(16).toString('hex');
const newSpanId = (): string => randomBytes(8).toString('hex');

interface SpanSpec {
  service: string;
  name: string;
  kind: number;
  startOffsetMs: number;
  durationMs: number;
  parent?: SpanSpec;
  error?: string;
  spanId?: string;
}

const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
const nanos = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;

/** An OTLP/JSON ExportTraceServiceRequest with one resource per service. */
export function threeServiceTrace(traceId: string, circuitId: string, nowMs = Date.now()) {
  const start = nowMs - 400;
  const root: SpanSpec = { service: 'beorn', name: 'GET /api/test', kind: 2, startOffsetMs: 0, durationMs: 182 };
  const toPalantir: SpanSpec = { service: 'beorn', name: 'GET', kind: 3, startOffsetMs: 12, durationMs: 160, parent: root };
  const palantir: SpanSpec = {
    service: 'palantir',
    name: 'GET /api/test',
    kind: 2,
    startOffsetMs: 16,
    durationMs: 150,
    parent: toPalantir,
  };
  const toArda: SpanSpec = { service: 'palantir', name: 'GET', kind: 3, startOffsetMs: 30, durationMs: 120, parent: palantir };
  const arda: SpanSpec = { service: 'arda', name: 'GET /api/test', kind: 2, startOffsetMs: 34, durationMs: 110, parent: toArda };
  const ardaWork: SpanSpec = {
    service: 'arda',
    name: 'inventory lookup',
    kind: 1,
    startOffsetMs: 40,
    durationMs: 95,
    parent: arda,
    error: 'device NE-ALBANY-07 timed out',
  };
  const specs = [root, toPalantir, palantir, toArda, arda, ardaWork];
  for (const s of specs) s.spanId = newSpanId();
  const byService = new Map<string, object[]>();
  for (const s of specs) {
    const span = {
      traceId,
      spanId: s.spanId,
      ...(s.parent ? { parentSpanId: s.parent.spanId } : {}),
      name: s.name,
      kind: s.kind,
      startTimeUnixNano: nanos(start + s.startOffsetMs),
      endTimeUnixNano: nanos(start + s.startOffsetMs + s.durationMs),
      attributes: [attr('circuit_id', circuitId), attr('product_id', 'PROD-ETH-10G'), attr('request_id', `req-${traceId.slice(0, 6)}`)],
      status: s.error ? { code: 2, message: s.error } : { code: 0 },
    };
    byService.set(s.service, [...(byService.get(s.service) ?? []), span]);
  }
  return {
    resourceSpans: [...byService].map(([service, spans]) => ({
      resource: { attributes: [attr('service.name', service), attr('deployment.environment.name', 'dev')] },
      scopeSpans: [{ scope: { name: 'browser-test' }, spans }],
    })),
  };
}

/** A root span with `count - 1` children: more spans than the engine keeps per event when capped. */
export function wideTrace(traceId: string, circuitId: string, count: number, nowMs = Date.now()) {
  const rootId = newSpanId();
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId,
    spanId: i === 0 ? rootId : newSpanId(),
    ...(i === 0 ? {} : { parentSpanId: rootId }),
    name: i === 0 ? 'POST /api/batch' : `step ${i}`,
    kind: i === 0 ? 2 : 1,
    startTimeUnixNano: nanos(nowMs - 500 + i * 10),
    endTimeUnixNano: nanos(nowMs - 500 + i * 10 + (i === 0 ? count * 10 : 8)),
    attributes: [attr('circuit_id', circuitId)],
    status: { code: 0 },
  }));
  return {
    resourceSpans: [
      { resource: { attributes: [attr('service.name', 'batcher')] }, scopeSpans: [{ scope: { name: 'browser-test' }, spans }] },
    ],
  };
}
