// Request bodies for the benchmark, built once before any timed loop.
//
// Every body carries a placeholder (SENTINEL) wherever a value must be new on each send: the
// first 4 bytes of every trace id and a part of every circuit id. The load generator copies the
// body and overwrites the placeholders with a per-send counter (a memcpy and a few byte writes),
// so each request opens fresh trace windows, as live traffic does, instead of re-joining the
// windows of the previous send of the same body.

import { seededRandom } from '@obs/test-support/seeded-random';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';

/** 8 hex chars (4 bytes) that stand for the per-send counter. */
export const SENTINEL_HEX = 'a0b1c2d3';
export const SENTINEL_BYTES = Buffer.from(SENTINEL_HEX, 'hex');
export const SENTINEL_ASCII = Buffer.from(SENTINEL_HEX, 'latin1');

export interface Body {
  bytes: Buffer;
  /** Records (logs or spans) this body carries. */
  items: number;
  /** Offsets of 4-byte binary placeholders (protobuf trace ids). */
  binary: number[];
  /** Offsets of 8-char hex text placeholders (JSON ids, circuit ids in text). */
  text: number[];
}

export interface Workload {
  name: string;
  path: string;
  contentType: string;
  bodies: Body[];
}

/** The bench's seeded generator: every run sends the same bodies. */
export const rng = seededRandom;

export function hex(rand: () => number, chars: number): string {
  let s = '';
  while (s.length < chars)
    s += Math.floor(rand() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, chars);
}

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

export function offsetsOf(buf: Buffer, needle: Buffer): number[] {
  const out: number[] = [];
  for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}

/** A trace id whose first 4 bytes are the placeholder (the rest random, fixed per body). */
export function traceId(rand: () => number): string {
  return SENTINEL_HEX + hex(rand, 24);
}

const SITES = ['NYC', 'DAL', 'CHI', 'SEA', 'ATL', 'DEN'];
const THREADS = ['bpocore-worker-3', 'market-http-12', 'nsi-events-1', 'ra-pool-7'];
const LOGGERS = [
  'com.ciena.bp.orchestrate.ResourceManager',
  'com.ciena.bp.orchestrate.PlanExecutor',
  'com.ciena.bp.ra.DeviceAdapter',
  'com.ciena.bp.market.ProductCatalog',
];
export const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];

/** A circuit id whose middle part changes on every send. */
export function circuitId(rand: () => number): string {
  return `CKT-${SENTINEL_HEX}-${pick(rand, SITES)}-${Math.floor(rand() * 1000)}`;
}

/**
 * A resource id that changes on every send too: a linking key repeated by every send of the same
 * body would make a few hot keys shared by hundreds of open windows, which live traffic does not do.
 */
export function resourceId(rand: () => number): string {
  return `${SENTINEL_HEX}-${hex(rand, 4)}-4c2d-9a44-${hex(rand, 12)}`;
}

function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

export function bluePlanetLine(rand: () => number, ms: number, circuit: string, resource: string): string {
  const t = isoAt(ms).replace('T', ' ').replace('.', ',').slice(0, 23);
  const level = pick(rand, LEVELS).padEnd(5);
  return `${t} ${level} [${pick(rand, THREADS)}] ${pick(rand, LOGGERS)} - Resource activation requested resource_id=${resource} resource_type_id=tosca.resourceTypes.EthernetCircuit circuit_id=${circuit}`;
}

function syslogLine(rand: () => number, ms: number, circuit: string): string {
  const pri = pick(rand, [165, 163, 166, 134]);
  return `<${pri}>1 ${isoAt(ms)} mdso-01 bpocore ${1000 + Math.floor(rand() * 9000)} ID47 [meta circuit_id="${circuit}" request_id="req-${hex(rand, 6)}"] Device NE-ALBANY-07 config push finished attempt=${1 + Math.floor(rand() * 3)}`;
}

function jsonLine(rand: () => number, ms: number, circuit: string): string {
  return JSON.stringify({
    time: isoAt(ms),
    level: pick(rand, ['info', 'warn', 'error']),
    msg: 'sync complete',
    circuit_id: circuit,
    resource_id: resourceId(rand),
    durationMs: Math.floor(rand() * 2000),
  });
}

/**
 * How traces share circuit ids: each its own (workload 1), all one id (a busy circuit, a
 * provisioning storm), or skewed: half the traces on a fixed set of HOT_CIRCUITS ids, the other
 * half each on its own id, so about 1% of the ids open at a time carry 50% of the traces.
 */
export type KeySkew = 'distinct' | 'hot' | 'skewed';

/** The one id of the hot-key workload; no placeholder, so every send of every body shares it. */
const HOT_CIRCUIT = 'CKT-HOT-NYC-0001';
/** The hot ids of the skewed workload (about 1% of ~10,000 ids open in a 5 s window at full load). */
const HOT_CIRCUITS = 100;

function traceCircuit(rand: () => number, skew: KeySkew): string {
  if (skew === 'hot') return HOT_CIRCUIT;
  if (skew === 'skewed' && rand() < 0.5) return `CKT-HOT-${Math.floor(rand() * HOT_CIRCUITS)}`;
  return circuitId(rand);
}

/**
 * Workload 1: POST /api/logs, 50 records. A mix of plain JSON records, raw RFC 5424 syslog lines,
 * Blue Planet (log4j-style) lines and JSON lines as messages; 30% carry a trace id (3 traces of
 * 5 records), most carry a business key (as a field or inside the message text).
 */
export function logsWorkload(bodyCount: number, seed = 1, skew: KeySkew = 'distinct'): Workload {
  const rand = rng(seed);
  const bodies: Body[] = [];
  const base = Date.parse('2026-11-24T21:40:00.000Z');
  for (let b = 0; b < bodyCount; b++) {
    const traces = [0, 1, 2].map(() => ({ traceId: traceId(rand), circuit: traceCircuit(rand, skew), resource: resourceId(rand) }));
    const records: Record<string, unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      const ms = base + b * 50 + i;
      // Records 0..14 belong to the three traces (30%), the rest are trace-less.
      const trace = i < 15 ? traces[i % 3] : undefined;
      const circuit = trace?.circuit ?? (rand() < 0.5 ? pick(rand, traces).circuit : circuitId(rand));
      const kind = i % 4;
      const record: Record<string, unknown> = { timestamp: isoAt(ms) };
      if (kind === 0) {
        record.severity = pick(rand, LEVELS);
        record.message = `GET /api/test 200 in ${Math.floor(rand() * 80)}ms`;
        record.circuit_id = circuit;
        record.product_id = `PROD-ETH-${pick(rand, ['1G', '10G', '100G'])}`;
        record.labels = { component: 'beorn', region: 'us-east' };
      } else if (kind === 1) {
        record.message = syslogLine(rand, ms, circuit);
      } else if (kind === 2) {
        record.message = bluePlanetLine(rand, ms, circuit, trace?.resource ?? resourceId(rand));
      } else {
        record.message = jsonLine(rand, ms, circuit);
      }
      if (trace) {
        record.trace_id = trace.traceId;
        record.span_id = hex(rand, 16);
        record.request_id = `req-${hex(rand, 6)}`;
      }
      records.push(record);
    }
    const json = JSON.stringify({
      resource: { service: pick(rand, ['mdso', 'beorn', 'palantir']), host: 'server-124', env: 'bench' },
      records,
    });
    const bytes = Buffer.from(json);
    bodies.push({ bytes, items: 50, binary: [], text: offsetsOf(bytes, SENTINEL_ASCII) });
  }
  return { name: skew === 'distinct' ? 'logs' : `logs-${skew}`, path: '/api/logs', contentType: 'application/json', bodies };
}

export const SERVICES = ['beorn', 'palantir', 'arda'];
const ROUTES = ['GET /api/test', 'POST /api/circuits', 'GET /api/resources/:id', 'PUT /api/activate'];

type SpanLike = Parameters<typeof ProtobufTraceSerializer.serializeRequest>[0][number];

function hr(ms: number): [number, number] {
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
}

/** A ReadableSpan-shaped object: only what the OTLP transformer reads. */
function span(
  resource: Resource,
  tId: string,
  sId: string,
  parent: string | undefined,
  name: string,
  kind: number,
  startMs: number,
  durMs: number,
  attributes: Record<string, string | number>,
  error: boolean,
): SpanLike {
  return {
    name,
    kind,
    spanContext: () => ({ traceId: tId, spanId: sId, traceFlags: 1 }),
    parentSpanContext: parent ? { traceId: tId, spanId: parent, traceFlags: 1, isRemote: false } : undefined,
    startTime: hr(startMs),
    endTime: hr(startMs + durMs),
    duration: hr(durMs),
    ended: true,
    status: error ? { code: 2, message: 'upstream said 503' } : { code: 0 },
    attributes,
    links: [],
    events: [],
    resource,
    instrumentationScope: { name: '@opentelemetry/instrumentation-http', version: '0.301.1' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  } as unknown as SpanLike;
}

/**
 * Workload 2: OTLP/HTTP protobuf ExportTraceServiceRequests of 100–500 spans, traces of 5–50 spans
 * across the three sense apps, business keys on the spans, ~2% errors. Encoded by the OpenTelemetry
 * JS SDK's own serializer.
 */
export function tracesWorkload(bodyCount: number, seed = 2): Workload {
  const rand = rng(seed);
  const resources = SERVICES.map((s) =>
    resourceFromAttributes({ 'service.name': s, 'deployment.environment.name': 'bench', 'host.name': 'server-124' }),
  );
  const bodies: Body[] = [];
  const base = Date.parse('2026-11-24T21:40:00.000Z');
  for (let b = 0; b < bodyCount; b++) {
    const target = 100 + Math.floor(rand() * 401);
    const spans: SpanLike[] = [];
    while (spans.length < target) {
      const size = Math.min(target - spans.length, 5 + Math.floor(rand() * 46));
      const tId = traceId(rand);
      const circuit = circuitId(rand);
      const requestId = `req-${hex(rand, 8)}`;
      const ids: string[] = [];
      for (let i = 0; i < size; i++) {
        const sId = hex(rand, 16);
        const parent = i === 0 ? undefined : ids[Math.floor(rand() * ids.length)];
        ids.push(sId);
        const start = base + b * 100 + i;
        spans.push(
          span(
            pick(rand, resources),
            tId,
            sId,
            parent,
            pick(rand, ROUTES),
            i === 0 ? 1 : pick(rand, [1, 2, 0]),
            start,
            1 + rand() * 50,
            {
              'http.request.method': 'GET',
              'http.route': '/api/test',
              'http.response.status_code': 200,
              circuit_id: circuit,
              product_id: 'PROD-ETH-10G',
              request_id: requestId,
            },
            rand() < 0.02,
          ),
        );
      }
    }
    const encoded = ProtobufTraceSerializer.serializeRequest(spans);
    if (!encoded) throw new Error('OTLP serializer returned nothing');
    const bytes = Buffer.from(encoded);
    bodies.push({ bytes, items: spans.length, binary: offsetsOf(bytes, SENTINEL_BYTES), text: offsetsOf(bytes, SENTINEL_ASCII) });
  }
  return { name: 'traces', path: '/api/otlp/v1/traces', contentType: 'application/x-protobuf', bodies };
}

/** Prefill: 500 spans, each its own trace (one open window per span). */
export function windowPrefillWorkload(seed = 3): Workload {
  const rand = rng(seed);
  const resource = resourceFromAttributes({ 'service.name': 'beorn', 'deployment.environment.name': 'bench' });
  const base = Date.parse('2026-11-24T21:40:00.000Z');
  const spans: SpanLike[] = [];
  for (let i = 0; i < 500; i++) {
    spans.push(
      span(
        resource,
        traceId(rand),
        hex(rand, 16),
        undefined,
        'GET /api/test',
        2,
        base + i,
        12,
        { circuit_id: circuitId(rand), request_id: `req-${hex(rand, 8)}` },
        false,
      ),
    );
  }
  const bytes = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
  return {
    name: 'prefill',
    path: '/api/otlp/v1/traces',
    contentType: 'application/x-protobuf',
    bodies: [{ bytes, items: 500, binary: offsetsOf(bytes, SENTINEL_BYTES), text: offsetsOf(bytes, SENTINEL_ASCII) }],
  };
}

/** Circuit ids of the keyed window shape: a fixed set of 500, shared by all open windows. */
export const KEYED_CIRCUITS = 500;

/**
 * Prefill in the keyed shape: 498 spans, 3 per trace (a root and two children across the sense
 * apps), every trace on one of KEYED_CIRCUITS circuit ids; window-memory.ts adds 2 logs per trace.
 */
export function keyedPrefillWorkload(seed = 4): Workload {
  const rand = rng(seed);
  const resources = SERVICES.map((s) => resourceFromAttributes({ 'service.name': s, 'deployment.environment.name': 'bench' }));
  const base = Date.parse('2026-11-24T21:40:00.000Z');
  const spans: SpanLike[] = [];
  for (let t = 0; t < 166; t++) {
    const tId = traceId(rand);
    const circuit = `CKT-${pick(rand, SITES)}-${Math.floor(rand() * KEYED_CIRCUITS)}`;
    const requestId = `req-${SENTINEL_HEX}${hex(rand, 4)}`;
    const root = hex(rand, 16);
    for (let i = 0; i < 3; i++) {
      spans.push(
        span(
          resources[i] as Resource,
          tId,
          i === 0 ? root : hex(rand, 16),
          i === 0 ? undefined : root,
          pick(rand, ROUTES),
          i === 0 ? 2 : 3,
          base + t + i,
          5 + rand() * 20,
          { circuit_id: circuit, request_id: requestId },
          false,
        ),
      );
    }
  }
  const bytes = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
  return {
    name: 'prefill-keyed',
    path: '/api/otlp/v1/traces',
    contentType: 'application/x-protobuf',
    bodies: [{ bytes, items: spans.length, binary: offsetsOf(bytes, SENTINEL_BYTES), text: offsetsOf(bytes, SENTINEL_ASCII) }],
  };
}

const HEX_CHARS = Buffer.from('0123456789abcdef');

/** A copy of the body with every placeholder replaced by `counter` (uint32). */
export function stamp(body: Body, counter: number): Buffer {
  const out = Buffer.allocUnsafe(body.bytes.length);
  body.bytes.copy(out);
  const c = counter >>> 0;
  for (const at of body.binary) out.writeUInt32BE(c, at);
  for (const at of body.text) {
    for (let i = 0; i < 8; i++) out[at + i] = HEX_CHARS[(c >>> (28 - 4 * i)) & 0xf] as number;
  }
  return out;
}
