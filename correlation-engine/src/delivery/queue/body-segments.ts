// The bodies of the durable queue's rows, in append-only segment files beside its database
// (`<queue dir>/bodies/<number>`). The database keeps each row's place here (segment, offset,
// length) with its sequence number and kind; the bytes themselves are written once, by one writev
// per group commit, and leave with the segment file once no row points into it.
//
// Why not in the database: a request's body (kilobytes) was a chain of overflow pages there, each
// page written to the WAL with its own frame, copied again by the checkpoint, and walked and freed
// again when the delivered row was deleted: about twenty system calls per row, the queue's largest
// cost on the ingest path. Here the write is sequential and the delete is an unlink.
//
// Crash safety stays SQLite's: a body is written (and, with QUEUE_SYNC=full, fdatasync'd) before
// the transaction holding its row commits, so every committed row points at bytes already on disk.
// Bytes written for a transaction that never committed (the process died in between) are an
// orphaned tail no row points at; appends continue after them and they go with their segment.
//
// Damage after the write (a flipped bit, a block the disk hands back wrong) is what SQLite cannot
// see here: each body's CRC-32 is kept in its row and checked when the body is read back, so a
// damaged body is set aside as unreadable by every exporter instead of shipped. (Exporters that
// ship the queued text as it is, or parts cut from it, do not parse each record, which was the
// only check of a body before.)

import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  writevSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * A new segment is started once the current one holds this many bytes: small enough that a
 * drained backlog gives its disk back soon (at most one segment of delivered bodies stays), large
 * enough that opening files is rare.
 */
const SEGMENT_BYTES = 8 * 1024 * 1024;

/** The largest text body read through the kept scratch buffer; it is memory held while idle. */
const MAX_SCRATCH_BYTES = 1024 * 1024;

/** Where a group's bodies went: their segment, and each body's offset in it. */
export interface AppendedBodies {
  segment: number;
  offsets: number[];
}

/**
 * A body's checksum, kept in its row: zlib's CRC-32 (native, over bytes the append has in hand
 * anyway: a pass far cheaper than the write it guards).
 */
export function bodyCrc(body: Uint8Array): number {
  return crc32(body);
}

export class BodySegments {
  /** Why the last read that returned undefined did: its bytes were not all there, or not those written. */
  lastFault: 'missing' | 'damaged' = 'missing';
  private readonly dir: string;
  private current: number;
  private currentFd: number;
  private currentSize: number;
  /** Lowest segment number that may still exist on disk. */
  private oldest: number;
  /** Where text bodies are read into (bodies longer than MAX_SCRATCH_BYTES get a buffer of their own). */
  private scratch = Buffer.allocUnsafe(64 * 1024);
  /** Read descriptors of older segments, opened when a backlog is read from them. */
  private readonly readFds = new Map<number, number>();

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    const numbers = segmentNumbers(dir);
    this.oldest = numbers[0] ?? 1;
    this.current = numbers[numbers.length - 1] ?? 1;
    // Appends go after whatever the last segment holds, an orphaned tail included.
    this.currentFd = openSync(this.path(this.current), 'a+');
    this.currentSize = fstatSync(this.currentFd).size;
  }

  /**
   * Writes the bodies one after the other at the end of the current segment (a new one when it is
   * full), then fdatasyncs it when `sync`. Throws when they could not all be written; the segment's
   * size is then read again, so the next group goes after whatever part did reach the file.
   */
  append(bodies: readonly Uint8Array[], sync: boolean): AppendedBodies {
    if (this.currentSize >= SEGMENT_BYTES) this.rotate(sync);
    const offsets: number[] = [];
    let expected = 0;
    for (const b of bodies) {
      offsets.push(this.currentSize + expected);
      expected += b.byteLength;
    }
    try {
      const written = expected === 0 ? 0 : writevSync(this.currentFd, bodies as Uint8Array[]);
      if (written !== expected) throw new Error(`short write to ${this.path(this.current)}: ${written} of ${expected} bytes`);
      if (sync) fdatasyncSync(this.currentFd);
    } catch (err) {
      this.currentSize = fstatSync(this.currentFd).size;
      throw err;
    }
    this.currentSize += expected;
    return { segment: this.current, offsets };
  }

  /**
   * The body at this place as text, or undefined when it cannot be read back: its segment is gone
   * or shorter than the body, or its bytes do not match `crc` (null for rows written before
   * checksums were kept); `lastFault` says which.
   */
  readText(segment: number, offset: number, length: number, crc: number | null): string | undefined {
    // Text is decoded from a scratch buffer kept between reads: a buffer per row would be garbage
    // as soon as its string is made.
    if (length > this.scratch.byteLength && length <= MAX_SCRATCH_BYTES) this.scratch = Buffer.allocUnsafe(length);
    const into = length <= this.scratch.byteLength ? this.scratch : Buffer.allocUnsafe(length);
    return this.readInto(into, segment, offset, length, crc) ? into.toString('utf8', 0, length) : undefined;
  }

  /** The body at this place as bytes of its own, or undefined when it cannot be read back (as readText). */
  readBytes(segment: number, offset: number, length: number, crc: number | null): Uint8Array | undefined {
    const into = Buffer.allocUnsafe(length);
    return this.readInto(into, segment, offset, length, crc) ? new Uint8Array(into.buffer, into.byteOffset, length) : undefined;
  }

  /**
   * Deletes the segments before `segment` (never the current one): no row points into them. A
   * file that cannot be deleted stops the walk there (it is tried again on the next call) and is
   * reported as the returned text instead of thrown: the commit that freed it has happened, and an
   * exporter must not stop over disk space it cannot give back.
   */
  releaseBefore(segment: number): string | undefined {
    const until = Math.min(segment, this.current);
    for (; this.oldest < until; this.oldest += 1) {
      const fd = this.readFds.get(this.oldest);
      if (fd !== undefined) {
        closeSync(fd);
        this.readFds.delete(this.oldest);
      }
      try {
        rmSync(this.path(this.oldest), { force: true });
      } catch (err) {
        return `cannot delete delivered queue segment ${this.path(this.oldest)}: ${(err as Error).message}`;
      }
    }
    return undefined;
  }

  /** Lowest segment number that may still be on disk, and the one appends go to. */
  span(): { oldest: number; current: number } {
    return { oldest: this.oldest, current: this.current };
  }

  close(): void {
    for (const fd of this.readFds.values()) closeSync(fd);
    this.readFds.clear();
    closeSync(this.currentFd);
  }

  private rotate(sync: boolean): void {
    closeSync(this.currentFd);
    this.current += 1;
    this.currentFd = openSync(this.path(this.current), 'a+');
    this.currentSize = 0;
    // The new file's name must survive a power cut as its bytes will.
    if (sync) syncDirectory(this.dir);
  }

  private readInto(into: Buffer, segment: number, offset: number, length: number, crc: number | null): boolean {
    this.lastFault = 'missing';
    const fd = segment === this.current ? this.currentFd : this.readFd(segment);
    if (fd === undefined) return false;
    let done = 0;
    while (done < length) {
      const n = readSync(fd, into, done, length - done, offset + done);
      if (n === 0) return false;
      done += n;
    }
    this.lastFault = 'damaged';
    return crc === null || bodyCrc(into.subarray(0, length)) === crc;
  }

  private readFd(segment: number): number | undefined {
    const open = this.readFds.get(segment);
    if (open !== undefined) return open;
    try {
      const fd = openSync(this.path(segment), 'r');
      this.readFds.set(segment, fd);
      return fd;
    } catch {
      return undefined;
    }
  }

  private path(segment: number): string {
    return join(this.dir, String(segment).padStart(10, '0'));
  }
}

/** The segment numbers in the folder, ascending (other files are not the queue's and are left alone). */
function segmentNumbers(dir: string): number[] {
  return readdirSync(dir)
    .filter((name) => /^\d{10}$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Moves the bodies folder aside with its database (a queue that could not be opened). */
export function setBodiesAside(dir: string, aside: string): void {
  if (existsSync(dir)) renameSync(dir, aside);
}
