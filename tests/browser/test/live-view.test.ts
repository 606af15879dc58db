// Issue 18 in a real browser (Chromium via playwright-core) against the built engine with BasicAuth
// on: a trace shows up as an open window ("open — closes in N s") as soon as its spans arrive, a
// later log updates that row through the live stream (server-sent events) without a reload and
// without polling the open windows again, and the row turns into the closed event at close.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOnce } from '@obs/test-support/build';
import { REPO_ROOT } from '@obs/test-support/repo';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChromium, requireChromium } from '../src/chromium.js';
import { freePort, type Started, startNode, stop, waitForHttp } from '../src/processes.js';
import { newTraceId, threeServiceTrace } from '../src/synthetic-trace.js';

const WINDOW_SECONDS = 8;
const USER = 'viewer';
const PASS = randomBytes(9).toString('base64url');
const AUTH = { authorization: `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}` };
const TRACE = newTraceId();
const CIRCUIT = `CKT-LIVE-${Date.now().toString(36)}`;

let workDir: string;
let engine: Started | undefined;
let engineUrl: string;
let context: BrowserContext | undefined;
let page: Page;
const pageErrors: string[] = [];
/** Requests the page made for the open windows (GET /api/correlations?...state=open). */
const openPolls: string[] = [];
/** The span count the open row showed. */
let openSpans = '';

async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${engineUrl}${path}`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
}

beforeAll(async () => {
  requireChromium();
  buildOnce('correlation-engine');
  workDir = mkdtempSync(join(tmpdir(), 'corr-live-'));
  const port = await freePort();
  engineUrl = `http://127.0.0.1:${port}`;
  engine = startNode('engine', [join(REPO_ROOT, 'correlation-engine/dist/server.js')], {
    cwd: workDir,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ENGINE_INSTANCE_ID: 'live-view-test',
      CORR_WINDOW_SECONDS: String(WINDOW_SECONDS),
      ENABLE_BASIC_AUTH: 'true',
      BASIC_AUTH_USER: USER,
      BASIC_AUTH_PASS: PASS,
    },
  });
  await waitForHttp(engine, `${engineUrl}/ready`);
  ({ context, page } = await openChromium(join(workDir, 'chromium-profile'), pageErrors, { username: USER, password: PASS }));
  page.on('request', (req) => {
    if (req.url().includes('state=open')) openPolls.push(req.url());
  });
}, 90_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await stop(engine);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const row = (state: 'open' | 'closed') => page.locator(`#events tr[data-trace-id="${TRACE}"][data-state="${state}"]`);

describe('live correlations in Chromium', () => {
  it('connects the live stream behind BasicAuth', async () => {
    const res = await page.goto(`${engineUrl}/`);
    expect(res?.status()).toBe(200);
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('streaming'), undefined, { timeout: 15_000 });
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });
  });

  it('shows a trace as an open window as soon as its spans arrive, counting down to the close', async () => {
    await post('/api/otlp/v1/traces', threeServiceTrace(TRACE, CIRCUIT));
    await row('open').waitFor({ timeout: 5000 });
    const text = (await row('open').textContent()) ?? '';
    expect(text).toMatch(/open — closes in \d+ s/);
    expect(text).toContain(CIRCUIT);
    const logsCell = row('open').locator('td[data-label="Logs"]');
    expect((await logsCell.textContent())?.trim()).toBe('0');
    openSpans = (await row('open').locator('td[data-label="Spans"]').textContent())?.trim() ?? '';
    expect(Number(openSpans)).toBeGreaterThan(0);
  });

  it('updates the open row from the stream when a log arrives, without a reload or a poll of open windows', async () => {
    const pollsBefore = openPolls.length;
    await post('/api/logs', {
      resource: { service: 'beorn', host: 'server-124', env: 'dev' },
      records: [{ timestamp: new Date().toISOString(), severity: 'WARN', message: 'activation slow', trace_id: TRACE }],
    });
    await page.waitForFunction(
      (trace) =>
        document.querySelector(`#events tr[data-trace-id="${trace}"][data-state="open"] td[data-label="Logs"]`)?.textContent?.trim() ===
        '1',
      TRACE,
      { timeout: 5000 },
    );
    expect(openPolls.length).toBe(pollsBefore);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  });

  it('turns the row into the closed event with the same counts when the window closes', async () => {
    await row('closed').waitFor({ timeout: (WINDOW_SECONDS + 10) * 1000 });
    expect(await row('open').count()).toBe(0);
    expect((await row('closed').locator('td[data-label="Logs"]').textContent())?.trim()).toBe('1');
    expect((await row('closed').locator('td[data-label="Spans"]').textContent())?.trim()).toBe(openSpans);
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
