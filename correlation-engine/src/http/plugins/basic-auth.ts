// HTTP Basic authentication for everything except the probes and the metrics scrape.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { BasicCredentials } from '../../auth/basic-credentials.js';
import type { BasicAuthConfig } from '../../config.js';
import { LogThrottle } from '../../log-throttle.js';
import { sendError } from './error-handler.js';

export interface BasicAuthOptions extends BasicAuthConfig {
  /** Clock for the once-a-second limit on failure log lines (tests drive it). */
  now?: () => number;
}

/** Probes and Prometheus must work without credentials. */
export const OPEN_PATHS = new Set(['/health', '/ready', '/metrics']);

const REALM = 'Basic realm="correlation-engine"';

async function basicAuth(app: FastifyInstance, options: BasicAuthOptions): Promise<void> {
  const credentials = new BasicCredentials(options.user, options.pass);
  const failures = new LogThrottle(options.now ?? Date.now);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (OPEN_PATHS.has(path)) return;
    if (credentials.matches(request.headers.authorization)) return;
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
