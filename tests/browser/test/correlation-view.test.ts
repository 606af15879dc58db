// The correlation view in a real browser (Debian's Chromium via playwright-core) against the real
// engine (built dist, BasicAuth on, short windows), fed by real traffic: a request through the
// real sense apps beorn -> palantir -> arda (or, where their sources are absent, the same trace
// shape sent as OTLP/JSON), a trace-less Blue Planet line that joins it by circuit_id, and log
// lines carrying markup that must stay inert text.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOnce } from '@obs/test-support/build';
import { REPO_ROOT } from '@obs/test-support/repo';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChromium, requireChromium } from '../src/chromium.js';
import { freePort, type Started, startNode, stop, waitForHttp } from '../src/processes.js';
import { ensureBuilt, type RunningApps, senseAppsPresent, startSenseApps } from '../src/sense-apps.js';
import { newTraceId, threeServiceTrace, wideTrace } from '../src/synthetic-trace.js';

const ROOT = REPO_ROOT;
const ENGINE_DIST = join(ROOT, 'correlation-engine/dist/server.js');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const WINDOW_SECONDS = 4;
/** The engine keeps this many span summaries per event; CAPPED_TRACE has more. */
const SPAN_CAP = 15;
const CAPPED_TRACE = newTraceId();
// BROWSER_TEST_TRAFFIC=synthetic skips the apps (to tell a page problem from an app problem).
const USE_APPS = process.env.BROWSER_TEST_TRAFFIC !== 'synthetic' && senseAppsPresent(ROOT);
const USER = 'viewer';
const PASS = randomBytes(9).toString('base64url');
const AUTH = { authorization: `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}` };
const XSS_SCRIPT = '<script>window.__xss=1</script>';
const XSS_IMG = '<img src=x onerror="window.__xss=2">';

const run = `${Date.now().toString(36)}`;
const CIRCUIT = `CKT-UI-${run}`;
const OTHER_CIRCUIT = `CKT-OTHER-${run}`;
let TRACE = newTraceId();
let OTHER_TRACE = newTraceId();
/** A separate request for the same circuit: the engine lists it as a related trace. */
let RELATED_TRACE = newTraceId();

let workDir: string;
let engine: Started | undefined;
let apps: RunningApps | undefined;
let engineUrl: string;
let context: BrowserContext | undefined;
let page: Page;
const pageErrors: string[] = [];

async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${engineUrl}${path}`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
}

function blueplanetLine(circuit: string): string {
  const t = new Date();
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())},${pad(t.getUTCMilliseconds(), 3)}`;
  return `${stamp} INFO  [bpocore-worker-3] com.ciena.bp.orchestrate.ResourceManager - Resource activation requested resource_id=7f3c2a10-5b1e-4c2d-9a44-0e1f2b3c4d5e resource_type_id=tosca.resourceTypes.EthernetCircuit circuit_id=${circuit}`;
}

/** Calls beorn (which calls palantir, which calls arda) and returns the trace id it reports. */
async function callApp(app: 'beorn' | 'palantir', query: string): Promise<string> {
  const res = await fetch(`${apps?.urls[app]}/api/test?${query}`);
  const body = (await res.json()) as { trace_id?: string };
  if (!body.trace_id) throw new Error(`${app} answered ${res.status} without a trace_id: ${JSON.stringify(body)}`);
  return body.trace_id;
}

/** One request across the three services (plus one for another circuit) and this scenario's logs. */
async function produceTraffic(): Promise<void> {
  if (apps) {
    // fail=true makes the last hop (arda) fail: the trace then shows error spans too.
    TRACE = await callApp('beorn', `circuit_id=${CIRCUIT}&product_id=PROD-ETH-10G&fail=true`);
    OTHER_TRACE = await callApp('beorn', `circuit_id=${OTHER_CIRCUIT}`);
    RELATED_TRACE = await callApp('palantir', `circuit_id=${CIRCUIT}`);
  } else {
    await post('/api/otlp/v1/traces', threeServiceTrace(TRACE, CIRCUIT));
    await post('/api/otlp/v1/traces', threeServiceTrace(OTHER_TRACE, OTHER_CIRCUIT));
    await post('/api/otlp/v1/traces', threeServiceTrace(RELATED_TRACE, CIRCUIT));
  }
  await post('/api/otlp/v1/traces', wideTrace(CAPPED_TRACE, `CKT-WIDE-${run}`, SPAN_CAP + 5));
  const now = new Date().toISOString();
  await post('/api/logs', {
    resource: { service: 'beorn', host: 'server-124', env: 'dev' },
    records: [
      { timestamp: now, severity: 'INFO', message: `order accepted ${XSS_SCRIPT}`, trace_id: TRACE, circuit_id: CIRCUIT },
      { timestamp: now, severity: 'WARN', message: `upstream said ${XSS_IMG}`, trace_id: TRACE },
    ],
  });
  // Trace-less, as the MDSO host writes it: joins the trace through circuit_id in the text.
  await post('/api/logs', {
    resource: { service: 'blueplanet', host: 'mdso-01', env: 'dev' },
    records: [{ timestamp: now, severity: 'INFO', message: blueplanetLine(CIRCUIT) }],
  });
}

beforeAll(async () => {
  requireChromium();
  buildOnce('correlation-engine');
  workDir = mkdtempSync(join(tmpdir(), 'corr-view-'));
  mkdirSync(ARTIFACTS, { recursive: true });

  const port = await freePort();
  engineUrl = `http://127.0.0.1:${port}`;
  engine = startNode('engine', [ENGINE_DIST], {
    cwd: workDir, // no stray .env is read from the checkout
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ENGINE_INSTANCE_ID: 'browser-test',
      CORR_WINDOW_SECONDS: String(WINDOW_SECONDS),
      ENABLE_BASIC_AUTH: 'true',
      BASIC_AUTH_USER: USER,
      BASIC_AUTH_PASS: PASS,
      GRAFANA_URL: 'http://grafana.example:3000',
      CORR_MAX_SPANS_PER_WINDOW: String(SPAN_CAP),
    },
  });
  await waitForHttp(engine, `${engineUrl}/ready`);
  if (USE_APPS) {
    ensureBuilt();
    apps = await startSenseApps(`${engineUrl}/api/otlp`, AUTH.authorization);
  }

  ({ context, page } = await openChromium(join(workDir, 'chromium-profile'), pageErrors, { username: USER, password: PASS }));
}, 90_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await Promise.all((apps?.procs ?? []).map((proc) => stop(proc)));
  await stop(engine);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe(`correlation view in Chromium (traffic: ${USE_APPS ? 'real sense apps' : 'synthetic OTLP'})`, () => {
  it('loads the page behind BasicAuth and starts polling', async () => {
    const res = await page.goto(`${engineUrl}/`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(await page.locator('h1').textContent()).toBe('Correlations');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Live'), undefined, { timeout: 10_000 });
  });

  it('shows a new correlation without a reload', async () => {
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });
    await produceTraffic();
    // The closed events (the open windows show earlier, live-view.test.ts covers those).
    const row = page.locator(`#events tr[data-trace-id="${TRACE}"][data-state="closed"]`);
    await row.waitFor({ timeout: (WINDOW_SECONDS + 25) * 1000 });
    await page.locator(`#events tr[data-trace-id="${OTHER_TRACE}"][data-state="closed"]`).waitFor({ timeout: 10_000 });
    await page.locator(`#events tr[data-trace-id="${RELATED_TRACE}"][data-state="closed"]`).waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    const text = await row.textContent();
    expect(text).toContain(CIRCUIT);
    for (const service of ['beorn', 'palantir', 'arda', 'blueplanet']) expect(text).toContain(service);
  }, 60_000);

  it('narrows the list by circuit_id and keeps the filter in the URL', async () => {
    await page.fill('input[name="circuit_id"]', CIRCUIT);
    await page.press('input[name="circuit_id"]', 'Enter');
    await page.locator(`#events tr[data-trace-id="${OTHER_TRACE}"]`).waitFor({ state: 'detached', timeout: 10_000 });
    await page.locator(`#events tr[data-trace-id="${TRACE}"]`).waitFor({ timeout: 10_000 });
    const traces = await page.locator('#events tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace-id')));
    expect(traces.sort()).toEqual([TRACE, RELATED_TRACE].sort());
    expect(new URL(page.url()).searchParams.get('circuit_id')).toBe(CIRCUIT);
  });

  it('opens the detail: spans of the three services, the linked Blue Planet log, Grafana links', async () => {
    await page.locator(`#events tr[data-trace-id="${TRACE}"] button`).click();
    const detail = page.locator('#detail');
    await detail.locator('.wf-row').first().waitFor({ timeout: 5000 });
    const services = await detail
      .locator('.wf-row')
      .evaluateAll((rows) => [...new Set(rows.map((r) => r.getAttribute('data-service')))].sort());
    expect(services).toEqual(['arda', 'beorn', 'palantir']);
    expect(await detail.locator('.wf-row.error').count()).toBeGreaterThan(0);
    const bpLog = detail.locator('tr.log[data-service="blueplanet"]');
    expect(await bpLog.textContent()).toContain(`circuit_id=${CIRCUIT}`);
    expect(await bpLog.locator('.linked-by').textContent()).toBe(`linked by circuit_id=${CIRCUIT}`);
    expect(new URL(page.url()).searchParams.get('event')).toContain(TRACE);
    const tempo = await detail.getByRole('link', { name: /Tempo/ }).getAttribute('href');
    expect(tempo).toMatch(/^http:\/\/grafana\.example:3000\/explore\?schemaVersion=1&panes=/);
    expect(decodeURIComponent(tempo ?? '')).toContain(`"query":"${TRACE}"`);
    const loki = await detail.getByRole('link', { name: /Loki/ }).getAttribute('href');
    expect(decodeURIComponent(loki ?? '')).toContain(`trace_id=\\"${TRACE}\\"`);
  });

  it('renders markup in log messages as inert text', async () => {
    const detail = page.locator('#detail');
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await detail.locator('.msg-text', { hasText: XSS_SCRIPT }).count()).toBe(1);
    expect(await detail.locator('.msg-text', { hasText: XSS_IMG }).count()).toBe(1);
    expect(await page.locator('#detail img, #detail script').count()).toBe(0);
  });

  it('opens a related trace from the detail, and Back returns to the first one', async () => {
    const firstUrl = page.url();
    await page.locator(`#detail .related button[data-trace-id="${RELATED_TRACE}"]`).click();
    await page.locator(`#detail article[data-event-id*="${RELATED_TRACE}"]`).waitFor({ timeout: 10_000 });
    expect(new URL(page.url()).searchParams.get('trace_id')).toBe(RELATED_TRACE);
    expect(await page.locator('input[name="trace_id"]').inputValue()).toBe(RELATED_TRACE);
    await page.goBack();
    await page.locator(`#detail article[data-event-id*="${TRACE}"]`).waitFor({ timeout: 10_000 });
    expect(page.url()).toBe(firstUrl);
    expect(await page.locator('input[name="circuit_id"]').inputValue()).toBe(CIRCUIT);
  });

  it('looks right at 1280px and on a narrow screen (screenshots in test-artifacts/)', async () => {
    // Tall enough that the sticky detail pane shows its logs without inner scrolling.
    await page.setViewportSize({ width: 1280, height: 1900 });
    await page.screenshot({ path: join(ARTIFACTS, 'correlation-view.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await page.screenshot({ path: join(ARTIFACTS, 'correlation-view-narrow.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(existsSync(join(ARTIFACTS, 'correlation-view.png'))).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(pageErrors).toEqual([]);
  });

  it('says when the engine capped the detail it keeps', async () => {
    await page.goto(`${engineUrl}/?trace_id=${CAPPED_TRACE}`);
    await page.locator(`#events tr[data-trace-id="${CAPPED_TRACE}"] button`).click();
    const note = page.locator('#detail .capped');
    await note.waitFor({ timeout: 10_000 });
    expect(await note.textContent()).toBe(`Showing ${SPAN_CAP} of ${SPAN_CAP + 5} spans: the engine caps the detail it keeps per event.`);
    expect(await page.locator('#detail .wf-row').count()).toBe(SPAN_CAP);
    expect(pageErrors).toEqual([]);
  });
});
