// Request bodies held in memory: counted from the moment a request arrives until its answer is
// sent (or the client goes away). A declared Content-Length is reserved whole at arrival, since
// that is what the engine is about to hold; a chunked body is counted as its chunks arrive.
// Ingest routes are refused here, before their body is read, while the budget says so.
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { InflightBodies, IngestGuard } from '../../memory/inflight-bodies.js';

/** POST routes whose records become state; they are the ones refused under memory pressure. */
const INGEST_ROUTES: ReadonlySet<string> = new Set(['/api/logs', '/api/otlp/v1/traces', '/api/otlp/v1/logs', '/api/otlp/v1/metrics']);

declare module 'fastify' {
  interface FastifyRequest {
    /** Bytes of this request's body counted as in flight, until released. */
    inflightBytes: number;
  }
}

function release(request: FastifyRequest, inflight: InflightBodies): void {
  const bytes = request.inflightBytes;
  if (bytes === 0) return;
  request.inflightBytes = 0;
  inflight.release(bytes);
}

export function registerMemoryHooks(app: FastifyInstance, guard: IngestGuard): void {
  const { inflight } = guard;
  // A field on the request (one hidden class for all requests), not a WeakMap keyed by it: a
  // WeakMap entry per request is a hash insert and delete plus an ephemeron the GC must visit.
  app.decorateRequest('inflightBytes', 0);

  // Callback-style hooks: no promise per request on the ingest path.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.method === 'POST' && INGEST_ROUTES.has(request.routeOptions.url ?? '')) {
      const refusal = guard.memoryRefusal();
      if (refusal) return done(refusal);
    }
    const declared = Number(request.headers['content-length']);
    if (declared > 0) {
      inflight.add(declared);
      request.inflightBytes = declared;
    }
    done();
  });

  app.addHook('preParsing', (request, _reply, payload, done) => {
    // Only a chunked body arrives without a declared length; other requests have none to count.
    if (request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] === undefined) return done(null, payload);
    const counting = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        request.inflightBytes += chunk.length;
        inflight.add(chunk.length);
        done(null, chunk);
      },
    });
    payload.on('error', (err) => counting.destroy(err));
    done(null, payload.pipe(counting));
  });

  app.addHook('onResponse', (request, _reply, done) => {
    release(request, inflight);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    release(request, inflight);
    done();
  });
}
