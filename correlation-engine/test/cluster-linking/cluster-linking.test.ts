// Linking across replicas, engine side: two apps with ENGINE_CLUSTER_GATEWAY_URL pointing at a
// stand-in gateway (a real HTTP server) that routes each cluster record the way the scale
// overlay's load balancer does: key-routed records to the key owner (replica B here), trace-routed
// ones to the replica holding the trace. Everything goes in through the OTLP/HTTP route and comes
// out of /api/correlations, /api/logs and /metrics.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@obs/test-support/wait';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, metricValue, testApp } from '../helpers/app.js';
import { captureLog } from '../helpers/log-capture.js';
import { traceOf, tracesBody } from '../helpers/otlp-json.js';

interface Posted {
  attributes: { key: string; value: { stringValue?: string } }[];
  body: { stringValue: string };
}

const attr = (r: Posted, key: string) => r.attributes.find((a) => a.key === key)?.value.stringValue;

/** The stand-in gateway: records every cluster record it is sent and hands it to route(record). */
class StandInGateway {
  readonly received: Posted[] = [];
  private server: Server | undefined;
  failNext = 0;
  /** Status of each refusal (503: retried; a 4xx is a rejection the sender does not retry). */
  failStatus = 503;
  /** Retry-After sent with each refusal. */
  retryAfter = '0';
  route: (r: Posted) => FastifyInstance | undefined = () => undefined;
  private forwarding: Promise<unknown> = Promise.resolve();

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => {
        text += c;
      });
      req.on('end', () => {
        if (this.failNext > 0) {
          this.failNext -= 1;
          res.writeHead(this.failStatus, { 'retry-after': this.retryAfter }).end();
          return;
        }
        const body = JSON.parse(text) as { resourceLogs: { scopeLogs: { logRecords: Posted[] }[] }[] };
        const records = body.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
        this.received.push(...records);
        // Forwarded one by one, in order, as the load balancer splits a batch by route.
        for (const r of records) this.forwarding = this.forwarding.then(() => this.forward(r));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private async forward(r: Posted): Promise<void> {
    const target = this.route(r);
    if (!target) return;
    const res = await target.inject({
      method: 'POST',
      url: '/api/otlp/v1/logs',
      payload: { resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: [r] }] }] },
    });
    expect(res.statusCode).toBe(200);
  }

  /** Resolves once `n` records of `kind` were received and everything received was forwarded. */
  async settled(kind: string, n: number): Promise<void> {
    const until = Date.now() + 5000;
    while (this.received.filter((r) => attr(r, 'obs.cluster') === kind).length < n) {
      if (Date.now() > until) throw new Error(`gateway got fewer than ${n} ${kind} records`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.forwarding;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** A Blue Planet line without trace context, as Alloy sends it. */
function tracelessLog(message: string, timeMs: number) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [str('service.name', 'mdso')] },
        scopeLogs: [{ logRecords: [{ timeUnixNano: String(timeMs * 1e6), severityText: 'WARN', body: { stringValue: message } }] }],
      },
    ],
  };
}

interface Event {
  traceId: string;
  linkedLogCount: number;
  relatedTraces: { traceId: string; key: string; value: string }[];
  detail: { logs: { message: string; linkedBy?: { key: string; value: string } }[] };
}

describe('linking across replicas through the gateway', () => {
  let gateway = new StandInGateway();
  const apps: FastifyInstance[] = [];
  const dirs: string[] = [];
  const dataDir = (name: string) => {
    const dir = mkdtempSync(join(tmpdir(), `cluster-${name}-`));
    dirs.push(dir);
    return dir;
  };

  afterEach(async () => {
    // Closing an app sends what it still holds; the gateway forwards nothing to closed apps.
    gateway.route = () => undefined;
    await Promise.all(apps.splice(0).map((a) => a.close()));
    await gateway.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function cluster(extraEnv: Record<string, string> = {}, logStream?: NodeJS.WritableStream) {
    gateway = new StandInGateway();
    const url = await gateway.start();
    // One clock each: replicas do not share one, and a test may let one run ahead.
    const clockA = new ManualClock();
    const clockB = new ManualClock();
    const env = {
      ENGINE_CLUSTER_GATEWAY_URL: url,
      ENGINE_CLUSTER_LINGER_MS: '0',
      CORR_WINDOW_SECONDS: '60',
      QUEUE_SYNC: 'normal',
      ...extraEnv,
    };
    const a = await testApp({
      clock: clockA,
      env: { ENGINE_DATA_DIR: dataDir('a'), ...env, ENGINE_INSTANCE_ID: 'replica-a' },
      ...(logStream ? { logStream } : {}),
    });
    const b = await testApp({ clock: clockB, env: { ENGINE_DATA_DIR: dataDir('b'), ...env, ENGINE_INSTANCE_ID: 'replica-b' } });
    apps.push(a, b);
    const clock = {
      get ms() {
        return clockA.ms;
      },
      advance(ms: number) {
        clockA.advance(ms);
        clockB.advance(ms);
      },
    };
    return { a, b, clock, clockA };
  }

  const events = async (app: FastifyInstance): Promise<Event[]> =>
    (await app.inject({ method: 'GET', url: '/api/correlations?limit=100' })).json();
  const post = async (app: FastifyInstance, signal: 'traces' | 'logs', body: object) => {
    const res = await app.inject({ method: 'POST', url: `/api/otlp/v1/${signal}`, payload: body });
    expect(res.statusCode).toBe(200);
  };

  it('joins a trace-less log to a window on another replica, once, and lists related traces held elsewhere', async () => {
    const { a, b, clock } = await cluster();
    const [t1, t2, t3] = [traceOf(1), traceOf(2), traceOf(3)];
    const holder = new Map([
      [t1, a],
      [t2, a],
      [t3, b],
    ]);
    // B owns every key; a trace's records go to its holder.
    gateway.route = (r) => {
      const route = attr(r, 'obs.route') ?? '';
      return route.includes('=') ? b : holder.get(route);
    };

    // T1 on A carries CIRC-1: A sends its sighting to the owner.
    await post(a, 'traces', tracesBody([{ trace: t1, circuit: 'CIRC-1' }], clock.ms));
    await gateway.settled('sighting', 1);
    const sighting = gateway.received.find((r) => attr(r, 'obs.cluster') === 'sighting');
    expect(sighting && attr(sighting, 'obs.route')).toBe('circuit_id=CIRC-1');

    // A trace-less line reaches A: A keeps and lists it, and its probe goes to the owner, whose link comes back to A.
    await post(a, 'logs', tracelessLog('2026-11-25 10:00:01,000 WARN [bp] svc - port down circuit_id=CIRC-1', clock.ms));
    await gateway.settled('link', 1);
    const listed = (await a.inject({ method: 'GET', url: '/api/logs?limit=10' })).json() as { message: string }[];
    expect(listed.map((l) => l.message)).toEqual(['port down circuit_id=CIRC-1']);

    // A line for CIRC-2 reaches B before its trace: it waits at the owner; T2 opens on A later and is joined.
    await post(b, 'logs', tracelessLog('2026-11-25 10:00:02,000 ERROR [bp] svc - activation failed circuit_id=CIRC-2', clock.ms));
    await gateway.settled('probe', 2);
    await post(a, 'traces', tracesBody([{ trace: t2, circuit: 'CIRC-2' }], clock.ms));
    await gateway.settled('link', 2);

    // T3 on B shares CIRC-1 with T1 on A: the owner tells each about the other.
    await post(b, 'traces', tracesBody([{ trace: t3, circuit: 'CIRC-1' }], clock.ms));
    await gateway.settled('related', 2);

    // The gateway delivers at least once: the same link again changes nothing.
    const link = gateway.received.find((r) => attr(r, 'obs.cluster') === 'link' && attr(r, 'obs.route') === t1);
    if (!link) throw new Error('no link for T1');
    await post(a, 'logs', { resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: [link] }] }] });

    clock.advance(61_000);
    a.engine.pipeline.tick();
    b.engine.pipeline.tick();
    const onA = new Map((await events(a)).map((e) => [e.traceId, e]));
    const onB = new Map((await events(b)).map((e) => [e.traceId, e]));
    expect([...onA.keys()].sort()).toEqual([t1, t2]);
    expect([...onB.keys()]).toEqual([t3]);
    expect(onA.get(t1)?.linkedLogCount).toBe(1);
    expect(onA.get(t1)?.detail.logs).toEqual([
      expect.objectContaining({ message: 'port down circuit_id=CIRC-1', linkedBy: { key: 'circuit_id', value: 'CIRC-1' } }),
    ]);
    expect(onA.get(t2)?.detail.logs.map((l) => l.message)).toEqual(['activation failed circuit_id=CIRC-2']);
    expect(onA.get(t1)?.relatedTraces).toEqual([{ traceId: t3, key: 'circuit_id', value: 'CIRC-1' }]);
    expect(onB.get(t3)?.relatedTraces).toEqual([{ traceId: t1, key: 'circuit_id', value: 'CIRC-1' }]);
    expect(onA.get(t2)?.relatedTraces).toEqual([]);

    // Cluster records are not user logs: not listed on B, not counted as received.
    const onBLogs = (await b.inject({ method: 'GET', url: '/api/logs?limit=10' })).json() as { message: string }[];
    expect(onBLogs.map((l) => l.message)).toEqual(['activation failed circuit_id=CIRC-2']);
    expect(await metricValue(b, 'correlation_records_received_total', { signal: 'logs' })).toBe(1);
    expect(await metricValue(a, 'correlation_cluster_records_dropped_total', { reason: 'duplicate' })).toBe(1);
    expect(await metricValue(b, 'correlation_cluster_records_total', { kind: 'probe', direction: 'in' })).toBe(2);
    expect(await metricValue(a, 'correlation_cluster_records_total', { kind: 'link', direction: 'in' })).toBe(3);
  });

  it('keeps sending while the gateway refuses, and counts links for windows already closed as late', async () => {
    const { a, b, clockA } = await cluster();
    const t1 = traceOf(1);
    gateway.route = (r) => ((attr(r, 'obs.route') ?? '').includes('=') ? b : a);
    gateway.failNext = 2;
    await post(a, 'traces', tracesBody([{ trace: t1, circuit: 'CIRC-9' }], clockA.ms));
    await gateway.settled('sighting', 1);
    // A's window closes before the owner (whose clock is behind) answers.
    clockA.advance(61_000);
    a.engine.pipeline.tick();
    await post(b, 'logs', tracelessLog('late line circuit_id=CIRC-9', clockA.ms));
    await gateway.settled('link', 1);
    expect(await metricValue(a, 'correlation_cluster_records_dropped_total', { reason: 'late' })).toBe(1);
    const [event] = await events(a);
    expect(event?.linkedLogCount).toBe(0);
  });

  it('a gateway rejecting every send is logged once per status per 10 s, every rejected record counted', async () => {
    const log = captureLog();
    const { a, clockA } = await cluster({ LOG_LEVEL: 'info' }, log.stream);
    gateway.failStatus = 401;
    gateway.failNext = 1_000;
    // Five sends, one sighting each (linger 0: each window's key goes out on its own).
    for (let i = 1; i <= 5; i += 1) {
      await post(a, 'traces', tracesBody([{ trace: traceOf(i), circuit: `CIRC-R${i}` }], clockA.ms));
      const rejected = () => metricValue(a, 'correlation_cluster_records_dropped_total', { reason: 'rejected' });
      await waitFor(`${i} rejected cluster records`, async () => (await rejected()) >= i, 5000, 10);
      expect(await rejected()).toBe(i);
    }
    const lines = log.lines().filter((l) => String(l.msg).startsWith('gateway rejected cluster records'));
    expect(lines).toEqual([expect.objectContaining({ status: 401, records: 1, recordsNotLogged: 0, level: 50 })]);
  });

  it('refuses user data with 429 while the records the gateway has not taken are over their bound, never cluster records', async () => {
    const { a, b, clock } = await cluster({ ENGINE_CLUSTER_BUFFER_MAX_BYTES: '65536' });
    gateway.route = (r) => ((attr(r, 'obs.route') ?? '').includes('=') ? b : a);
    gateway.failNext = Number.MAX_SAFE_INTEGER;
    gateway.retryAfter = '1';
    // 400 windows with a circuit each: 400 sightings the gateway does not take, over 64 KiB.
    const many = Array.from({ length: 400 }, (_, i) => ({ trace: traceOf(100 + i), circuit: `CIRC-BULK-${i}` }));
    await post(a, 'traces', tracesBody(many, clock.ms));
    const refused = await a.inject({
      method: 'POST',
      url: '/api/otlp/v1/traces',
      payload: tracesBody([{ trace: traceOf(1), circuit: 'CIRC-1' }], clock.ms),
    });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const refusedLogs = await a.inject({
      method: 'POST',
      url: '/api/otlp/v1/logs',
      payload: tracelessLog('line circuit_id=CIRC-1', clock.ms),
    });
    expect(refusedLogs.statusCode).toBe(429);
    expect(await metricValue(a, 'correlation_cluster_buffer_bytes')).toBeGreaterThan(65536);
    expect((await a.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(503);
    // Cluster records from the other replicas are still applied: they are what lets the buffer drain.
    const related = {
      attributes: [str('obs.cluster', 'related')],
      body: { stringValue: `obs.cluster.v1 ${JSON.stringify([traceOf(100), traceOf(7), 'circuit_id', 'CIRC-BULK-0'])}` },
    };
    await post(a, 'logs', { resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: [related] }] }] });
    expect(await metricValue(a, 'correlation_cluster_records_total', { kind: 'related', direction: 'in' })).toBe(1);
    // The gateway takes them again: the buffer drains and ingest is accepted.
    gateway.failNext = 0;
    await gateway.settled('sighting', 400);
    const until = Date.now() + 5000;
    let status = 0;
    while (status !== 200 && Date.now() < until) {
      status = (await a.inject({ method: 'POST', url: '/api/otlp/v1/traces', payload: tracesBody([{ trace: traceOf(2) }], clock.ms) }))
        .statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
    expect(await metricValue(a, 'correlation_cluster_buffer_bytes')).toBe(0);
    expect((await a.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
  });

  it('keeps what the gateway did not take on disk, and the next start on the data directory sends it', async () => {
    gateway = new StandInGateway();
    const url = await gateway.start();
    const dir = dataDir('restart');
    const env = { ENGINE_CLUSTER_GATEWAY_URL: url, ENGINE_CLUSTER_LINGER_MS: '0', ENGINE_DATA_DIR: dir, QUEUE_SYNC: 'normal' };
    gateway.failNext = Number.MAX_SAFE_INTEGER;
    gateway.retryAfter = '1';
    const first = await testApp({ env: { ...env, ENGINE_INSTANCE_ID: 'replica-a' } });
    await post(first, 'logs', tracelessLog('fibre cut circuit_id=CIRC-7 resource_id=RES-7', Date.now()));
    await first.close();
    expect(gateway.received).toEqual([]);

    gateway.failNext = 0;
    const second = await testApp({ env: { ...env, ENGINE_INSTANCE_ID: 'replica-a' } });
    apps.push(second);
    await gateway.settled('probe', 2);
    expect(gateway.received.map((r) => attr(r, 'obs.route')).sort()).toEqual(['circuit_id=CIRC-7', 'resource_id=RES-7']);
    expect(await metricValue(second, 'correlation_cluster_records_total', { kind: 'probe', direction: 'out' })).toBe(2);
  });

  it('refuses a marked record it cannot read as undecodable, never as a user log', async () => {
    const { a } = await cluster();
    const bad = { attributes: [str('obs.cluster', 'link')], body: { stringValue: 'obs.cluster.v1 ["not-a-trace"]' } };
    await post(a, 'logs', { resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: [bad] }] }] });
    expect(await metricValue(a, 'correlation_cluster_records_dropped_total', { reason: 'undecodable' })).toBe(1);
    expect((await a.inject({ method: 'GET', url: '/api/logs' })).json()).toEqual([]);
  });
});
