// Permanently rejected batches are set aside here, one JSON object per line, one file per
// exporter, so an operator can inspect and replay them. Appends are synchronous and small; the
// file is opened per write so rotation by an external tool is safe.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface DeadLetterEntry {
  exporter: string;
  /** HTTP status of the rejection, or 0 when the batch could not be encoded. */
  status: number;
  reason: string;
  /** First part of the backend's answer (it often says which entry was wrong). */
  response?: string;
  /** The records as they were queued (not the wire encoding). */
  records: readonly unknown[];
}

export class DeadLetterFile {
  readonly path: string;

  constructor(dir: string, exporter: string) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, `${exporter}.jsonl`);
  }

  /** Appends one rejected batch as a JSON line. */
  write(entry: DeadLetterEntry): void {
    appendFileSync(this.path, `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  }
}
