// The correlator's drops are tallied per record and reach correlation_records_dropped_total at
// scrape time (metrics.ts countDropped): each scrape shows the total so far, once.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { metricValue, testApp } from '../helpers/app.js';

let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
});

const traceId = (i: number): string => i.toString(16).padStart(32, '0');

async function postLogs(records: object[]): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/logs',
    payload: { resource: { service: 'mdso' }, records },
  });
  expect(res.statusCode).toBe(202);
}

describe('correlation_records_dropped_total', () => {
  it('counts link fan-out drops once per scrape, and adds later ones to the total', async () => {
    app = await testApp();
    // 12 open windows share one circuit id; a trace-less line with it joins the newest 10 (the fan-out cap).
    await postLogs(Array.from({ length: 12 }, (_, i) => ({ message: 'step', trace_id: traceId(i + 1), circuit_id: 'CKT-1' })));
    await postLogs([{ message: 'orchestrator line', circuit_id: 'CKT-1' }]);

    expect(await metricValue(app, 'correlation_records_dropped_total', { reason: 'link_fanout_cap' })).toBe(2);
    // A second scrape does not count the same drops again.
    expect(await metricValue(app, 'correlation_records_dropped_total', { reason: 'link_fanout_cap' })).toBe(2);

    await postLogs([{ message: 'another line', circuit_id: 'CKT-1' }]);
    expect(await metricValue(app, 'correlation_records_dropped_total', { reason: 'link_fanout_cap' })).toBe(4);
  });
});
