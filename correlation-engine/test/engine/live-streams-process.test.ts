// Issue 18 acceptance: the built engine (a real process, heap and memory budget capped) with 200
// idle live streams and one client that never reads while open windows change fast: the stalled
// stream is dropped once its unread bytes reach CORR_LIVE_STREAM_BUFFER_BYTES, the idle ones stay
// connected, and memory stays within the budget (no shedding, peak RSS under the limit).
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValueAt } from '../helpers/metrics-text.js';
import { traceOf, tracesBody } from '../helpers/otlp-json.js';
import { openSse, type SseClient } from '../helpers/sse-client.js';
import { buildEngine, EngineProcess } from '../sinks/engine-process.js';

const MiB = 1024 * 1024;
const LIMIT = 256 * MiB;
const STREAM_BUFFER = 64 * 1024;
const IDLE = 200;

let engine: EngineProcess;
const idle: SseClient[] = [];
let stalled: Socket | undefined;

beforeAll(async () => {
  buildEngine();
  engine = await EngineProcess.start({
    NODE_OPTIONS: '--max-old-space-size=384',
    ENGINE_MEMORY_LIMIT_BYTES: String(LIMIT),
    CORR_LIVE_STREAM_BUFFER_BYTES: String(STREAM_BUFFER),
    CORR_LIVE_FLUSH_MS: '50',
    LOG_LEVEL: 'warn',
  });
}, 120_000);

afterAll(async () => {
  for (const c of idle) c.close();
  stalled?.destroy();
  await engine?.stop();
});

const metrics = async (): Promise<string> => (await fetch(`${engine.url}/metrics`)).text();

describe('live streams under a client that stops reading', () => {
  it('drops the stalled stream, keeps the 200 idle ones, and stays within the memory budget', async () => {
    // Idle: connected and reading, filtered to a trace that never arrives.
    for (let i = 0; i < IDLE; i++) {
      const client = await openSse(`${engine.url}/api/correlations/stream?trace_id=${'f'.repeat(32)}`);
      expect(client.status).toBe(200);
      idle.push(client);
    }
    // Stalled: asks for every window, then never reads a byte.
    const { port } = new URL(engine.url);
    stalled = connect(Number(port), '127.0.0.1');
    stalled.pause();
    stalled.write(`GET /api/correlations/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    let text = await metrics();
    for (let i = 0; i < 100 && metricValueAt(text, 'correlation_live_streams') < IDLE + 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      text = await metrics();
    }
    expect(metricValueAt(text, 'correlation_live_streams')).toBe(IDLE + 1);

    // Windows with ~1 KiB names change in batches: each flush owes the stalled client megabytes.
    const name = `GET /api/test/${'x'.repeat(1000)}`;
    let dropped = 0;
    for (let batch = 0; batch < 60 && dropped === 0; batch++) {
      const specs = Array.from({ length: 1000 }, (_, i) => ({ trace: traceOf(batch * 1000 + i), circuit: `CKT-${i % 50}`, name }));
      const res = await fetch(`${engine.url}/api/otlp/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(tracesBody(specs, Date.now())),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 60));
      dropped = metricValueAt(await metrics(), 'correlation_live_streams_dropped_total', { reason: 'slow' });
    }
    text = await metrics();
    console.log(
      `[live] dropped=${dropped} streams=${metricValueAt(text, 'correlation_live_streams')} buffered=${metricValueAt(text, 'correlation_live_buffered_bytes')} peak_rss_mb=${(engine.peakRssBytes / MiB).toFixed(1)} pressure=${metricValueAt(text, 'engine_memory_pressure_ratio')}`,
    );
    expect(dropped).toBe(1);
    expect(metricValueAt(text, 'correlation_live_streams')).toBe(IDLE);
    expect(idle.every((c) => c.events.length === 0)).toBe(true);
    // What the remaining streams hold unread is within their bound (they read, so it is ~0).
    expect(metricValueAt(text, 'correlation_live_buffered_bytes')).toBeLessThanOrEqual(IDLE * STREAM_BUFFER);
    expect(metricValueAt(text, 'engine_memory_shed_total')).toBe(0);
    expect(engine.peakRssBytes).toBeLessThan(LIMIT);
    expect((await fetch(`${engine.url}/health`)).status).toBe(200);
  }, 120_000);
});
