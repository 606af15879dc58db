// CORR_MAX_WAITING_LOGS: how many trace-less logs wait for a later trace with their key. When the
// list is full the oldest leaves first and is counted; a trace arriving later finds only the rest.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { CorrelationEvent } from '../../src/model/types.js';
import { ManualClock, metricValue, testApp } from '../helpers/app.js';
import { traceOf, tracesBody } from '../helpers/otlp-json.js';

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

/** Three orchestrator lines without trace context, one per circuit, oldest first; then one trace per circuit. */
async function linkedPerCircuit(env: Record<string, string>): Promise<{ linked: number[]; waitingDropped: number }> {
  const clock = new ManualClock();
  app = await testApp({ clock, env });
  const circuits = ['CW-1', 'CW-2', 'CW-3'];
  const logs = await app.inject({
    method: 'POST',
    url: '/api/logs',
    payload: { resource: { service: 'mdso' }, records: circuits.map((c) => ({ message: `activation requested circuit_id=${c}` })) },
  });
  expect(logs.statusCode).toBe(202);
  clock.advance(1000);
  const spans = await app.inject({
    method: 'POST',
    url: '/api/otlp/v1/traces',
    payload: tracesBody(
      circuits.map((circuit, i) => ({ trace: traceOf(i + 1), circuit })),
      clock.ms,
    ),
  });
  expect(spans.statusCode).toBe(200);
  const linked: number[] = [];
  for (let i = 0; i < circuits.length; i++) {
    const res = await app.inject(`/api/correlations/${traceOf(i + 1)}`);
    expect(res.statusCode, res.body).toBe(200);
    linked.push((res.json() as CorrelationEvent).linkedLogCount);
  }
  return { linked, waitingDropped: await metricValue(app, 'correlation_records_dropped_total', { reason: 'grace_buffer_full' }) };
}

describe('CORR_MAX_WAITING_LOGS', () => {
  it('by default every trace-less log waits, so each later trace picks up its own', async () => {
    expect(await linkedPerCircuit({})).toEqual({ linked: [1, 1, 1], waitingDropped: 0 });
  });

  it('at 2, the oldest waiting log leaves for the third, counted; its trace finds nothing', async () => {
    expect(await linkedPerCircuit({ CORR_MAX_WAITING_LOGS: '2' })).toEqual({ linked: [0, 1, 1], waitingDropped: 1 });
  });

  it('refuses 0 at start with the variable named', async () => {
    await expect(testApp({ env: { CORR_MAX_WAITING_LOGS: '0' } })).rejects.toThrow(/CORR_MAX_WAITING_LOGS/);
  });
});
