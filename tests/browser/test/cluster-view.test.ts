// The correlation view on one replica of a cluster (issue 17): three built engine processes that
// name each other in ENGINE_PEERS, plus a fourth peer that is down. The page on any replica lists
// the events of all of them and its status line names the replica that did not answer.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@obs/test-support/wait';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChromium, requireChromium } from '../src/chromium.js';
import { freePort, type Started, startNode, stop, waitForHttp } from '../src/processes.js';
import { newTraceId } from '../src/synthetic-trace.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENGINE_DIST = join(ROOT, 'correlation-engine/dist/server.js');
const REPLICAS = 3;

let workDir: string;
const engines: Started[] = [];
const urls: string[] = [];
let downPeer: string;
/** Trace ids posted to each replica. */
const traces: string[][] = [];
let context: BrowserContext | undefined;
let page: Page;
const pageErrors: string[] = [];

async function closedTraceIds(url: string, scope: 'local' | 'cluster'): Promise<string[]> {
  const res = await fetch(`${url}/api/correlations?limit=1000&scope=${scope}`);
  return ((await res.json()) as { traceId: string }[]).map((e) => e.traceId);
}

beforeAll(async () => {
  requireChromium();
  if (!existsSync(ENGINE_DIST)) throw new Error(`${ENGINE_DIST} is missing: build the engine first`);
  workDir = mkdtempSync(join(tmpdir(), 'corr-cluster-view-'));
  const ports = await Promise.all(Array.from({ length: REPLICAS + 1 }, () => freePort()));
  for (const port of ports) urls.push(`http://127.0.0.1:${port}`);
  downPeer = urls.pop() as string; // nothing ever listens there
  for (const [i, url] of urls.entries()) {
    const engine = startNode(`engine-${i}`, [ENGINE_DIST], {
      cwd: join(workDir),
      env: {
        PORT: new URL(url).port,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ENGINE_INSTANCE_ID: `replica-${i}`,
        ENGINE_DATA_DIR: join(workDir, `data-${i}`),
        CORR_WINDOW_SECONDS: '0.5',
        ENGINE_PEERS: [...urls, downPeer].join(','),
        ENGINE_PEER_TIMEOUT_MS: '500',
      },
    });
    engines.push(engine);
  }
  await Promise.all(engines.map((e, i) => waitForHttp(e, `${urls[i]}/ready`)));
  for (const [i, url] of urls.entries()) {
    const ids = [newTraceId(), newTraceId()];
    traces.push(ids);
    const res = await fetch(`${url}/api/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resource: { service: `svc-${i}` },
        records: ids.map((trace_id) => ({ message: `on replica ${i}`, trace_id })),
      }),
    });
    if (res.status !== 202) throw new Error(`POST /api/logs answered ${res.status}`);
  }
  await waitFor(
    'every replica to close its windows',
    async () => (await Promise.all(urls.map((u) => closedTraceIds(u, 'local')))).every((ids) => ids.length >= 2),
    20_000,
    200,
  );
  ({ context, page } = await openChromium(join(workDir, 'chromium-profile'), pageErrors));
}, 90_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await Promise.all(engines.map((e) => stop(e)));
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the correlation view of a cluster', () => {
  it('any replica’s API lists every replica’s events and names the peer that is down', async () => {
    for (const url of urls) {
      const res = await fetch(`${url}/api/correlations?limit=1000`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-unavailable-peers')).toBe(downPeer);
      expect(res.headers.get('x-cluster-replicas')).toBe(String(REPLICAS));
      expect((await closedTraceIds(url, 'cluster')).sort()).toEqual(traces.flat().sort());
    }
  });

  it('shows every replica’s events on the page of one, and says which replica did not answer', async () => {
    await page.goto(urls[1] as string);
    const rows = page.locator('#events tbody tr');
    await page.waitForFunction((n) => document.querySelectorAll('#events tbody tr').length >= n, REPLICAS * 2, { timeout: 10_000 });
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-trace-id')));
    expect(shown.sort()).toEqual(traces.flat().sort());
    const status = page.locator('#status');
    await page.waitForFunction((down) => document.getElementById('status')?.textContent?.includes(down), downPeer, { timeout: 10_000 });
    expect(await status.getAttribute('data-kind')).toBe('warn');
    expect(await status.textContent()).toContain(`${REPLICAS} replicas answered`);
    expect(pageErrors).toEqual([]);
  });
});
