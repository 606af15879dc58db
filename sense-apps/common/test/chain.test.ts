// The three sense apps as real processes exporting OTLP/JSON to an in-test receiver: one
// request to beorn must become one trace over beorn -> palantir -> arda whose every span and
// log carries the business keys.
import { connect } from 'node:net';
import { BUSINESS_KEYS } from '@obs/shared-constants';
import { SENSE_APPS, type SenseAppChain, startSenseAppChain } from '@obs/test-support/sense-apps';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpJsonReceiver, type ReceivedSpan, startOtlpJsonReceiver } from './helpers/otlp-json-receiver.js';
import { buildPackages, eventually } from './helpers/processes.js';

const SERVICES = SENSE_APPS;
const KEYS = BUSINESS_KEYS;

let receiver: OtlpJsonReceiver;
let chain: SenseAppChain;
let urls: Record<string, string>;

beforeAll(async () => {
  buildPackages('sense-apps/common', 'sense-apps/beorn', 'sense-apps/palantir', 'sense-apps/arda');
  receiver = await startOtlpJsonReceiver();
  chain = await startSenseAppChain({
    otlpEndpoint: receiver.url,
    env: {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      DEPLOYMENT_ENVIRONMENT: 'test',
    },
  });
  urls = chain.urls;
}, 120_000);

afterAll(async () => {
  await chain?.stop();
  await receiver?.close();
});

function spansWith(requestId: string): ReceivedSpan[] {
  return receiver.spans.filter((s) => s.attributes.request_id === requestId);
}

/** Waits until each service has exported at least its server span for the request. */
async function traceOf(requestId: string): Promise<ReceivedSpan[]> {
  return eventually(
    () => {
      const spans = spansWith(requestId);
      const services = new Set(spans.map((s) => s.service));
      return SERVICES.every((s) => services.has(s)) && spans.some((s) => s.service === 'beorn' && s.name.startsWith('GET'))
        ? spans
        : undefined;
    },
    10_000,
    `spans of request ${requestId} from all three services`,
  );
}

/** Sends a raw request line (fetch would normalise the target) and returns the status code. */
function rawStatus(baseUrl: string, target: string): Promise<number> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let data = '';
    socket.on('data', (c: Buffer) => (data += c.toString()));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

describe('beorn -> palantir -> arda', () => {
  it('makes one trace whose every span carries the five business keys, and logs carrying its trace_id', async () => {
    const query = 'circuit_id=CIR-CHAIN-1&product_id=PROD-7&resource_id=RES-42&resource_type_id=RT-ROUTER';
    const res = await fetch(`${urls.beorn}/api/test?${query}`, { headers: { 'x-request-id': 'req-chain-1' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { downstream: { downstream: { service: string } } };
    expect(body.downstream.downstream.service).toBe('arda');

    await traceOf('req-chain-1');
    // Give late batches (client spans end after server spans) a moment.
    await new Promise((r) => setTimeout(r, 500));
    const traceIds = new Set(spansWith('req-chain-1').map((s) => s.traceId));
    expect(traceIds.size).toBe(1);
    const [traceId] = [...traceIds];

    const trace = receiver.spans.filter((s) => s.traceId === traceId);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(SERVICES));
    // Server, framework, client and custom spans: far more than one per service.
    expect(trace.length).toBeGreaterThanOrEqual(8);
    expect(trace.some((s) => s.name === 'arda.provision')).toBe(true);
    const expected = {
      circuit_id: 'CIR-CHAIN-1',
      product_id: 'PROD-7',
      resource_id: 'RES-42',
      resource_type_id: 'RT-ROUTER',
      request_id: 'req-chain-1',
    };
    for (const span of trace) {
      const got = Object.fromEntries(KEYS.map((k) => [k, span.attributes[k]]));
      expect(got, `${span.service} span "${span.name}"`).toEqual(expected);
    }
    for (const span of trace) {
      expect(span.resource['service.version']).toBe('0.1.0');
      expect(span.resource['deployment.environment.name']).toBe('test');
    }

    const logs = await eventually(
      () => {
        const found = receiver.logs.filter((l) => l.traceId === traceId);
        return SERVICES.every((s) => found.some((l) => l.service === s)) ? found : undefined;
      },
      10_000,
      'logs of all three services with the trace id',
    );
    for (const log of logs) expect(log.attributes.circuit_id, `${log.service}: ${log.body}`).toBe('CIR-CHAIN-1');
  });

  it('generates request_id when absent and uses the same one on every hop', async () => {
    const res = await fetch(`${urls.beorn}/api/test?circuit_id=CIR-GEN`);
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id') ?? '';
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as {
      keys: { request_id: string };
      downstream: { keys: { request_id: string }; downstream: { keys: { request_id: string } } };
    };
    expect(body.downstream.keys.request_id).toBe(requestId);
    expect(body.downstream.downstream.keys.request_id).toBe(requestId);
    const spans = await traceOf(requestId);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
  });

  it('fail=true: arda records the exception with ERROR status, beorn answers 502 naming arda, nothing crashes', async () => {
    const res = await fetch(`${urls.beorn}/api/test?circuit_id=CIR-FAIL&fail=true`, { headers: { 'x-request-id': 'req-fail-1' } });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: string; failedHop: string; message: string };
    expect(body.failedHop).toBe('arda');
    expect(body.message).toMatch(/^arda failed: provisioning failed for circuit CIR-FAIL$/);

    const provision = await eventually(
      () => receiver.spans.find((s) => s.attributes.request_id === 'req-fail-1' && s.name === 'arda.provision'),
      10_000,
      'the arda.provision span',
    );
    expect(provision.statusCode).toBe(2);
    expect(provision.events.some((e) => e.name === 'exception' && String(e.attributes['exception.message']).includes('CIR-FAIL'))).toBe(
      true,
    );

    for (const app of SERVICES) expect((await fetch(`${urls[app]}/health`)).status).toBe(200);
  });

  it('rejects an over-long or malformed business key with a 400 naming it, on Express and Fastify', async () => {
    const long = 'X'.repeat(129);
    for (const app of SERVICES) {
      const res = await fetch(`${urls[app]}/api/test?circuit_id=${long}`);
      expect(res.status, app).toBe(400);
      const body = (await res.json()) as { key: string; message: string };
      expect(body.key).toBe('circuit_id');
      expect(body.message).toContain('longer than 128');
    }
    const bad = await fetch(`${urls.arda}/api/test`, { headers: { 'x-resource-id': 'a b' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { key: string }).key).toBe('resource_id');
    const badFlag = await fetch(`${urls.beorn}/api/test?fail=maybe`);
    expect(badFlag.status).toBe(400);
  });

  it('survives request targets that are not URLs', async () => {
    for (const app of SERVICES) {
      const status = await rawStatus(urls[app] as string, '//[?circuit_id=C-RAW');
      expect(status, app).toBeGreaterThanOrEqual(400);
      expect(status, app).toBeLessThan(500);
      expect((await fetch(`${urls[app]}/health`)).status, app).toBe(200);
    }
  });
});
