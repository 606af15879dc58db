// Where the micro-benchmarks load the engine from: its built dist/, or another build given as
// ENGINE_DIST=<dir> (A/B runs compare two builds of the same source tree).
import { fileURLToPath } from 'node:url';

export const ENGINE_DIST = process.env.ENGINE_DIST ?? fileURLToPath(new URL('../../../correlation-engine/dist', import.meta.url));

/** Path of a module of the engine build, e.g. `distModule('correlate/correlator.js')`. */
export function distModule(path: string, dir = ENGINE_DIST): string {
  return `${dir}/${path}`;
}
