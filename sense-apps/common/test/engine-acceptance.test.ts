// Acceptance across processes: the real correlation engine (built dist) and the three sense
// apps exporting OTLP/HTTP protobuf straight to it. One call to beorn must come out of the
// engine as one correlation event holding spans of all three services with the business
// keys, and the logs of all three services must carry its trace_id.
import { type RunningEngine, startEngine } from '@obs/test-support/engine';
import { type SenseAppChain, startSenseAppChain } from '@obs/test-support/sense-apps';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackages, eventually } from './helpers/processes.js';

const CHAIN = ['beorn', 'palantir', 'arda'] as const;
const WINDOW_SECONDS = 2;

interface EventLike {
  traceId: string;
  continuation: boolean;
  services: string[];
  spanCount: number;
  keys: Record<string, string[]>;
  rootSpan: { service: string; name: string } | null;
  detail: { spans: { service: string; name: string; keys?: Record<string, string> }[]; spansCapped: boolean };
}

interface LogLike {
  service: string;
  traceId?: string;
  keys: Record<string, string>;
  message: string;
}

let engine: RunningEngine | undefined;
let chain: SenseAppChain | undefined;
let engineUrl: string;
let urls: Record<string, string>;

beforeAll(async () => {
  buildPackages('correlation-engine', 'sense-apps/common', 'sense-apps/beorn', 'sense-apps/palantir', 'sense-apps/arda');
  engine = await startEngine({ env: { CORR_WINDOW_SECONDS: String(WINDOW_SECONDS) } });
  engineUrl = engine.url;
  chain = await startSenseAppChain({
    // Straight to the engine, default protocol (http/protobuf), like `make demo`.
    otlpEndpoint: `${engineUrl}/api/otlp`,
    env: { OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BLRP_SCHEDULE_DELAY: '200' },
  });
  urls = chain.urls;
}, 180_000);

afterAll(async () => {
  await chain?.stop();
  await engine?.stop();
});

describe('sense apps -> correlation engine', () => {
  it('one call to beorn is one correlated trace over all three services with all five keys', async () => {
    const circuit = `CIR-ACC-${Date.now()}`;
    const res = await fetch(`${urls.beorn}/api/test?circuit_id=${circuit}`, {
      headers: { 'x-product-id': 'PROD-ACC', 'x-resource-id': 'RES-ACC', 'x-resource-type-id': 'RT-ACC', 'x-request-id': 'req-acc-1' },
    });
    expect(res.status).toBe(200);
    const { trace_id: traceId } = (await res.json()) as { trace_id: string };
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const events = await eventually(
      async () => {
        const r = await fetch(`${engineUrl}/api/correlations?circuit_id=${circuit}`);
        const list = (await r.json()) as EventLike[];
        return list.length > 0 ? list : undefined;
      },
      WINDOW_SECONDS * 1000 + 15_000,
      `a correlation event for circuit ${circuit}`,
    );
    // Let any straggler window (a late batch) close too before counting.
    await new Promise((r) => setTimeout(r, WINDOW_SECONDS * 1000 + 1000));
    const all = (await (await fetch(`${engineUrl}/api/correlations?circuit_id=${circuit}`)).json()) as EventLike[];
    expect(all.length, 'events for the circuit').toBe(1);
    expect(events[0]?.traceId).toBe(traceId);

    const [event] = all as [EventLike];
    expect(event.traceId).toBe(traceId);
    expect(event.continuation).toBe(false);
    expect([...event.services].sort()).toEqual([...CHAIN].sort());
    expect(event.rootSpan).toMatchObject({ service: 'beorn' });
    expect(event.detail.spansCapped).toBe(false);
    expect(event.detail.spans.length).toBe(event.spanCount);
    for (const app of CHAIN)
      expect(
        event.detail.spans.some((s) => s.service === app),
        `spans of ${app}`,
      ).toBe(true);
    expect(event.detail.spans.some((s) => s.name === 'arda.provision')).toBe(true);
    const expectedKeys = {
      circuit_id: circuit,
      product_id: 'PROD-ACC',
      resource_id: 'RES-ACC',
      resource_type_id: 'RT-ACC',
      request_id: 'req-acc-1',
    };
    // Every span, not only the server spans, carries all five keys.
    for (const s of event.detail.spans) expect(s.keys, `${s.service}: ${s.name}`).toEqual(expectedKeys);
    expect(event.keys).toEqual(Object.fromEntries(Object.entries(expectedKeys).map(([k, v]) => [k, [v]])));

    const logs = (await (await fetch(`${engineUrl}/api/logs?trace_id=${traceId}&limit=200`)).json()) as LogLike[];
    for (const app of CHAIN)
      expect(
        logs.some((l) => l.service === app),
        `logs of ${app}`,
      ).toBe(true);
    for (const log of logs) {
      expect(log.traceId, `${log.service}: ${log.message}`).toBe(traceId);
      expect(log.keys, `${log.service}: ${log.message}`).toMatchObject({ circuit_id: circuit, request_id: 'req-acc-1' });
    }
  });
});
