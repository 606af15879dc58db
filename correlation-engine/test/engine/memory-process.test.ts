// The built engine as a real process, heap capped as compose caps it, with a small
// ENGINE_MEMORY_LIMIT_BYTES, fed by concurrent clients until it sheds: it answers only 2xx or
// 503 + Retry-After, never crashes, and is ready again once the load stops. A refusal the heap
// reading started ends within seconds of the load stopping, though no traffic prompts V8 to
// collect the dead bodies that make up most of that reading.
import { randomBytes } from 'node:crypto';
import { WaitTimeoutError, waitFor } from '@obs/test-support/wait';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { metricValueAt } from '../helpers/metrics-text.js';
import { buildEngine, EngineProcess } from '../sinks/engine-process.js';

const MiB = 1024 * 1024;

const SMALL_BUDGET = {
  NODE_OPTIONS: '--max-old-space-size=384',
  ENGINE_MEMORY_LIMIT_BYTES: String(64 * MiB),
  CORR_WINDOW_SECONDS: '2',
  BODY_LIMIT_BYTES: String(4 * MiB),
};

const message = 'm'.repeat(8000);
/** 200 logs of 8,000 characters, each its own trace, all of one circuit. */
const body = () =>
  JSON.stringify({
    resource: { service: 'load' },
    records: Array.from({ length: 200 }, () => ({ message, trace_id: randomBytes(16).toString('hex'), circuit_id: 'CKT-LOAD' })),
  });

const postLogs = (engine: EngineProcess) =>
  fetch(`${engine.url}/api/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body() });

/** Waits (test-support's poll) up to `ms` for /ready to answer 200; returns its last answer and when it came. */
async function readyWithin(engine: EngineProcess, ms: number): Promise<{ status: number; text: string; afterMs: number }> {
  const start = Date.now();
  const last = { status: 0, text: '' };
  const probe = async () => {
    const res = await fetch(`${engine.url}/ready`);
    Object.assign(last, { status: res.status, text: await res.text() });
    return res.status === 200;
  };
  await waitFor('/ready to answer 200', probe, ms).catch((err: unknown) => {
    if (!(err instanceof WaitTimeoutError)) throw err;
  });
  return { ...last, afterMs: Date.now() - start };
}

describe('engine process under a small memory budget', () => {
  // A fresh engine per test: the second one starts from an engine that has never refused.
  let engine: EngineProcess;
  beforeAll(() => buildEngine());
  beforeEach(async () => {
    engine = await EngineProcess.start(SMALL_BUDGET);
  });
  afterEach(async () => engine?.stop());

  it('sheds in order while fed past its budget, answers only 2xx or 503 + Retry-After, and recovers', async () => {
    const statuses = new Map<number, number>();
    let missingRetryAfter = 0;
    const deadline = Date.now() + 20_000;
    const worker = async () => {
      while (Date.now() < deadline && (statuses.get(503) ?? 0) < 50) {
        const res = await postLogs(engine);
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 503 && !res.headers.get('retry-after')) missingRetryAfter += 1;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const seen = Object.fromEntries(statuses);
    const shedAt = await (await fetch(`${engine.url}/metrics`)).text();
    console.log(
      `[memory] statuses=${JSON.stringify(seen)} windows_closed_early=${metricValueAt(shedAt, 'engine_memory_shed_total', { reason: 'windows_closed_early' })} peak_rss_mb=${(engine.peakRssBytes / MiB).toFixed(1)}`,
    );

    expect(engine.child.exitCode, engine.output).toBeNull();
    expect(
      Object.keys(seen)
        .map(Number)
        .every((s) => s === 202 || s === 503),
      JSON.stringify(seen),
    ).toBe(true);
    expect(seen[202]).toBeGreaterThan(0);
    expect(seen[503], JSON.stringify(seen)).toBeGreaterThan(0);
    expect(missingRetryAfter).toBe(0);
    expect((await fetch(`${engine.url}/health`)).status).toBe(200);

    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    expect(metricValueAt(metrics, 'engine_memory_budget_bytes', { source: 'env' })).toBe(64 * MiB);
    expect(metricValueAt(metrics, 'engine_memory_shed_total', { reason: 'windows_closed_early' })).toBeGreaterThan(0);
    expect(metricValueAt(metrics, 'engine_memory_shed_total', { reason: 'ingest_refused' })).toBeGreaterThan(0);

    // Load stopped: windows close, bodies are gone, and the engine is ready again.
    const ready = await readyWithin(engine, 20_000);
    expect(ready.status, ready.text).toBe(200);
    const after = await postLogs(engine);
    expect(after.status).toBe(202);
    expect(engine.peakRssBytes).toBeLessThan(512 * MiB);
  }, 60_000);

  it('after a refusal the heap reading started, is ready again within seconds of the load stopping: the dead bodies are collected, not waited for', async () => {
    // Two clients until the first refusal, then nothing: the heap reading that refused is mostly
    // request bodies already answered, and an idle process may not collect them for minutes.
    let refused = 0;
    const deadline = Date.now() + 20_000;
    const worker = async () => {
      while (Date.now() < deadline && refused === 0) {
        const res = await postLogs(engine);
        await res.arrayBuffer();
        if (res.status === 503) refused += 1;
        else expect(res.status).toBe(202);
      }
    };
    await Promise.all([worker(), worker()]);
    expect(refused, 'the load never reached the budget').toBeGreaterThan(0);

    const ready = await readyWithin(engine, 12_000);
    expect(ready.status, ready.text).toBe(200);
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    expect(metricValueAt(metrics, 'engine_memory_collections_total')).toBeGreaterThan(0);
    console.log(`[memory] ready ${ready.afterMs} ms after the load stopped; ${ready.text}`);
  }, 60_000);
});
