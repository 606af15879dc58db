// The correlation view's routes through app.inject(): the page and its assets with their
// security headers, the allowlist (unknown names and traversal attempts never reach the disk),
// the Grafana setting, and BasicAuth in front of all of it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, UI_ASSETS, uiRoutes } from '../../../src/http/routes/ui.js';
import { testApp } from '../../helpers/app.js';

const EXPECTED_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

describe('correlation view routes', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp({ env: { GRAFANA_URL: 'http://grafana.example:3000' } });
  });
  afterAll(async () => {
    await app.close();
  });

  it('serves the page at / as HTML with a strict CSP and nosniff', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(EXPECTED_CSP);
    expect(CONTENT_SECURITY_POLICY).toBe(EXPECTED_CSP);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain('<script type="module" src="/ui/main.js"></script>');
    expect(res.body).toContain('<link rel="stylesheet" href="/ui/style.css">');
    // Nothing inline for the CSP to block, nothing fetched from elsewhere.
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.body).not.toMatch(/\sstyle=|\son[a-z]+=/i);
    expect(res.body).not.toMatch(/https?:\/\//);
  });

  it('serves every asset with its content type, the CSP and an ETag that revalidates', async () => {
    for (const [name, type] of Object.entries(UI_ASSETS)) {
      const res = await app.inject({ method: 'GET', url: `/ui/${name}` });
      expect(res.statusCode, name).toBe(200);
      expect(res.headers['content-type'], name).toBe(type);
      expect(res.headers['content-security-policy'], name).toBe(EXPECTED_CSP);
      expect(res.headers['x-content-type-options'], name).toBe('nosniff');
      expect(res.body.length, name).toBeGreaterThan(100);
      const again = await app.inject({ method: 'GET', url: `/ui/${name}`, headers: { 'if-none-match': String(res.headers.etag) } });
      expect(again.statusCode, name).toBe(304);
    }
    expect(Object.values(UI_ASSETS)).toContain('text/css; charset=utf-8');
    expect(Object.values(UI_ASSETS)).toContain('text/javascript; charset=utf-8');
  });

  it('answers 404 for a name outside the allowlist', async () => {
    for (const url of ['/ui/nope.js', '/ui/index.html', '/ui/', '/ui/main.ts', '/ui/constructor', '/ui/__proto__']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
    }
  });

  it('refuses path traversal, plain and encoded', async () => {
    const attempts = [
      '/ui/../package.json',
      '/ui/..%2Fpackage.json',
      '/ui/..%2fpackage.json',
      '/ui/%2e%2e%2fpackage.json',
      '/ui/%2E%2E/package.json',
      '/ui/..%5Cpackage.json',
      '/ui/%252e%252e%252fpackage.json',
      '/ui/..%2F..%2F..%2Fetc%2Fpasswd',
      '/ui/main.js%00.css',
    ];
    for (const url of attempts) {
      const res = await app.inject({ method: 'GET', url });
      expect([400, 404], url).toContain(res.statusCode);
      expect(res.body, url).not.toContain('@obs/correlation-engine');
      expect(res.body, url).not.toContain('root:');
    }
  });

  it('tells the page where Grafana is', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/ui-config' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ grafanaUrl: 'http://grafana.example:3000' });
  });
});

describe('correlation view without Grafana', () => {
  it('reports no Grafana URL', async () => {
    const app = await testApp();
    try {
      const res = await app.inject({ method: 'GET', url: '/api/ui-config' });
      expect(res.json()).toEqual({ grafanaUrl: null });
    } finally {
      await app.close();
    }
  });
});

describe('correlation view behind BasicAuth', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp({ env: { ENABLE_BASIC_AUTH: 'true', BASIC_AUTH_USER: 'ops', BASIC_AUTH_PASS: 's3cret' } });
  });
  afterAll(async () => {
    await app.close();
  });

  it('asks for credentials on the page, the assets and the config', async () => {
    for (const url of ['/', '/ui/main.js', '/ui/style.css', '/api/ui-config']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(401);
      expect(res.headers['www-authenticate'], url).toMatch(/^Basic /);
      expect(res.body, url).not.toContain('<html');
    }
  });

  it('serves the page with valid credentials', async () => {
    const authorization = `Basic ${Buffer.from('ops:s3cret').toString('base64')}`;
    const res = await app.inject({ method: 'GET', url: '/', headers: { authorization } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>');
  });
});

describe('correlation view with assets missing from the build', () => {
  let dir: string;
  let app: FastifyInstance;
  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps running and answers 503 naming the missing file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ui-assets-'));
    writeFileSync(join(dir, 'style.css'), 'body { color: black; }');
    app = Fastify({ logger: false });
    await app.register(uiRoutes, { assetsDir: pathToFileURL(`${dir}/`) });
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(503);
    expect(page.json().message).toContain('index.html');
    const css = await app.inject({ method: 'GET', url: '/ui/style.css' });
    expect(css.statusCode).toBe(200);
    expect(css.body).toBe('body { color: black; }');
  });
});
