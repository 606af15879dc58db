// The built-in correlation view: GET / (the page), GET /ui/<asset> and GET /api/ui-config.
// A fixed allowlist of files read once at start-up instead of a general static-file server: the
// page has five files, nothing on disk outside the list can ever be served (no path handling, so
// no traversal to get wrong), and answers come from memory.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../http-error.js';

export interface UiRoutesOptions {
  /** Grafana's root URL; when set the page links each event to Grafana Explore. */
  grafanaUrl?: string | undefined;
  /** True when the engine answers for its peers too: the page then polls instead of using this replica's stream. */
  clustered?: boolean;
  /** Where the assets live; defaults to the `ui` folder beside this module's folder (src/ui or dist/ui). */
  assetsDir?: URL;
}

/** Strict policy: only our own scripts, styles and fetches; no framing, no inline anything. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Asset name (as in /ui/<name>) -> content type. Nothing else is served. */
export const UI_ASSETS: Readonly<Record<string, string>> = {
  'style.css': 'text/css; charset=utf-8',
  'main.js': 'text/javascript; charset=utf-8',
  'render.js': 'text/javascript; charset=utf-8',
  'view-model.js': 'text/javascript; charset=utf-8',
  'grafana-links.js': 'text/javascript; charset=utf-8',
};
const PAGE_FILE = 'index.html';
const PAGE_TYPE = 'text/html; charset=utf-8';

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function load(dir: URL, name: string, type: string): Asset | undefined {
  try {
    const body = readFileSync(new URL(name, dir));
    return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
  } catch {
    return undefined;
  }
}

function securityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  securityHeaders(reply);
  // Revalidate every time: the page is small and must never run stale code after an upgrade.
  reply.header('cache-control', 'no-cache');
  reply.header('etag', asset.etag);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.type(asset.type).send(asset.body);
}

export async function uiRoutes(app: FastifyInstance, options: UiRoutesOptions): Promise<void> {
  const dir = options.assetsDir ?? new URL('../../ui/', import.meta.url);
  const page = load(dir, PAGE_FILE, PAGE_TYPE);
  const assets = new Map<string, Asset>();
  const missing: string[] = page ? [] : [PAGE_FILE];
  for (const [name, type] of Object.entries(UI_ASSETS)) {
    const asset = load(dir, name, type);
    if (asset) assets.set(name, asset);
    else missing.push(name);
  }
  // A build that forgot to copy the assets must not stop the engine: the API still works.
  if (missing.length > 0) app.log.warn({ dir: dir.pathname, missing }, 'correlation view assets missing; the page is unavailable');
  const unavailable = (name: string) =>
    new HttpError(503, `correlation view asset ${name} is missing from ${dir.pathname} (build the engine package)`);

  app.get('/', async (request, reply) => {
    if (!page) throw unavailable(PAGE_FILE);
    return send(request, reply, page);
  });

  app.get<{ Params: { asset: string } }>('/ui/:asset', async (request, reply) => {
    const name = request.params.asset;
    if (!Object.hasOwn(UI_ASSETS, name)) throw new HttpError(404, 'no such correlation view asset');
    const asset = assets.get(name);
    if (!asset) throw unavailable(name);
    return send(request, reply, asset);
  });

  const uiConfig = { grafanaUrl: options.grafanaUrl ?? null, ...(options.clustered ? { clustered: true } : {}) };
  app.get('/api/ui-config', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return uiConfig;
  });
}
