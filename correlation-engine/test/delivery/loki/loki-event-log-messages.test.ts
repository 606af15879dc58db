// What the logs a correlation event lists carry in the event's Loki line (LOKI_EVENT_LOG_MESSAGES).
// When the engine ships every log it accepts to Loki (LOKI_EXPORT_OTLP_LOGS=true) the event line
// lists its logs without their text by default, and each listed log must then be found as its own
// line in the same Loki (by service and time, and by trace/span id or by the key that linked it),
// its text there as sent. Otherwise, or with `quote`, the event line quotes every text. A window at
// its log cap with large texts keeps its whole list when referred, where quoting it is over
// Loki's line limit and only the summary ships. Through the real routes (app.inject), correlator,
// durable queue and Loki exporter, into a Loki stand-in on a real socket; windows closed by a
// manual clock.
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { DurableDelivery } from '../../../src/delivery/durable-delivery.js';
import type { CorrelationEvent, LogSummary } from '../../../src/model/types.js';
import { otlpJsonToProto } from '../../fixtures/otlp-json-to-proto.js';
import { ManualClock } from '../../helpers/app.js';
import { durableTestApp } from '../../helpers/durable-app.js';
import type { HttpSink } from '../../sinks/http-sink.js';
import { createLokiSink, type LokiReceivedEntry } from '../../sinks/loki-sink.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CIRCUIT = 'CKT-REF-7';

interface Run {
  app: FastifyInstance;
  loki: HttpSink<LokiReceivedEntry>;
  /** The event line Loki got for TRACE, parsed. */
  event: CorrelationEvent & { detail: CorrelationEvent['detail'] & { logMessagesOmitted?: boolean } };
  eventLine: string;
}

interface Engine {
  app: FastifyInstance;
  loki: HttpSink<LokiReceivedEntry>;
  delivery: DurableDelivery;
  clock: ManualClock;
}

/** The app on a manual clock, its durable delivery to a Loki stand-in, `env` over the defaults. */
async function engine(env: Record<string, string>): Promise<Engine> {
  const loki = await createLokiSink().up();
  onTestFinished(() => loki.down());
  const clock = new ManualClock(Date.now());
  const { app, delivery, close } = await durableTestApp({ LOKI_URL: loki.url, CORR_WINDOW_SECONDS: '5', ...env }, clock);
  onTestFinished(close);
  return { app, loki, delivery, clock };
}

/** Closes the open windows and waits for TRACE's event line in Loki. */
async function closeAndDeliver({ app, loki, delivery, clock }: Engine): Promise<LokiReceivedEntry> {
  clock.advance(6_000);
  app.engine.pipeline.tick();
  return waitForEvent(loki, delivery);
}

/** Two traced OTLP records and one trace-less orchestrator line that joins by circuit id; the window closed and delivered. */
async function run(env: Record<string, string>): Promise<Run> {
  const started = await engine(env);
  const { app, loki, clock } = started;

  const record = (text: string, severityText: string, offsetMs: number, spanId: string) => ({
    timeUnixNano: String(BigInt(clock.now() + offsetMs) * 1_000_000n),
    severityText,
    body: { stringValue: text },
    traceId: TRACE,
    spanId,
    attributes: [{ key: 'circuit_id', value: { stringValue: CIRCUIT } }],
  });
  const otlp = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'beorn' } }] },
        scopeLogs: [
          {
            logRecords: [
              record('activation started "quoted" é', 'INFO', 0, '00f067aa0ba902b7'),
              record('activation failed: port 1/1 down', 'ERROR', 1, '00f067aa0ba902b8'),
            ],
          },
        ],
      },
    ],
  };
  const sent = await app.inject({
    method: 'POST',
    url: '/api/otlp/v1/logs',
    headers: { 'content-type': 'application/x-protobuf' },
    payload: Buffer.from(otlpJsonToProto('logs', otlp)),
  });
  expect(sent.statusCode).toBe(200);
  const line = await app.inject({
    method: 'POST',
    url: '/api/logs',
    payload: { resource: { service: 'bpocore' }, records: [{ message: `resource provisioning failed circuit_id=${CIRCUIT}` }] },
  });
  expect(line.statusCode).toBe(202);

  const eventEntry = await closeAndDeliver(started);
  return { app, loki, event: JSON.parse(eventEntry.line), eventLine: eventEntry.line };
}

async function waitForEvent(loki: HttpSink<LokiReceivedEntry>, delivery: DurableDelivery): Promise<LokiReceivedEntry> {
  for (let i = 0; i < 100; i += 1) {
    await Promise.all(delivery.exporters.map((e) => e.forceFlush()));
    const found = loki.accepted.find((e) => e.labels.service === 'correlation-engine' && e.metadata.trace_id === TRACE);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no correlation event for the trace reached Loki');
}

/** The Loki lines of logs (not events) a summary the event lists stands for. */
function linesFor(loki: HttpSink<LokiReceivedEntry>, log: LogSummary): LokiReceivedEntry[] {
  return loki.accepted.filter((e) => {
    if (e.labels.service !== log.service || e.labels.service === 'correlation-engine') return false;
    if (BigInt(e.tsNs) / 1_000_000n !== BigInt(log.timeUnixMs)) return false;
    if (log.linkedBy) return e.metadata[log.linkedBy.key] === log.linkedBy.value;
    return e.otlp?.traceId === TRACE && e.otlp.spanId === log.spanId;
  });
}

const textOf = (e: LokiReceivedEntry): string =>
  e.format === 'otlp' ? String(e.otlp?.body) : (JSON.parse(e.line) as { message: string }).message;

describe('LOKI_EVENT_LOG_MESSAGES: the texts of an event’s logs in its Loki line', () => {
  it('auto with every log shipped by the engine: the event lists its logs without their text, and each is its own Loki line', async () => {
    const { app, loki, event, eventLine } = await run({ LOKI_EXPORT_OTLP_LOGS: 'true' });
    expect(event.logCount).toBe(3);
    expect(event.linkedLogCount).toBe(1);
    expect(event.detail.logMessagesOmitted).toBe(true);
    expect(event.detail.logs).toHaveLength(3);
    for (const log of event.detail.logs) expect(Object.keys(log)).not.toContain('message');
    expect(eventLine).not.toContain('activation');
    expect(eventLine).not.toContain('provisioning');

    // Every listed log is found, once, as its own line in Loki, with its text as sent.
    const texts = event.detail.logs.map((log) => {
      const lines = linesFor(loki, log);
      expect(lines, JSON.stringify(log)).toHaveLength(1);
      return lines.map(textOf);
    });
    expect(texts.flat().sort()).toEqual(
      ['activation started "quoted" é', 'activation failed: port 1/1 down', `resource provisioning failed circuit_id=${CIRCUIT}`].sort(),
    );
    expect(event.detail.logs.find((l) => l.linkedBy)).toMatchObject({
      service: 'bpocore',
      linkedBy: { key: 'circuit_id', value: CIRCUIT },
    });

    // The engine's own API still shows the texts.
    const [served] = (await app.inject(`/api/correlations?trace_id=${TRACE}`)).json() as CorrelationEvent[];
    expect(served?.detail.logs.map((l) => l.message).sort()).toEqual(
      ['activation failed: port 1/1 down', 'activation started "quoted" é', `resource provisioning failed circuit_id=${CIRCUIT}`].sort(),
    );
    expect(served?.detail).not.toHaveProperty('logMessagesOmitted');
  });

  it('quote: the same event line quotes every text, as the API serves the event', async () => {
    const { app, event, eventLine } = await run({ LOKI_EXPORT_OTLP_LOGS: 'true', LOKI_EVENT_LOG_MESSAGES: 'quote' });
    expect(event.detail).not.toHaveProperty('logMessagesOmitted');
    const [served] = (await app.inject(`/api/correlations?trace_id=${TRACE}`)).json() as CorrelationEvent[];
    expect(event.detail.logs).toEqual(served?.detail.logs);
    expect(eventLine).toContain('activation started \\"quoted\\" é');
  });

  it('auto when the gateway ships the OTLP logs (LOKI_EXPORT_OTLP_LOGS=false): the engine cannot know they are in Loki, so it quotes', async () => {
    const { loki, event } = await run({});
    expect(event.detail).not.toHaveProperty('logMessagesOmitted');
    expect(event.detail.logs.map((l) => l.message).sort()).toEqual(
      ['activation failed: port 1/1 down', 'activation started "quoted" é', `resource provisioning failed circuit_id=${CIRCUIT}`].sort(),
    );
    expect(loki.accepted.filter((e) => e.format === 'otlp')).toEqual([]);
  });

  it('refer on request, whoever ships the logs', async () => {
    const { event } = await run({ LOKI_EVENT_LOG_MESSAGES: 'refer' });
    expect(event.detail.logMessagesOmitted).toBe(true);
    expect(event.detail.logs.every((l) => !('message' in l))).toBe(true);
  });

  it('a window at its log cap with 16 KiB texts: referred, the event keeps its whole list; quoted, only its summary fits a Loki line', async () => {
    const big = async (mode: 'quote' | 'refer') => {
      const started = await engine({ LOKI_EXPORT_OTLP_LOGS: 'true', LOKI_EVENT_LOG_MESSAGES: mode });
      const records = Array.from({ length: 200 }, (_, i) => ({ message: `${i} ${'x'.repeat(16 * 1024)}`, trace_id: TRACE }));
      const payload = { resource: { service: 'beorn' }, records };
      expect((await started.app.inject({ method: 'POST', url: '/api/logs', payload })).statusCode).toBe(202);
      return (await closeAndDeliver(started)).line;
    };
    const referred = await big('refer');
    const event = JSON.parse(referred) as Run['event'] & { truncated?: boolean };
    expect(event.truncated).toBeUndefined();
    expect(event.detail.logs).toHaveLength(200);
    expect(event.detail.logsCapped).toBe(false);
    expect(Buffer.byteLength(referred)).toBeLessThan(64 * 1024);

    const quoted = JSON.parse(await big('quote')) as Run['event'] & { truncated?: boolean };
    expect(quoted.truncated).toBe(true); // 200 × 16 KiB is over LOKI_MAX_LINE_BYTES (256 KiB): the detail was dropped
    expect(quoted.detail.logs).toEqual([]);
    expect(quoted.logCount).toBe(200);
  });

  it('a value it does not know stops the configuration with the variable named', () => {
    expect(() => loadConfig({ LOKI_URL: 'http://loki:3100', LOKI_EVENT_LOG_MESSAGES: 'drop' })).toThrow(/LOKI_EVENT_LOG_MESSAGES/);
  });
});
