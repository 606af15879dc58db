// HTTP Basic authentication for everything except the probes and the metrics scrape.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { BasicAuthConfig } from '../../config.js';
import { AuthFailureThrottle } from './auth-failure-throttle.js';
import { sendError } from './error-handler.js';

export interface BasicAuthOptions extends BasicAuthConfig {
  /** Clock for the once-a-second limit on failure log lines (tests drive it). */
  now?: () => number;
}

/** Probes and Prometheus must work without credentials. */
export const OPEN_PATHS = new Set(['/health', '/ready', '/metrics']);

const REALM = 'Basic realm="correlation-engine"';

// Comparing fixed-length digests keeps the comparison constant-time whatever the input length.
const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

function credentialsMatch(header: string | undefined, user: Buffer, pass: Buffer): boolean {
  if (!header) return false;
  const match = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  if (sep < 0) return false;
  const userOk = timingSafeEqual(digest(decoded.slice(0, sep)), user);
  const passOk = timingSafeEqual(digest(decoded.slice(sep + 1)), pass);
  // Both comparisons always run: which half was wrong must not show in the timing.
  return userOk && passOk;
}

async function basicAuth(app: FastifyInstance, options: BasicAuthOptions): Promise<void> {
  const user = digest(options.user);
  const pass = digest(options.pass);
  const failures = new AuthFailureThrottle(options.now ?? Date.now);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (OPEN_PATHS.has(path)) return;
    if (credentialsMatch(request.headers.authorization, user, pass)) return;
    reply.header('www-authenticate', REALM);
    const client = request.ip;
    const suppressed = failures.record(client);
    if (suppressed !== undefined) {
      request.log.warn(
        { client, suppressed, url: request.url.split('?', 1)[0] },
        'failed Basic auth attempt (suppressed: attempts from this client not logged since its previous line)',
      );
    }
    // OTLP routes answer with a google.rpc.Status like their other errors.
    await sendError(request, reply, 401, 'valid Basic credentials required');
    return reply;
  });
}

export const basicAuthPlugin = fp(basicAuth, { name: 'basic-auth', fastify: '5.x' });
