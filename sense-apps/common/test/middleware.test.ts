// The Express and Fastify adapters in-process, with a real TracerProvider, the
// AsyncLocalStorage context manager and an in-memory exporter: every span started during the
// request (before and after the middleware) must carry the keys, and the next hop must
// receive them as headers and W3C baggage.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import express, { type Express } from 'express';
import Fastify, { type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BusinessKeysSpanProcessor } from '../src/business-keys/business-keys-span-processor.js';
import { businessKeysMiddleware, expressBusinessKeys } from '../src/business-keys/express-business-keys.js';
import { businessKeysPlugin, withBusinessKeys } from '../src/business-keys/fastify-business-keys.js';
import { callNextHop } from '../src/relay/next-hop.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new BusinessKeysSpanProcessor(), new SimpleSpanProcessor({ exporter })] });
const contextManager = new AsyncLocalStorageContextManager();
const tracer = provider.getTracer('test');

// Records what the next hop receives (it runs outside any span).
let hopRequests: IncomingMessage[] = [];
let hop: Server;
let hopUrl: string;

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);
  hop = createServer((req, res) => {
    hopRequests.push(req);
    res.setHeader('content-type', 'application/json');
    res.end('{"service":"hop"}');
  });
  hop.listen(0, '127.0.0.1');
  await once(hop, 'listening');
  hopUrl = `http://127.0.0.1:${(hop.address() as AddressInfo).port}`;
});

afterAll(async () => {
  hop.close();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

beforeEach(() => {
  exporter.reset();
  hopRequests = [];
});

/** Stands in for the http instrumentation: a server span active around the whole request. */
function withServerSpan(listener: (req: IncomingMessage, res: import('node:http').ServerResponse) => void) {
  return (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    const span = tracer.startSpan(`${req.method} server`, {}, ROOT_CONTEXT);
    res.once('finish', () => span.end());
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => listener(req, res));
  };
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const QUERY = 'circuit_id=C-1&product_id=P-1&resource_id=R-1&resource_type_id=RT-1';
const EXPECTED = { circuit_id: 'C-1', product_id: 'P-1', resource_id: 'R-1', resource_type_id: 'RT-1', request_id: 'REQ-1' };

function expectEverySpanHasKeys(minSpans: number) {
  const spans = exporter.getFinishedSpans();
  expect(spans.length).toBeGreaterThanOrEqual(minSpans);
  for (const span of spans) {
    const got = Object.fromEntries(Object.keys(EXPECTED).map((k) => [k, span.attributes[k]]));
    expect(got, `span "${span.name}"`).toEqual(EXPECTED);
  }
}

function expectHopGotKeys() {
  expect(hopRequests).toHaveLength(1);
  const headers = hopRequests[0]?.headers ?? {};
  expect(headers['x-circuit-id']).toBe('C-1');
  expect(headers['x-resource-type-id']).toBe('RT-1');
  expect(headers['x-request-id']).toBe('REQ-1');
}

describe('Express adapter', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const app: Express = express();
    app.use(businessKeysMiddleware());
    app.get('/work', async (_req, res) => {
      const keys = expressBusinessKeys(res);
      // A child span started after the middleware, across an await.
      await tracer.startActiveSpan('child.work', async (span) => {
        await new Promise((r) => setTimeout(r, 5));
        await callNextHop({ name: 'hop', url: hopUrl }, keys);
        span.end();
      });
      res.json({ keys });
    });
    server = createServer(withServerSpan(app));
    url = await listen(server);
  });

  afterAll(() => server.close());

  it('puts the keys on the server span and on spans started later, and forwards them', async () => {
    const res = await fetch(`${url}/work?${QUERY}`, { headers: { 'x-request-id': 'REQ-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('REQ-1');
    await new Promise((r) => setTimeout(r, 20));
    expectEverySpanHasKeys(2);
    expectHopGotKeys();
  });

  it('answers 400 naming the key for an over-long value', async () => {
    const res = await fetch(`${url}/work?circuit_id=${'z'.repeat(200)}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_business_key', key: 'circuit_id' });
  });
});

describe('Fastify adapter', () => {
  let app: ReturnType<typeof Fastify>;
  let url: string;

  beforeAll(async () => {
    // Same as businessKeysServerFactory, with the test's server span outermost, where the
    // http instrumentation puts it (it wraps the server's 'request' event).
    app = Fastify({ serverFactory: (handler) => createServer(withServerSpan(withBusinessKeys(handler))) });
    await app.register(businessKeysPlugin);
    app.get('/work', async (request: FastifyRequest) => {
      await tracer.startActiveSpan('child.work', async (span) => {
        await callNextHop({ name: 'hop', url: hopUrl }, request.businessKeys);
        span.end();
      });
      return { keys: request.businessKeys };
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(() => app.close());

  it('puts the keys on every span and forwards them', async () => {
    const res = await fetch(`${url}/work?${QUERY}`, { headers: { 'x-request-id': 'REQ-1' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { keys: unknown }).keys).toEqual(EXPECTED);
    await new Promise((r) => setTimeout(r, 20));
    expectEverySpanHasKeys(2);
    expectHopGotKeys();
  });

  it('generates request_id when absent and echoes it', async () => {
    const res = await fetch(`${url}/work?circuit_id=C-2`);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(hopRequests[0]?.headers['x-request-id']).toBe(id);
  });

  it('answers 400 naming the key for a malformed header', async () => {
    const res = await fetch(`${url}/work`, { headers: { 'x-product-id': 'has space' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_business_key', key: 'product_id' });
  });
});
