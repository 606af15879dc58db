// Request bodies held in memory: counted from the moment a request arrives until its answer is
// sent (or the client goes away). A declared Content-Length is reserved whole at arrival, since
// that is what the engine is about to hold; a chunked body is counted as its chunks arrive.
// Ingest routes are refused here, before their body is read, while the budget says so.
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { InflightBodies, IngestGuard } from '../../memory/inflight-bodies.js';

/** POST routes whose records become state; they are the ones refused under memory pressure. */
const INGEST_ROUTES: ReadonlySet<string> = new Set(['/api/logs', '/api/otlp/v1/traces', '/api/otlp/v1/logs', '/api/otlp/v1/metrics']);

const counted = new WeakMap<FastifyRequest, { bytes: number }>();

function release(request: FastifyRequest, inflight: InflightBodies): void {
  const entry = counted.get(request);
  if (entry === undefined) return;
  counted.delete(request);
  inflight.release(entry.bytes);
}

export function registerMemoryHooks(app: FastifyInstance, guard: IngestGuard): void {
  const { inflight } = guard;

  // Callback-style hooks: no promise per request on the ingest path.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.method === 'POST' && INGEST_ROUTES.has(request.routeOptions.url ?? '')) {
      const refusal = guard.memoryRefusal();
      if (refusal) return done(refusal);
    }
    const declared = Number(request.headers['content-length']);
    if (declared > 0) {
      inflight.add(declared);
      counted.set(request, { bytes: declared });
    }
    done();
  });

  app.addHook('preParsing', (request, _reply, payload, done) => {
    // Only a chunked body arrives without a declared length; other requests have none to count.
    if (request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] === undefined) return done(null, payload);
    const entry = { bytes: 0 };
    counted.set(request, entry);
    const counting = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        entry.bytes += chunk.length;
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
