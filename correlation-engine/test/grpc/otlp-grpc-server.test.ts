// The OTLP/gRPC receiver through a real gRPC socket: the OpenTelemetry JS gRPC exporters, and a
// raw grpc-js client for what an exporter would never send (bad bytes, no credentials, oversized
// and compressed messages), with the statuses and trailers an OTLP sender acts on.
import { type ServiceError, status } from '@grpc/grpc-js';
import { context, trace } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/metrics.js';
import type { CorrelationEvent } from '../../src/model/types.js';
import { sdkTraceWithChild } from '../fixtures/otlp-samples.js';
import { bytes, fixed64, hex, kvString, len, str } from '../fixtures/proto-writer.js';
import { ManualClock, metricValue, testApp, testConfig } from '../helpers/app.js';
import { basicMetadata, closeClients, grpcCall, OTLP_GRPC_PATHS, type OtlpSignal } from '../helpers/grpc-client.js';
import { captureLog } from '../helpers/log-capture.js';
import { MiB } from '../helpers/memory-app.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  closeClients();
  for (const a of apps.splice(0)) await a.close();
});

async function grpcApp(
  env: Record<string, string> = {},
  clock?: ManualClock,
  logStream?: NodeJS.WritableStream,
): Promise<{ app: FastifyInstance; target: string }> {
  const app = await testApp({
    env: { ENGINE_OTLP_GRPC_PORT: '0', HOST: '127.0.0.1', ...env },
    ...(clock ? { clock } : {}),
    ...(logStream ? { logStream } : {}),
  });
  apps.push(app);
  await app.ready();
  const port = app.engine.state.otlpGrpcPort;
  if (!port) throw new Error('the gRPC receiver did not start');
  return { app, target: `127.0.0.1:${port}` };
}

/** ExportTraceServiceRequest, one span per trace id given (a bad id is sent as its text), with optional padding bytes. */
function tracesRequest(traceIds: string[], service = 'beorn', paddingBytes = 0): Uint8Array {
  const start = BigInt(Date.parse('2026-11-25T10:00:00.000Z')) * 1_000_000n;
  const spans = traceIds.map((id, i) =>
    len(2, [
      ...(/^[0-9a-f]{32}$/.test(id) ? hex(1, id) : str(1, id)),
      ...hex(2, `a0b1c2d3e4f500${String(i).padStart(2, '0')}`),
      ...str(5, 'provision'),
      ...fixed64(7, start),
      ...fixed64(8, start + 5_000_000n),
      ...kvString(9, 'circuit_id', 'CKT-GRPC'),
      ...(paddingBytes > 0 ? kvString(9, 'padding', 'x'.repeat(paddingBytes)) : []),
    ]),
  );
  return bytes(len(1, [...len(1, kvString(1, 'service.name', service)), ...len(2, spans.flat())]));
}

/** Fields of a protobuf message: varints as numbers, length-delimited fields as bytes (enough for Status and RetryInfo). */
function fields(message: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const out = new Map<number, (number | Uint8Array)[]>();
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = message[pos++] as number;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
      shift += 7;
    }
  };
  while (pos < message.length) {
    const key = varint();
    let value: number | Uint8Array;
    if ((key & 7) === 2) {
      const n = varint();
      value = message.subarray(pos, pos + n);
      pos += n;
    } else if ((key & 7) === 0) value = varint();
    else throw new Error(`wire type ${key & 7} not expected here`);
    out.set(key >> 3, [...(out.get(key >> 3) ?? []), value]);
  }
  return out;
}

/** The retry delay (seconds) of the google.rpc.RetryInfo in a refusal's grpc-status-details-bin trailer. */
function retryDelaySeconds(error: ServiceError): number | undefined {
  const [details] = error.metadata.get('grpc-status-details-bin') as Buffer[];
  if (!details) return undefined;
  const any = fields(details).get(3)?.[0] as Uint8Array | undefined; // Status.details
  const anyFields = any ? fields(any) : undefined;
  const typeUrl = Buffer.from((anyFields?.get(1)?.[0] as Uint8Array | undefined) ?? []).toString();
  if (typeUrl !== 'type.googleapis.com/google.rpc.RetryInfo') return undefined;
  const retryInfo = fields(anyFields?.get(2)?.[0] as Uint8Array); // Any.value
  const duration = fields(retryInfo.get(1)?.[0] as Uint8Array); // RetryInfo.retry_delay
  return Number(duration.get(1)?.[0] ?? 0);
}

const rejectedSpans = (response: Buffer | undefined): number =>
  Number(ProtobufTraceSerializer.deserializeResponse(response ?? Buffer.alloc(0)).partialSuccess?.rejectedSpans ?? 0);

describe('OTLP/gRPC receiver', () => {
  it('is off unless ENGINE_OTLP_GRPC_PORT is set', async () => {
    const app = await testApp();
    apps.push(app);
    await app.ready();
    expect(app.engine.state.otlpGrpcPort).toBeUndefined();
  });

  it('takes spans and logs from the OpenTelemetry JS gRPC exporters into one correlation event', async () => {
    const clock = new ManualClock();
    const { app, target } = await grpcApp({ CORR_WINDOW_SECONDS: '5' }, clock);

    const { spans, traceId, root } = await sdkTraceWithChild('CKT-GRPC-1');
    const traceExporter = new OTLPTraceExporter({ url: `http://${target}` });
    const sent = await new Promise<{ code: number; error?: Error }>((r) => traceExporter.export(spans, r));
    expect(sent.error).toBeUndefined();
    expect(sent.code).toBe(0);

    const logs = new InMemoryLogRecordExporter();
    const loggerProvider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'palantir' }),
      processors: [new SimpleLogRecordProcessor({ exporter: logs })],
    });
    loggerProvider
      .getLogger('grpc-test')
      .emit({ severityText: 'ERROR', body: 'downstream failed', context: trace.setSpan(context.active(), root) });
    const logExporter = new OTLPLogExporter({ url: `http://${target}` });
    const sentLogs = await new Promise<{ code: number; error?: Error }>((r) => logExporter.export(logs.getFinishedLogRecords(), r));
    expect(sentLogs.error).toBeUndefined();
    expect(sentLogs.code).toBe(0);
    await Promise.all([traceExporter.shutdown(), logExporter.shutdown(), loggerProvider.shutdown()]);

    clock.advance(6_000);
    app.engine.pipeline.tick();
    const [event] = (await app.inject(`/api/correlations?trace_id=${traceId}`)).json() as CorrelationEvent[];
    expect(event).toMatchObject({
      traceId,
      spanCount: 2,
      logCount: 1,
      errorCount: 1,
      services: ['beorn', 'palantir'],
      keys: { circuit_id: ['CKT-GRPC-1'] },
    });
    expect(await metricValue(app, 'grpc_server_handling_seconds_count', { grpc_method: 'traces', grpc_code: 'OK' })).toBe(1);
  });

  it('answers partial success for the spans it rejects, and takes gzip-compressed messages', async () => {
    const { app, target } = await grpcApp();
    const good = 'aa'.repeat(16);
    const { response, error } = await grpcCall(target, 'traces', tracesRequest([good, 'not-a-trace-id']), { gzip: true });
    expect(error).toBeUndefined();
    expect(rejectedSpans(response)).toBe(1);
    expect(await metricValue(app, 'correlation_records_received_total', { signal: 'traces', service: 'beorn' })).toBe(1);
  });

  it('answers INVALID_ARGUMENT for bytes that are not an export request, on every service', async () => {
    const { target } = await grpcApp();
    for (const signal of Object.keys(OTLP_GRPC_PATHS) as OtlpSignal[]) {
      const { error } = await grpcCall(target, signal, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
      expect(error?.code, signal).toBe(status.INVALID_ARGUMENT);
    }
  });

  it('logs a sender repeating a refused export once a second per service and code, with the count left out', async () => {
    const clock = new ManualClock();
    const log = captureLog();
    const { target } = await grpcApp({ LOG_LEVEL: 'info' }, clock, log.stream);
    const refused = () => log.lines().filter((l) => l.msg === 'OTLP/gRPC export refused');
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    for (let i = 0; i < 20; i += 1) expect((await grpcCall(target, 'logs', garbage)).error?.code).toBe(status.INVALID_ARGUMENT);
    expect((await grpcCall(target, 'traces', garbage)).error?.code).toBe(status.INVALID_ARGUMENT);
    expect(refused().map((l) => [l.grpcMethod, l.code, l.suppressed])).toEqual([
      ['logs', 'INVALID_ARGUMENT', 0],
      ['traces', 'INVALID_ARGUMENT', 0],
    ]);
    clock.advance(1000);
    expect((await grpcCall(target, 'logs', garbage)).error?.code).toBe(status.INVALID_ARGUMENT);
    expect(refused().map((l) => [l.grpcMethod, l.suppressed])).toEqual([
      ['logs', 0],
      ['traces', 0],
      ['logs', 19],
    ]);
  });

  it('refuses a message over BODY_LIMIT_BYTES with RESOURCE_EXHAUSTED and no retry hint', async () => {
    const { target } = await grpcApp({ BODY_LIMIT_BYTES: String(64 * 1024) });
    const { error } = await grpcCall(target, 'traces', tracesRequest(['bb'.repeat(16)], 'beorn', 100 * 1024));
    expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(retryDelaySeconds(error as ServiceError)).toBeUndefined();
    // Compressed small, inflated over the limit: refused all the same.
    const zipped = await grpcCall(target, 'traces', tracesRequest(['cc'.repeat(16)], 'beorn', 100 * 1024), { gzip: true });
    expect(zipped.error?.code).toBe(status.RESOURCE_EXHAUSTED);
  });

  it('checks the same Basic credentials as the HTTP routes, in the authorization metadata', async () => {
    const { app, target } = await grpcApp({ ENABLE_BASIC_AUTH: 'true', BASIC_AUTH_USER: 'otel', BASIC_AUTH_PASS: 's3cret-pass' });
    const request = tracesRequest(['dd'.repeat(16)]);
    expect((await grpcCall(target, 'traces', request)).error?.code).toBe(status.UNAUTHENTICATED);
    expect((await grpcCall(target, 'traces', request, { metadata: basicMetadata('otel', 'wrong') })).error?.code).toBe(
      status.UNAUTHENTICATED,
    );
    expect((await grpcCall(target, 'logs', request, { metadata: basicMetadata('other', 's3cret-pass') })).error?.code).toBe(
      status.UNAUTHENTICATED,
    );
    const ok = await grpcCall(target, 'traces', request, { metadata: basicMetadata('otel', 's3cret-pass') });
    expect(ok.error).toBeUndefined();
    expect(await metricValue(app, 'correlation_records_received_total', { signal: 'traces', service: 'beorn' })).toBe(1);
  });

  it('refuses ingest under memory pressure with UNAVAILABLE and a RetryInfo delay, then takes it again', async () => {
    const config = testConfig({ ENGINE_OTLP_GRPC_PORT: '0', HOST: '127.0.0.1', ENGINE_MEMORY_LIMIT_BYTES: String(16 * MiB) });
    const heap = { used: 0 };
    const app = await buildApp({
      config,
      metrics: createMetrics({ instanceId: config.instanceId, defaultMetrics: false }),
      tickIntervalMs: 0,
      memory: { heapLimitBytes: 1024 * MiB, heapUsedBytes: () => heap.used, heapSampleMs: 0 },
    });
    apps.push(app);
    await app.ready();
    const target = `127.0.0.1:${app.engine.state.otlpGrpcPort}`;
    heap.used = 16 * MiB; // the whole budget; sampled on the next tick
    app.engine.pipeline.tick();
    const refused = await grpcCall(target, 'traces', tracesRequest(['ee'.repeat(16)]));
    expect(refused.error?.code).toBe(status.UNAVAILABLE);
    expect(retryDelaySeconds(refused.error as ServiceError)).toBeGreaterThanOrEqual(1);
    heap.used = 0;
    app.engine.pipeline.tick();
    expect((await grpcCall(target, 'traces', tracesRequest(['ee'.repeat(16)]))).error).toBeUndefined();
  });

  it('answers only OK, INVALID_ARGUMENT or RESOURCE_EXHAUSTED to arbitrary bytes (fuzz)', async () => {
    const { target } = await grpcApp({ BODY_LIMIT_BYTES: String(32 * 1024) });
    const allowed = new Set([status.OK, status.INVALID_ARGUMENT, status.RESOURCE_EXHAUSTED]);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<OtlpSignal>('traces', 'logs', 'metrics'),
        fc.uint8Array({ maxLength: 512 }),
        async (signal, bytes) => {
          const { error } = await grpcCall(target, signal, bytes);
          return allowed.has(error?.code ?? status.OK);
        },
      ),
      { numRuns: 200 },
    );
  });
});
