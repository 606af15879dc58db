// One view of the cluster: three engine replicas on real sockets, each holding different logs and
// windows; any of them answers GET /api/logs and GET /api/correlations for all three, merged in
// the single-replica order, paged with the same caps by a cursor any replica continues.
import { afterEach, describe, expect, it } from 'vitest';
import type { CorrelationEvent } from '../../../src/model/types.js';
import { testApp } from '../../helpers/app.js';
import { traceOf, tracesBody } from '../../helpers/otlp-json.js';
import { type Replica, startReplicas, stopReplicas } from '../../helpers/replicas.js';

const BASE_MS = Date.parse('2026-11-25T10:00:00.000Z');
const PER_REPLICA = 20;

let replicas: Replica[] = [];
const extraApps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await stopReplicas(replicas);
  replicas = [];
  await Promise.all(extraApps.splice(0).map((a) => a.close()));
});

interface ListedLog {
  id: string;
  message: string;
  service: string;
  timeUnixMs: number;
}

async function get(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** Replica i holds logs r<i>-k<k> at BASE + (3k + i) s: the replicas' logs interleave in time. */
async function postInterleavedLogs(padding = false): Promise<string[]> {
  // Label values are kept up to 1 KiB each: five make a listed log of ~5 KiB.
  const labels = Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`pad${n}`, 'p'.repeat(1000)]));
  const expected: { message: string; at: number }[] = [];
  for (const [i, r] of replicas.entries()) {
    const records = [];
    for (let k = 0; k < PER_REPLICA; k += 1) {
      const at = BASE_MS + (3 * k + i) * 1000;
      const message = `r${i}-k${k}`;
      records.push({ timestamp: new Date(at).toISOString(), message, ...(padding ? { labels } : {}) });
      expected.push({ message, at });
    }
    const res = await get(`${r.url}/api/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resource: { service: `svc-${i}` }, records }),
    });
    expect(res.status, res.text).toBe(202);
  }
  return expected.sort((a, b) => b.at - a.at).map((e) => e.message);
}

describe('one view of the cluster', () => {
  it('any replica lists every replica’s logs, newest first, and scope=local lists its own', async () => {
    replicas = await startReplicas(3);
    const expected = await postInterleavedLogs();
    for (const r of replicas) {
      const res = await get(`${r.url}/api/logs?limit=1000`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-cluster-replicas')).toBe('3');
      expect(res.headers.get('x-unavailable-peers')).toBeNull();
      expect(res.headers.get('x-next-cursor')).toBeNull();
      expect((res.json() as ListedLog[]).map((l) => l.message)).toEqual(expected);
    }
    const local = await get(`${replicas[1]?.url}/api/logs?limit=1000&scope=local`);
    expect(local.headers.get('x-cluster-replicas')).toBeNull();
    const own = (local.json() as ListedLog[]).map((l) => l.message);
    expect(own).toHaveLength(PER_REPLICA);
    expect(own.every((m) => m.startsWith('r1-'))).toBe(true);
  });

  it('pages within the byte cap by a cursor that any replica continues, every log once and in order', async () => {
    replicas = await startReplicas(3, { env: { QUERY_RESPONSE_MAX_BYTES: String(64 * 1024) } });
    // ~5 KiB per listed log: 60 logs are ~300 KiB, so the byte cap ends the pages, not the limit.
    const expected = await postInterleavedLogs(true);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = replicas[pages % 3] as Replica;
      const res = await get(`${r.url}/api/logs?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, res.text).toBe(200);
      expect(Buffer.byteLength(res.text)).toBeLessThanOrEqual(64 * 1024);
      const link = res.headers.get('link');
      cursor = res.headers.get('x-next-cursor');
      if (cursor) expect(link).toContain(`cursor=${cursor}`);
      seen.push(...(res.json() as ListedLog[]).map((l) => l.message));
      pages += 1;
    } while (cursor && pages < 50);
    expect(pages).toBeGreaterThan(3);
    expect(seen).toEqual(expected);

    // And by the item limit: pages of 7.
    const byLimit: string[] = [];
    cursor = null;
    do {
      const res = await get(`${replicas[2]?.url}/api/logs?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      const items = res.json() as ListedLog[];
      expect(items.length).toBeLessThanOrEqual(7);
      byLimit.push(...items.map((l) => l.message));
      cursor = res.headers.get('x-next-cursor');
    } while (cursor);
    expect(byLimit).toEqual(expected);
    // Filters apply on every replica.
    const filtered = await get(`${replicas[0]?.url}/api/logs?service=svc-2&limit=5`);
    expect((filtered.json() as ListedLog[]).map((l) => l.message)).toEqual(expected.filter((m) => m.startsWith('r2-')).slice(0, 5));
  });

  it('keeps the order when one replica holds all the newest items and its page ends before the merged page is full', async () => {
    replicas = await startReplicas(3, { env: { QUERY_RESPONSE_MAX_BYTES: String(64 * 1024) } });
    const older = await postInterleavedLogs();
    // Small items: replica 0's peer page (each item wrapped with its ~50-byte cursor) holds about
    // two thirds of what the merged page could. The merge must stop where that page ends rather
    // than fill up with older items of the other replicas.
    const records = Array.from({ length: 1000 }, (_, k) => ({
      timestamp: new Date(BASE_MS + 1_000_000 + k * 1000).toISOString(),
      message: `newest-${k}`,
    }));
    const posted = await get(`${replicas[0]?.url}/api/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resource: { service: 'svc-0' }, records }),
    });
    expect(posted.status).toBe(202);
    const expected = [...records.map((r) => r.message).reverse(), ...older];
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`${replicas[(pages + 1) % 3]?.url}/api/logs?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...(res.json() as ListedLog[]).map((l) => l.message));
      cursor = res.headers.get('x-next-cursor');
      pages += 1;
    } while (cursor && pages < 50);
    expect(seen).toEqual(expected);
  });

  it('answers the detail routes for an item another replica holds, whole', async () => {
    replicas = await startReplicas(3, { startMs: BASE_MS, env: { CORR_WINDOW_SECONDS: '60' } });
    const longMessage = `BEGIN ${'lorem ipsum '.repeat(300)} END`;
    const trace = traceOf(77);
    const holder = replicas[2] as Replica;
    const posted = await get(`${holder.url}/api/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resource: { service: 'svc-2' }, records: [{ message: longMessage, trace_id: trace }] }),
    });
    expect(posted.status).toBe(202);
    holder.clock.advance(61_000);
    holder.app.engine.pipeline.tick();

    const asker = replicas[0] as Replica;
    const [listed] = (await get(`${asker.url}/api/correlations?trace_id=${trace}`)).json() as (CorrelationEvent & {
      detail: { logs: { messageTruncated?: boolean }[] };
    })[];
    expect(listed?.detail.logs[0]?.messageTruncated).toBe(true);
    for (const id of [listed?.id as string, trace]) {
      const whole = await get(`${asker.url}/api/correlations/${encodeURIComponent(id)}`);
      expect(whole.status, whole.text).toBe(200);
      expect(whole.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(whole.json()).toMatchObject({ traceId: trace, instance: 'replica-2', detail: { logs: [{ message: longMessage }] } });
    }
    const [log] = (await get(`${asker.url}/api/logs?trace_id=${trace}`)).json() as ListedLog[];
    const wholeLog = await get(`${asker.url}/api/logs/${log?.id}`);
    expect(wholeLog.status).toBe(200);
    expect(wholeLog.json()).toMatchObject({ id: log?.id, message: longMessage, service: 'svc-2' });

    // scope=local: this replica's answer only; an id nobody holds: 404.
    expect((await get(`${asker.url}/api/correlations/${trace}?scope=local`)).status).toBe(404);
    expect((await get(`${asker.url}/api/logs/${log?.id}?scope=local`)).status).toBe(404);
    const nowhere = await get(`${asker.url}/api/correlations/${traceOf(78)}`);
    expect(nowhere.status).toBe(404);
    expect(nowhere.headers.get('x-unavailable-peers')).toBeNull();
  });

  it('refuses a cursor that is not a cluster cursor with 400', async () => {
    replicas = await startReplicas(2);
    for (const cursor of ['abc', '!!', 'x'.repeat(9001), Buffer.from('{"p":[1]}').toString('base64url')]) {
      const res = await get(`${replicas[0]?.url}/api/logs?cursor=${cursor}`);
      expect(res.status, cursor.slice(0, 20)).toBe(400);
      expect(res.json().message).toContain('cursor');
    }
  });

  it('lists open windows and closed events of all replicas, in the single-replica order', async () => {
    replicas = await startReplicas(3, { startMs: BASE_MS, env: { CORR_WINDOW_SECONDS: '60' } });
    // Replica i opens traces 10k+i at BASE + (3k + i) s.
    for (let k = 0; k < 4; k += 1) {
      for (const [i, r] of replicas.entries()) {
        r.clock.ms = BASE_MS + (3 * k + i) * 1000;
        const res = await get(`${r.url}/api/otlp/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(tracesBody([{ trace: traceOf(10 * k + i), service: `svc-${i}`, circuit: 'CKT-9' }], r.clock.ms)),
        });
        expect(res.status, res.text).toBe(200);
      }
    }
    const newestOpenedFirst = [3, 2, 1, 0].flatMap((k) => [2, 1, 0].map((i) => traceOf(10 * k + i)));
    const onReplica2 = new Set([0, 1, 2, 3].map((k) => traceOf(10 * k + 2)));
    const open = await get(`${replicas[0]?.url}/api/correlations?state=open&limit=5`);
    expect(open.headers.get('x-cluster-replicas')).toBe('3');
    expect((open.json() as CorrelationEvent[]).map((e) => e.traceId)).toEqual(newestOpenedFirst.slice(0, 5));
    const rest = await get(`${replicas[1]?.url}/api/correlations?state=open&limit=100&cursor=${open.headers.get('x-next-cursor')}`);
    expect((rest.json() as CorrelationEvent[]).map((e) => e.traceId)).toEqual(newestOpenedFirst.slice(5));
    const byKey = await get(`${replicas[2]?.url}/api/correlations?state=open&circuit_id=CKT-9&limit=100`);
    expect(byKey.json()).toHaveLength(12);

    // Close the windows of replicas 0 and 1; replica 2 keeps its open.
    for (const r of replicas.slice(0, 2)) {
      r.clock.ms = BASE_MS + 200_000;
      r.app.engine.pipeline.tick();
    }
    const closed = await get(`${replicas[2]?.url}/api/correlations?limit=100`);
    const closedIds = (closed.json() as CorrelationEvent[]).map((e) => e.traceId);
    expect(closedIds).toEqual(newestOpenedFirst.filter((t) => !onReplica2.has(t)));
    const all = await get(`${replicas[0]?.url}/api/correlations?state=all&limit=100`);
    const listed = all.json() as (CorrelationEvent & { state?: string })[];
    expect(listed.map((e) => e.traceId)).toEqual([...newestOpenedFirst.filter((t) => onReplica2.has(t)), ...closedIds]);
    expect(listed.slice(0, 4).every((e) => e.state === 'open')).toBe(true);
    expect(new Set(listed.map((e) => e.instance))).toEqual(new Set(['replica-0', 'replica-1', 'replica-2']));
  });

  it('finds its peers by DNS name: every A record of ENGINE_PEERS_DNS is a replica', async () => {
    replicas = await startReplicas(1);
    await postInterleavedLogs();
    const port = new URL(replicas[0]?.url as string).port;
    const viaDns = await testApp({ env: { ENGINE_PEERS_DNS: `localhost:${port}` } });
    extraApps.push(viaDns);
    await viaDns.listen({ port: 0, host: '127.0.0.1' });
    await viaDns.inject({
      method: 'POST',
      url: '/api/logs',
      payload: {
        resource: { service: 'svc-dns' },
        records: [{ timestamp: new Date(BASE_MS + 999_000).toISOString(), message: 'dns-own' }],
      },
    });
    const res = await viaDns.inject('/api/logs?limit=1000');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-cluster-replicas']).toBe('2');
    const messages = (res.json() as ListedLog[]).map((l) => l.message);
    expect(messages[0]).toBe('dns-own');
    expect(messages).toHaveLength(PER_REPLICA + 1);
  });

  it('asks peers with its own Basic credentials; a peer with others is listed unavailable', async () => {
    const auth = (pass: string) => ({ ENABLE_BASIC_AUTH: 'true', BASIC_AUTH_USER: 'ops', BASIC_AUTH_PASS: pass });
    replicas = await startReplicas(3, { env: (i) => auth(i === 2 ? 'other-secret' : 'shared-secret') });
    const authorization = `Basic ${Buffer.from('ops:shared-secret').toString('base64')}`;
    for (const [i, r] of replicas.entries()) {
      const res = await get(`${r.url}/api/logs`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`ops:${i === 2 ? 'other-secret' : 'shared-secret'}`).toString('base64')}`,
        },
        body: JSON.stringify({ resource: { service: `svc-${i}` }, records: [{ message: `from-${i}` }] }),
      });
      expect(res.status).toBe(202);
    }
    expect((await get(`${replicas[0]?.url}/api/logs`)).status).toBe(401);
    const res = await get(`${replicas[0]?.url}/api/logs`, { headers: { authorization } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cluster-replicas')).toBe('2');
    expect(res.headers.get('x-unavailable-peers')).toBe(replicas[2]?.url);
    expect((res.json() as ListedLog[]).map((l) => l.message).sort()).toEqual(['from-0', 'from-1']);
    // A peer question without credentials is refused like any other.
    expect((await get(`${replicas[1]?.url}/api/logs?scope=peer`)).status).toBe(401);
  });
});
