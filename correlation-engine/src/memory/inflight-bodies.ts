// Request bodies held in memory, as one running sum the memory budget reads. The HTTP edge
// (http/plugins/memory-hooks.ts) adds and releases them and asks the guard before reading an
// ingest body; this module knows nothing of HTTP.
import type { UnavailableError } from '../model/errors.js';

export class InflightBodies {
  private held = 0;

  get bytes(): number {
    return this.held;
  }

  add(bytes: number): void {
    this.held += bytes;
  }

  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }
}

export interface IngestGuard {
  inflight: InflightBodies;
  /** The error to answer an ingest request with while memory is short, else undefined. */
  memoryRefusal(): UnavailableError | undefined;
}
