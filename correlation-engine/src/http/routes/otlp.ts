// OTLP/HTTP receiver: POST /api/otlp/v1/{traces,logs,metrics}, protobuf or JSON, optionally gzip.
// The collector's otlp_http exporter with endpoint http://engine:8080/api/otlp appends these
// paths itself. Answers follow the OTLP/HTTP spec: 200 with an Export*ServiceResponse in the
// request's encoding (partial_success when items were rejected), errors as google.rpc.Status.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  decodeFailure,
  decodeLogs,
  decodeMetrics,
  decodeTraces,
  encodeExportResponse,
  type OtlpFormat,
  type Rejections,
} from '../../ingest/otlp/index.js';
import { HttpError } from '../http-error.js';
import { registerProtobufParser } from '../plugins/body-parsers.js';
import { arrivedAt, type RouteDeps } from './deps.js';

type OtlpSignal = 'traces' | 'logs' | 'metrics';

function formatOf(request: FastifyRequest): OtlpFormat {
  if (request.body === undefined || request.body === null) {
    throw new HttpError(400, 'empty body: send an OTLP export request as application/x-protobuf or application/json');
  }
  return Buffer.isBuffer(request.body) ? 'protobuf' : 'json';
}

/** Decoder failures are the client's: 400 with the reason (see decodeFailure). */
function decoding<T>(request: FastifyRequest, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    const failure = decodeFailure(err);
    if (!failure) throw err;
    if (failure.bug) request.log.error({ err }, 'OTLP decoder failed on a malformed body');
    throw new HttpError(400, failure.reason);
  }
}

function answer(reply: FastifyReply, signal: OtlpSignal, r: Rejections, format: OtlpFormat) {
  const body = encodeExportResponse(signal, r, format);
  if (format === 'protobuf') {
    const bytes = body as Uint8Array;
    return reply
      .code(200)
      .type('application/x-protobuf')
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return reply.code(200).type('application/json').send(body);
}

export async function otlpRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { pipeline, config, now } = deps;
  registerProtobufParser(app, config.bodyLimitBytes);
  const routeConfig = { config: { otlp: true, accepts: ['application/x-protobuf', 'application/json'] } };

  app.post('/v1/traces', routeConfig, async (request, reply) => {
    const format = formatOf(request);
    const { spans, rejected, message } = decoding(request, () => decodeTraces(request.body, format));
    pipeline.ingestSpans(spans, arrivedAt(reply));
    return answer(reply, 'traces', { rejected, ...(message ? { message } : {}) }, format);
  });

  app.post('/v1/logs', routeConfig, async (request, reply) => {
    const format = formatOf(request);
    const { logs, dropped, rejected, message } = decoding(request, () => decodeLogs(request.body, format, now()));
    for (const log of logs) log.env ??= config.defaultEnv;
    await pipeline.ingestLogs(logs, arrivedAt(reply), { format, body: request.body, dropped });
    return answer(reply, 'logs', { rejected, ...(message ? { message } : {}) }, format);
  });

  app.post('/v1/metrics', routeConfig, async (request, reply) => {
    const format = formatOf(request);
    const { dataPoints, services, rejected, message } = decoding(request, () => decodeMetrics(request.body, format));
    pipeline.countMetrics(dataPoints, services);
    return answer(reply, 'metrics', { rejected, ...(message ? { message } : {}) }, format);
  });
}
