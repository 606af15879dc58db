// Correlation events that delivery refuses while a backend is down: every one counted, one log
// line when refusing starts (naming the reason, no stack), none for the batches after it, one
// when delivery takes events again (with how many it refused). Through the routes, the
// correlator on a manual clock, the real durable delivery over a 1 KiB backlog bound and its
// Loki exporter against a stand-in that answers 503, then 204.
import { waitFor } from '@obs/test-support/wait';
import { describe, expect, it, onTestFinished } from 'vitest';
import { EventRefusalLog } from '../../src/correlate/event-refusal-log.js';
import { BackpressureError } from '../../src/delivery/delivery.js';
import { ManualClock } from '../helpers/app.js';
import { durableTestApp } from '../helpers/durable-app.js';
import { captureLog } from '../helpers/log-capture.js';
import { metricValueAt } from '../helpers/metrics-text.js';
import { createLokiSink } from '../sinks/loki-sink.js';

const trace = (n: number) => `4bf92f3577b34da6a3ce929d0e0e${String(n).padStart(4, '0')}`;
const REFUSING = 'delivery refusing correlation events; each is counted, none is logged until delivery takes them again';
const TAKING = 'delivery taking correlation events again';

/** Polls `probe` every 10 ms for up to 5 s (the durable delivery and its exporter run on their own). */
const until = (probe: () => Promise<boolean>, what: string) => waitFor(what, probe, 5000, 10);

describe('correlation events refused by delivery', () => {
  it('are all counted; an outage is one line when refusing starts and one when delivery takes them again', async () => {
    const loki = createLokiSink();
    loki.defaultAnswer = { status: 503 };
    await loki.up();
    onTestFinished(() => loki.down());
    const clock = new ManualClock(Date.now());
    const log = captureLog();
    const env = {
      LOKI_URL: loki.url,
      CORR_WINDOW_SECONDS: '5',
      QUEUE_MAX_BYTES: '1024',
      LOG_LEVEL: 'info',
      EXPORT_RETRY_INITIAL_MS: '10',
      EXPORT_RETRY_MAX_MS: '20',
    };
    const { app, delivery, close } = await durableTestApp(env, clock, log.stream);
    onTestFinished(close);
    const post = (n: number, message: string) =>
      app.inject({
        method: 'POST',
        url: '/api/logs',
        payload: { resource: { service: 'beorn' }, records: [{ message, trace_id: trace(n) }] },
      });
    const refusedCount = async () =>
      metricValueAt((await app.inject({ url: '/metrics' })).body, 'correlation_records_dropped_total', {
        reason: 'event_delivery_refused',
      });
    const lines = (msg: string) => log.lines().filter((l) => l.msg === msg);

    // Three windows a second apart; the third request takes the backlog over its 1 KiB bound.
    for (const n of [1, 2, 3]) {
      expect((await post(n, n === 3 ? 'x'.repeat(2000) : `line ${n}`)).statusCode).toBe(202);
      clock.advance(1000);
    }
    expect(delivery.backpressure()).not.toBeNull();

    // Each tick closes one window, and delivery refuses each one's event.
    for (const n of [1, 2, 3]) {
      clock.advance(n === 1 ? 2500 : 1000);
      app.engine.pipeline.tick();
      await until(async () => (await refusedCount()) === n, `${n} refused events`);
    }
    expect(lines(REFUSING)).toHaveLength(1);
    const first = lines(REFUSING)[0] as Record<string, unknown>;
    expect(Number(/export backlog over (\d+) bytes/.exec(String(first.reason))?.[1])).toBeGreaterThanOrEqual(1024);
    expect(first).not.toHaveProperty('err');
    expect(first.level).toBe(40);
    expect(lines(TAKING)).toHaveLength(0);
    // The events stay queryable in the engine: only their export was refused.
    const served = (await app.inject(`/api/correlations?trace_id=${trace(2)}`)).json() as { traceId: string }[];
    expect(served.map((e) => e.traceId)).toEqual([trace(2)]);

    // Loki back: the backlog drains, and the next window's event is taken and delivered.
    loki.defaultAnswer = { status: 204 };
    await until(async () => {
      await Promise.all(delivery.exporters.map((e) => e.forceFlush()));
      return delivery.backpressure() === null;
    }, 'the backlog under its bound');
    expect((await post(4, 'line 4')).statusCode).toBe(202);
    clock.advance(6000);
    app.engine.pipeline.tick();
    await until(async () => {
      await Promise.all(delivery.exporters.map((e) => e.forceFlush()));
      return loki.accepted.some((e) => e.labels.service === 'correlation-engine' && e.metadata.trace_id === trace(4));
    }, "trace 4's event in Loki");
    expect(lines(TAKING)).toEqual([expect.objectContaining({ refused: 3, refusingForMs: 8000, level: 30 })]);
    expect(lines(REFUSING)).toHaveLength(1);
    expect(await refusedCount()).toBe(3);
  });
});

describe('EventRefusalLog', () => {
  const recorder = () => {
    const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
    const logger = {
      info: (obj: object, msg: string) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
      warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    };
    return { lines, logger };
  };

  it('logs again when the cause changes, and keeps the error of an unexpected cause', () => {
    const { lines, logger } = recorder();
    let now = 0;
    const refusals = new EventRefusalLog(logger, () => now);
    refusals.refusedBatch(new BackpressureError('export backlog over 10 bytes', 1), 4);
    refusals.refusedBatch(new BackpressureError('export backlog over 10 bytes', 1), 4);
    now = 500;
    const disk = Object.assign(new Error('queue write failed: disk full'), { name: 'QueueStorageError' });
    refusals.refusedBatch(disk, 2);
    refusals.refusedBatch(disk, 2);
    now = 1500;
    refusals.accepted();
    refusals.accepted();
    expect(lines.map((l) => [l.level, l.obj.events ?? l.obj.refused])).toEqual([
      ['warn', 4],
      ['warn', 2],
      ['info', 12],
    ]);
    expect(lines[0]?.obj).toMatchObject({ reason: 'export backlog over 10 bytes' });
    expect(lines[1]?.obj.err).toBe(disk);
    expect(lines[2]?.obj.refusingForMs).toBe(1500);
  });

  it('says nothing while delivery takes every batch', () => {
    const { lines, logger } = recorder();
    const refusals = new EventRefusalLog(logger, () => 0);
    refusals.accepted();
    expect(lines).toEqual([]);
  });
});
