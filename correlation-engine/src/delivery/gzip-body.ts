// gzip of every exporter's request bodies, at zlib's fastest level. Why the fastest: an exporter
// shares the engine's core with ingest (docs/scaling.md, "Cores"), so time spent compressing is
// taken from accepting records, and on the engine's JSON the default level buys a body about a
// fifth smaller for more than twice the CPU. A backend's bill and limits count uncompressed bytes.
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const FASTEST = { level: constants.Z_BEST_SPEED };

/** The body gzipped on libuv's pool, at the fastest level. */
export function gzipBody(body: string | Uint8Array): Promise<Buffer> {
  return gzipAsync(body, FASTEST);
}
