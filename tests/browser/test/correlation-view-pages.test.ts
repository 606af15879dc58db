// The correlation view against an engine whose listing answers are byte-capped (issue 13): more
// events than one page holds are reached with "Load older events", and an event whose log
// messages the list shortened opens whole in the detail pane.
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
/** The smallest cap the engine allows: about fifty of these events fit on a page. */
const CAP_BYTES = 64 * 1024;
const EVENTS = 150;
const LONG_TRACE = newTraceId();
const LONG_MESSAGE = `BEGIN ${'lorem ipsum '.repeat(400)} END-OF-MESSAGE`;

let workDir: string;
let engine: Started | undefined;
let engineUrl: string;
let context: BrowserContext | undefined;
let page: Page;
const pageErrors: string[] = [];

async function postLogs(records: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${engineUrl}/api/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resource: { service: 'pager' }, records }),
  });
  if (!res.ok) throw new Error(`POST /api/logs answered ${res.status}`);
}

/** Every kept event, following the engine's cursors. */
async function keptEvents(): Promise<number> {
  let count = 0;
  let cursor: string | null = '';
  while (cursor !== null) {
    const res = await fetch(`${engineUrl}/api/correlations?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    count += ((await res.json()) as unknown[]).length;
    cursor = res.headers.get('x-next-cursor');
  }
  return count;
}

beforeAll(async () => {
  requireChromium();
  if (!existsSync(ENGINE_DIST)) throw new Error(`${ENGINE_DIST} is missing: build the engine first`);
  workDir = mkdtempSync(join(tmpdir(), 'corr-view-pages-'));
  const port = await freePort();
  engineUrl = `http://127.0.0.1:${port}`;
  engine = startNode('engine', [ENGINE_DIST], {
    cwd: workDir,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ENGINE_INSTANCE_ID: 'browser-pages',
      CORR_WINDOW_SECONDS: '0.5',
      QUERY_RESPONSE_MAX_BYTES: String(CAP_BYTES),
    },
  });
  await waitForHttp(engine, `${engineUrl}/ready`);
  // One event per trace, each with a log long enough to be shortened in the list.
  for (let i = 0; i < EVENTS; i += 1) {
    await postLogs([{ message: `event ${i} ${'x'.repeat(600)}`, trace_id: newTraceId() }]);
  }
  await postLogs([{ message: LONG_MESSAGE, trace_id: LONG_TRACE }]);
  await waitFor('every event to close', async () => (await keptEvents()) >= EVENTS + 1, 20_000, 200);

  ({ context, page } = await openChromium(join(workDir, 'chromium-profile'), pageErrors));
}, 90_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await stop(engine);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('correlation view with byte-capped answers', () => {
  it('shows the first page, then reaches every event with "Load older events"', async () => {
    await page.goto(engineUrl);
    const rows = page.locator('#events tbody tr');
    const more = page.locator('#more');
    await more.waitFor({ state: 'visible', timeout: 10_000 });
    const firstPage = await rows.count();
    expect(firstPage).toBeGreaterThan(0);
    expect(firstPage).toBeLessThan(EVENTS + 1);
    while (await more.isVisible()) {
      await more.click();
      // The button is disabled while its page loads.
      await page.waitForFunction(() => !(document.getElementById('more') as HTMLButtonElement).disabled);
    }
    expect(await rows.count()).toBe(EVENTS + 1);
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id')));
    expect(new Set(ids).size).toBe(EVENTS + 1);
    expect(pageErrors).toEqual([]);
  });

  it('opens an event whose log the list shortened with the whole message', async () => {
    await page.goto(`${engineUrl}/?trace_id=${LONG_TRACE}`);
    await page.locator(`#events tr[data-trace-id="${LONG_TRACE}"] button`).click();
    const message = page.locator('#detail .msg-text');
    await page.waitForFunction(() => document.querySelector('#detail .msg-text')?.textContent?.endsWith('END-OF-MESSAGE'), undefined, {
      timeout: 10_000,
    });
    expect(await message.textContent()).toBe(LONG_MESSAGE);
    expect(await page.locator('#detail .shortened').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
