// Permanently rejected batches are set aside here, one JSON object per line, so an operator can
// inspect and replay them. The files are bounded in bytes: a backend that refuses everything
// would otherwise fill the disk the durable queue needs at the ingest rate.
//
// Layout per exporter: `<exporter>.jsonl` is written to; when the next line would take it past
// one segment (a quarter of the exporter's share), it is renamed `<exporter>.<seq>.r<records>.jsonl`
// (the record count in the name, so dropping it can be counted without reading it back) and a new
// one started. When all segments together would pass the share, the oldest are deleted: newer
// rejections are the ones an operator is most likely still looking into.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
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

/** What one rotation deleted. */
export interface DeadLetterDrop {
  exporter: string;
  segments: number;
  records: number;
  bytes: number;
}

export interface DeadLetterOptions {
  dir: string;
  exporter: string;
  /** Bytes all of this exporter's dead-letter files may take together. */
  maxBytes: number;
  /** Called once per rotation that deleted old segments. */
  onDrop?: (drop: DeadLetterDrop) => void;
}

/** Segments per exporter: the files never pass maxBytes, and a drop loses at most a quarter of them. */
export const DEAD_LETTER_SEGMENTS = 4;

interface Segment {
  path: string;
  seq: number;
  bytes: number;
  records: number;
}

export class DeadLetterFile {
  readonly path: string;
  private readonly options: DeadLetterOptions;
  private readonly segmentBytes: number;
  /** Rotated segments, oldest first. */
  private readonly segments: Segment[] = [];
  private activeBytes = 0;
  private activeRecords = 0;
  private nextSeq = 1;

  constructor(options: DeadLetterOptions) {
    this.options = options;
    this.segmentBytes = Math.max(1, Math.floor(options.maxBytes / DEAD_LETTER_SEGMENTS));
    mkdirSync(options.dir, { recursive: true });
    this.path = join(options.dir, `${options.exporter}.jsonl`);
    this.loadExisting();
  }

  /** Bytes of all this exporter's dead-letter files. */
  get bytes(): number {
    return this.activeBytes + this.segments.reduce((sum, s) => sum + s.bytes, 0);
  }

  /** Appends one rejected batch: one JSON line, or one per record when the batch is larger than a segment. */
  write(entry: DeadLetterEntry): void {
    const time = new Date().toISOString();
    const line = `${JSON.stringify({ time, ...entry })}\n`;
    if (Buffer.byteLength(line) <= this.segmentBytes) {
      this.append(line, logRecords(entry.records));
      return;
    }
    for (const record of entry.records) {
      const one = `${JSON.stringify({ time, ...entry, records: [record] })}\n`;
      const n = logRecords([record]);
      if (Buffer.byteLength(one) <= this.segmentBytes) this.append(one, n);
      else this.append(`${JSON.stringify({ time, ...entry, records: [], omitted: { records: n, bytes: Buffer.byteLength(one) } })}\n`, 0);
    }
  }

  private append(line: string, records: number): void {
    const size = Buffer.byteLength(line);
    if (this.activeBytes > 0 && this.activeBytes + size > this.segmentBytes) this.rotate();
    this.dropOldestUntilFits(size);
    appendFileSync(this.path, line);
    this.activeBytes += size;
    this.activeRecords += records;
  }

  private rotate(): void {
    const seq = this.nextSeq++;
    const path = join(this.options.dir, `${this.options.exporter}.${seq}.r${this.activeRecords}.jsonl`);
    // Moved away by an operator or a log rotator: nothing of ours to keep count of.
    if (ignoringMissing(() => renameSync(this.path, path))) {
      this.segments.push({ path, seq, bytes: this.activeBytes, records: this.activeRecords });
    }
    this.activeBytes = 0;
    this.activeRecords = 0;
  }

  /** Deletes the oldest segments until `incoming` more bytes fit the budget; reports them once. */
  private dropOldestUntilFits(incoming: number): void {
    const drop: DeadLetterDrop = { exporter: this.options.exporter, segments: 0, records: 0, bytes: 0 };
    let total = this.bytes + incoming;
    while (total > this.options.maxBytes && this.segments.length > 0) {
      const oldest = this.segments.shift() as Segment;
      ignoringMissing(() => unlinkSync(oldest.path));
      total -= oldest.bytes;
      drop.segments += 1;
      drop.records += oldest.records;
      drop.bytes += oldest.bytes;
    }
    if (drop.segments > 0) this.options.onDrop?.(drop);
  }

  /** Picks up the files of an earlier run, so the bound holds across restarts. */
  private loadExisting(): void {
    const prefix = `${this.options.exporter}.`;
    const pattern = /^(\d+)\.r(\d+)\.jsonl$/;
    for (const name of readdirSync(this.options.dir)) {
      if (!name.startsWith(prefix)) continue;
      const m = pattern.exec(name.slice(prefix.length));
      if (!m) continue;
      const path = join(this.options.dir, name);
      this.segments.push({ path, seq: Number(m[1]), bytes: statSync(path).size, records: Number(m[2]) });
    }
    this.segments.sort((a, b) => a.seq - b.seq);
    this.nextSeq = (this.segments.at(-1)?.seq ?? 0) + 1;
    let active: number;
    try {
      active = statSync(this.path).size;
    } catch {
      return;
    }
    // A file from before the bound existed may be far larger than the budget: it is set aside as
    // one segment without reading it (its records are not counted) and the budget decides.
    this.activeBytes = active;
    this.activeRecords = active <= this.segmentBytes ? countRecords(readFileSync(this.path, 'utf8')) : 0;
    if (active > this.segmentBytes) this.rotate();
    this.dropOldestUntilFits(0);
  }
}

/** Runs a file operation; false when its file was already gone (deleted or moved by hand). */
function ignoringMissing(operation: () => void): boolean {
  try {
    operation();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Log records that queued records stand for: a forwarded OTLP request (`kind: 'otlp-logs'`) holds `records` of them. */
function logRecords(records: readonly unknown[]): number {
  let n = 0;
  for (const record of records) {
    const r = record as { kind?: unknown; records?: unknown } | null;
    const held = r?.kind === 'otlp-logs' ? r.records : undefined;
    n += typeof held === 'number' && Number.isSafeInteger(held) && held > 0 ? held : 1;
  }
  return n;
}

/** Records in dead-letter lines; a line that does not parse counts as one. */
function countRecords(text: string): number {
  let records = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const parsed = JSON.parse(line) as { records?: unknown };
      records += Array.isArray(parsed.records) ? logRecords(parsed.records) : 1;
    } catch {
      records += 1;
    }
  }
  return records;
}
