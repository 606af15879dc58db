// A cluster answer when peers fail: a stopped replica, a peer that never answers and peers that
// answer huge or garbage bodies are listed in X-Unavailable-Peers, the rest is answered (200,
// never 5xx), and no peer makes the asking replica wait past ENGINE_PEER_TIMEOUT_MS or hold
// more than its answer cap.
import { createServer, type Server, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { MiB, memoryTestApp } from '../../helpers/memory-app.js';
import { type Replica, startReplicas, stopReplicas } from '../../helpers/replicas.js';

let replicas: Replica[] = [];
const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  await stopReplicas(replicas);
  replicas = [];
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A TCP server that answers every connection with `respond` (raw bytes, or nothing at all). */
async function fakePeer(respond: (socket: Socket) => void): Promise<string> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => respond(socket));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

const head = (status: string, headers: Record<string, string | number>) =>
  `HTTP/1.1 ${status}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

const RUN = { 'x-engine-run': 'fakepeer1', 'content-type': 'application/json' };

async function postOneLogEach(): Promise<void> {
  for (const [i, r] of replicas.entries()) {
    const res = await fetch(`${r.url}/api/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resource: { service: `svc-${i}` }, records: [{ message: `from-${i}` }] }),
    });
    expect(res.status).toBe(202);
  }
}

async function clusterLogs(r: Replica) {
  const res = await fetch(`${r.url}/api/logs?limit=1000`);
  const body = (await res.json()) as { message: string }[];
  return {
    status: res.status,
    unavailable: (res.headers.get('x-unavailable-peers') ?? '').split(', ').filter(Boolean),
    messages: body.map((l) => l.message).sort(),
  };
}

describe('cluster answers when peers fail', () => {
  it('lists a stopped replica as unavailable and answers with the others', async () => {
    replicas = await startReplicas(3);
    await postOneLogEach();
    const stopped = replicas.pop() as Replica;
    await stopped.app.close();
    for (const r of replicas) {
      const res = await clusterLogs(r);
      expect(res.status).toBe(200);
      expect(res.unavailable).toEqual([stopped.url]);
      expect(res.messages).toEqual(['from-0', 'from-1']);
    }
    // Open windows and closed events too.
    const events = await fetch(`${replicas[0]?.url}/api/correlations?state=all`);
    expect(events.status).toBe(200);
    expect(events.headers.get('x-unavailable-peers')).toBe(stopped.url);
  });

  it('gives up on a peer that never answers after ENGINE_PEER_TIMEOUT_MS', async () => {
    const silent = await fakePeer(() => {}); // reads the request, never writes
    const trickle = await fakePeer((socket) => {
      // Headers, then one byte of body now and then: the timeout covers the body too.
      socket.write(head('200 OK', { ...RUN, 'transfer-encoding': 'chunked' }));
      const timer = setInterval(() => socket.write('1\r\n[\r\n'), 50);
      socket.on('close', () => clearInterval(timer));
    });
    replicas = await startReplicas(2, { extraPeers: [silent, trickle], env: { ENGINE_PEER_TIMEOUT_MS: '300' } });
    await postOneLogEach();
    const res = await clusterLogs(replicas[0] as Replica);
    expect(res.status).toBe(200);
    expect(res.unavailable.sort()).toEqual([silent, trickle].sort());
    expect(res.messages).toEqual(['from-0', 'from-1']);
  });

  it('bounds what a hostile peer sends and reports it, never answering 5xx', async () => {
    const cap = 64 * 1024;
    const hostile = await Promise.all([
      // An endless body.
      fakePeer((socket) => {
        socket.write(head('200 OK', { ...RUN, 'transfer-encoding': 'chunked' }));
        const chunk = `10000\r\n${'['.repeat(0x10000)}\r\n`;
        const pump = () => {
          while (!socket.destroyed && socket.write(chunk)) {}
          if (!socket.destroyed) socket.once('drain', pump);
        };
        pump();
      }),
      // A declared length far over the cap.
      fakePeer((socket) => socket.write(head('200 OK', { ...RUN, 'content-length': 10 * 1024 ** 3 }))),
      // A gzip bomb: 64 KiB on the wire, 64 MiB inflated.
      fakePeer((socket) => {
        const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
        socket.end(
          Buffer.concat([Buffer.from(head('200 OK', { ...RUN, 'content-encoding': 'gzip', 'content-length': bomb.length })), bomb]),
        );
      }),
      // Not JSON, JSON of the wrong shape, an item without its cursor, no run id, a redirect, an error.
      ...[
        ['200 OK', RUN, '\u0000\u00ff garbage {'],
        ['200 OK', RUN, '{"items":[]}'],
        ['200 OK', RUN, '[{"i":{"message":"no cursor"}}]'],
        ['200 OK', { 'content-type': 'application/json' }, '[]'],
        ['302 Found', { location: 'http://127.0.0.1:9/steal' }, ''],
        ['500 Internal Server Error', RUN, '{}'],
      ].map(([status, headers, body]) =>
        fakePeer((socket) =>
          socket.end(`${head(status as string, { ...(headers as object), 'content-length': Buffer.byteLength(body as string) })}${body}`),
        ),
      ),
    ]);
    replicas = await startReplicas(2, {
      extraPeers: hostile,
      env: { QUERY_RESPONSE_MAX_BYTES: String(cap), ENGINE_PEER_TIMEOUT_MS: '5000' },
    });
    await postOneLogEach();
    for (const r of replicas) {
      const res = await clusterLogs(r);
      expect(res.status).toBe(200);
      expect(res.unavailable.sort()).toEqual([...hostile].sort());
      expect(res.messages).toEqual(['from-0', 'from-1']);
    }
    // Still serving, and /health is not affected.
    expect((await fetch(`${replicas[0]?.url}/health`)).status).toBe(200);
  });

  it('cuts a peer’s endless or stalled answer to a detail request, and says who did not answer', async () => {
    const endless = await fakePeer((socket) => {
      socket.write(head('200 OK', { 'content-type': 'text/html', 'transfer-encoding': 'chunked' }));
      const chunk = `10000\r\n${'<'.repeat(0x10000)}\r\n`;
      const pump = () => {
        while (!socket.destroyed && socket.write(chunk)) {}
        if (!socket.destroyed) socket.once('drain', pump);
      };
      pump();
    });
    const stalled = await fakePeer((socket) => socket.write(head('200 OK', { 'content-type': 'application/json', 'content-length': 100 })));
    const refusing = await fakePeer((socket) => socket.end(head('500 Internal Server Error', { 'content-length': 0 })));
    for (const [peer, env] of [
      [endless, { CORR_MAX_LOGS_PER_WINDOW: '0', CORR_MAX_SPANS_PER_WINDOW: '0' }],
      [stalled, { ENGINE_PEER_TIMEOUT_MS: '300' }],
    ] as const) {
      replicas = await startReplicas(1, { extraPeers: [peer], env });
      // The answer ends, cut (the connection closed) instead of running on; never a 5xx.
      const outcome = await fetch(`${replicas[0]?.url}/api/correlations/${'ab'.repeat(16)}`).then(
        async (res) => {
          expect(res.status).toBe(200);
          expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
          return res.text().then(
            () => 'whole',
            () => 'cut',
          );
        },
        () => 'cut',
      );
      expect(outcome).toBe('cut');
      expect((await fetch(`${replicas[0]?.url}/health`)).status).toBe(200);
      await stopReplicas(replicas);
    }
    replicas = await startReplicas(2, { extraPeers: [refusing] });
    const res = await fetch(`${replicas[0]?.url}/api/logs/bm90LW91cnM`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-unavailable-peers')).toBe(refusing);
  });

  it('does not gather while memory is short: 503 with Retry-After, scope=local still answers', async () => {
    replicas = await startReplicas(1);
    const { app, heap } = await memoryTestApp({ ENGINE_PEERS: replicas[0]?.url as string });
    try {
      expect((await app.inject('/api/logs')).headers['x-cluster-replicas']).toBe('2');
      heap.used = 16 * MiB; // the whole budget; sampled on the next tick
      app.engine.pipeline.tick();
      const refused = await app.inject('/api/logs');
      expect(refused.statusCode).toBe(503);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.json().message).toContain('scope=local');
      expect((await app.inject('/api/logs?scope=local')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
