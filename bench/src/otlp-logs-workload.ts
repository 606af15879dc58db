// Workload 3 (issue 16): OTLP/HTTP protobuf logs, the shape an orchestrator's collector sends.
// 50 records per request from three services; a third carry a trace id (3 traces of 5–6 records,
// the sense apps' request logs), the rest are orchestrator lines without trace context: Blue Planet
// (log4j-style) bodies and key=value bodies, with the business keys also as attributes on half of
// them. Half the trace-less records share a circuit id with one of the request's traces, so the
// engine links them as it would live traffic. Encoded by the OpenTelemetry JS SDK's serializer;
// trace ids and circuit ids carry the per-send placeholder (workloads.ts `stamp`).
import type { HrTime } from '@opentelemetry/api';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  type Body,
  bluePlanetLine,
  circuitId,
  hex,
  LEVELS,
  offsetsOf,
  pick,
  resourceId,
  rng,
  SENTINEL_ASCII,
  SENTINEL_BYTES,
  SERVICES,
  traceId,
  type Workload,
} from './workloads.ts';

type LogLike = Parameters<typeof ProtobufLogsSerializer.serializeRequest>[0][number];

/** OTLP severity numbers of the level names the bodies use. */
const SEVERITY: Record<string, number> = { DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17 };

function hr(ms: number): HrTime {
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
}

function keyValueLine(rand: () => number, circuit: string, resource: string): string {
  const step = pick(rand, ['reserve', 'activate', 'verify', 'release']);
  return `provisioning step=${step} circuit_id=${circuit} resource_id=${resource} status=${pick(rand, ['ok', 'ok', 'retry', 'failed'])} duration_ms=${Math.floor(rand() * 3000)}`;
}

export function otlpLogsWorkload(bodyCount: number, seed = 5): Workload {
  const rand = rng(seed);
  const scope = { name: 'bench-logs', version: '1.0.0' };
  const resources = [...SERVICES, 'mdso'].map((s) =>
    resourceFromAttributes({ 'service.name': s, 'deployment.environment.name': 'bench', 'host.name': 'server-124' }),
  );
  const mdso = resources[3] as (typeof resources)[number];
  const base = Date.parse('2026-11-24T21:40:00.000Z');
  const bodies: Body[] = [];
  for (let b = 0; b < bodyCount; b++) {
    const traces = [0, 1, 2].map(() => ({ traceId: traceId(rand), circuit: circuitId(rand), resource: resourceId(rand) }));
    const records: LogLike[] = [];
    for (let i = 0; i < 50; i++) {
      const ms = base + b * 50 + i;
      const level = pick(rand, LEVELS);
      // Records 0..16 belong to the three traces (a third), the rest are trace-less.
      const trace = i < 17 ? traces[i % 3] : undefined;
      const circuit = trace?.circuit ?? (rand() < 0.5 ? pick(rand, traces).circuit : circuitId(rand));
      const resource = trace?.resource ?? resourceId(rand);
      const attributes: Record<string, string> = {};
      let body: string;
      if (trace) {
        body = `${pick(rand, ['GET /api/test', 'POST /api/circuits', 'PUT /api/activate'])} 200 in ${Math.floor(rand() * 80)}ms`;
        attributes.circuit_id = circuit;
        attributes.request_id = `req-${hex(rand, 6)}`;
      } else {
        body = i % 2 === 0 ? bluePlanetLine(rand, ms, circuit, resource) : keyValueLine(rand, circuit, resource);
        if (rand() < 0.5) {
          attributes.circuit_id = circuit;
          attributes.resource_id = resource;
        }
      }
      records.push({
        hrTime: hr(ms),
        hrTimeObserved: hr(ms + 2),
        spanContext: trace ? { traceId: trace.traceId, spanId: hex(rand, 16), traceFlags: 1 } : undefined,
        severityText: level,
        severityNumber: SEVERITY[level.trim()] ?? 9,
        body,
        resource: trace ? pick(rand, resources.slice(0, 3)) : mdso,
        instrumentationScope: scope,
        attributes,
        droppedAttributesCount: 0,
      } as unknown as LogLike);
    }
    const encoded = ProtobufLogsSerializer.serializeRequest(records);
    if (!encoded) throw new Error('OTLP serializer returned nothing');
    const bytes = Buffer.from(encoded);
    bodies.push({ bytes, items: records.length, binary: offsetsOf(bytes, SENTINEL_BYTES), text: offsetsOf(bytes, SENTINEL_ASCII) });
  }
  return { name: 'logs-otlp', path: '/api/otlp/v1/logs', contentType: 'application/x-protobuf', bodies };
}
