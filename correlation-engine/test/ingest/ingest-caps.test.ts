// The message, attribute, label and name caps of docs/ingest-limits.md hold on every ingest route:
// POST /api/logs, and OTLP logs and traces in JSON and protobuf. What the engine hands on (to the
// exporters, to correlation events) is what is checked.
import type { HrTime } from '@opentelemetry/api';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_ATTRIBUTE_VALUE_LENGTH, MAX_MESSAGE_LENGTH, MAX_NAME_LENGTH } from '../../src/ingest/normalize/normalize-builder.js';
import { MAX_SPAN_TEXT_LENGTH } from '../../src/ingest/otlp/model.js';
import type { NormalizedLog } from '../../src/model/types.js';
import { ManualClock, testApp } from '../helpers/app.js';
import { RecordingDelivery } from '../helpers/delivery.js';

const LONG = 'L'.repeat(100_000);
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(): Promise<{ delivery: RecordingDelivery; clock: ManualClock }> {
  const delivery = new RecordingDelivery();
  const clock = new ManualClock();
  app = await testApp({ delivery, clock, env: { CORR_WINDOW_SECONDS: '2', BODY_LIMIT_BYTES: String(2 * 1024 * 1024) } });
  return { delivery, clock };
}

async function post(url: string, payload: string | Uint8Array, type = 'application/json'): Promise<number> {
  const body = typeof payload === 'string' ? payload : Buffer.from(payload);
  const res = await (app as FastifyInstance).inject({ method: 'POST', url, headers: { 'content-type': type }, payload: body });
  return res.statusCode;
}

function expectCapped(log: NormalizedLog | undefined, attribute: string): void {
  expect(log?.message).toHaveLength(MAX_MESSAGE_LENGTH);
  expect(log?.attributes.message_truncated).toBe(true);
  expect(log?.attributes[attribute]).toHaveLength(MAX_ATTRIBUTE_VALUE_LENGTH);
  expect(log?.service).toBe('unknown_service');
}

const otlpLogRecord = {
  hrTime: [1795556404, 0] as HrTime,
  hrTimeObserved: [1795556404, 0] as HrTime,
  body: LONG,
  attributes: { note: LONG },
  resource: resourceFromAttributes({ 'service.name': 'S'.repeat(MAX_NAME_LENGTH + 1) }),
  instrumentationScope: { name: 'caps' },
  droppedAttributesCount: 0,
};

describe('ingest caps on every route', () => {
  it('POST /api/logs: message and label values', async () => {
    const { delivery } = await start();
    const body = { resource: { service: 'api' }, records: [{ message: LONG, labels: { note: LONG } }] };
    expect(await post('/api/logs', JSON.stringify(body))).toBe(202);
    expect(delivery.logs[0]?.message).toHaveLength(MAX_MESSAGE_LENGTH);
    expect(delivery.logs[0]?.attributes.message_truncated).toBe(true);
    expect(delivery.logs[0]?.attributes.note).toHaveLength(MAX_ATTRIBUTE_VALUE_LENGTH);
  });

  it('OTLP logs, JSON: body, attribute values, service name', async () => {
    const { delivery } = await start();
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'S'.repeat(MAX_NAME_LENGTH + 1) } }] },
          scopeLogs: [{ logRecords: [{ body: { stringValue: LONG }, attributes: [{ key: 'note', value: { stringValue: LONG } }] }] }],
        },
      ],
    };
    expect(await post('/api/otlp/v1/logs', JSON.stringify(body))).toBe(200);
    expectCapped(delivery.logs[0], 'note');
  });

  it('OTLP logs, protobuf: body, attribute values, service name', async () => {
    const { delivery } = await start();
    const bytes = ProtobufLogsSerializer.serializeRequest([otlpLogRecord] as never) as Uint8Array;
    expect(await post('/api/otlp/v1/logs', bytes, 'application/x-protobuf')).toBe(200);
    expectCapped(delivery.logs[0], 'note');
  });

  async function spansProtobuf(): Promise<Uint8Array> {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'svc' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    provider
      .getTracer('caps')
      .startSpan(`op ${LONG}`, { attributes: { note: LONG } })
      .end();
    await provider.forceFlush();
    return ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()) as Uint8Array;
  }

  const spansJson = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: TRACE_ID,
                spanId: 'eee19b7ec3c1b174',
                name: `op ${LONG}`,
                attributes: [{ key: 'note', value: { stringValue: LONG } }],
              },
            ],
          },
        ],
      },
    ],
  });

  for (const format of ['json', 'protobuf'] as const) {
    it(`OTLP traces, ${format}: span names`, async () => {
      const { delivery, clock } = await start();
      const status =
        format === 'json'
          ? await post('/api/otlp/v1/traces', spansJson)
          : await post('/api/otlp/v1/traces', await spansProtobuf(), 'application/x-protobuf');
      expect(status).toBe(200);
      clock.advance(3000);
      (app as FastifyInstance).engine.pipeline.tick();
      expect(delivery.events).toHaveLength(1);
      expect(delivery.events[0]?.rootSpan?.name).toHaveLength(MAX_SPAN_TEXT_LENGTH);
    });
  }
});
