// The durable queue behind every exporter: one append-only log of accepted records, one committed
// position per consumer (exporter), rows deleted once every active consumer has passed them.
// The engine writes one row per accepted request (its records in one body, see exporters/queue-rows.ts); seqs still count
// records, so depth and positions mean records, while a row is read, sent and committed whole.
//
// Storage choice: embedded SQLite (`node:sqlite`, WAL mode) for the rows, their order and the
// consumers' positions; the rows' bodies in append-only files beside it (body-segments.ts says why).
// - Torn writes are SQLite's problem, solved: every WAL frame carries a checksum and a commit
//   marker, so a frame half-written when the process died is ignored on the next open instead of
//   being read back as a record. A body is on disk before the row pointing at it commits, so a
//   torn body is never pointed at: no length prefix, CRC or tail scan of our own.
// - Committing a consumer position and deleting acknowledged rows are single statements in one
//   file, not a cursor file per exporter kept in step with a directory of segments.
// - Its throughput is not the engine's bottleneck, with either synchronous setting (docs/delivery.md
//   states the guarantees each gives).
// Group commit: appends arriving in the same event-loop turn share one transaction (one fsync), so
// many small concurrent requests cost one disk flush, not one each.

import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { BodySegments, bodyCrc, setBodiesAside } from './body-segments.js';

export type EntryKind = 'log' | 'event';

/**
 * Rows bound per INSERT statement in a group commit. One native call per row made the insert
 * the costliest step of an append; a multi-row VALUES list binds many at once.
 */
const ROWS_PER_INSERT = 32;

/** Free pages kept for reuse before trim() gives any back to the file system (4 MiB of 4 KiB pages). */
const FREE_PAGES_SLACK = 1024;
/**
 * Free pages one commit gives back at most (8 MiB of 4 KiB pages): the vacuum runs on the event
 * loop, and giving back a whole drained backlog at once held it for a long stall; the commits
 * after it, while the exporters stay caught up, give back the rest.
 */
const MAX_VACUUM_PAGES = 2048;

/** Bound parameters per inserted row. */
const ROW_PARAMS = 10;

/**
 * What a row's `body` column holds when its body is in a segment: an empty value of the body's
 * type, so a read hands back text or bytes as appended.
 */
const TEXT_IN_SEGMENT = '';
const BYTES_IN_SEGMENT = new Uint8Array(0);

const KIND_CODE: Record<EntryKind, number> = { log: 0, event: 1 };
const KIND_NAME: EntryKind[] = ['log', 'event'];

export interface QueueEntry {
  /** Sequence number of the row's last record (a batch row spans `records` consecutive numbers). */
  seq: number;
  kind: EntryKind;
  /** One serialized record, or all `records` of a batch row (layout given by `encoding`); bytes for a binary layout. */
  body: string | Uint8Array;
  /** 0: `body` is one record; n > 0: `body` holds n records (one accepted request). */
  records: number;
  /** Wall-clock time the entry was accepted, Unix ms. */
  enqueuedAtMs: number;
  /** Layout of `body`, as the writer numbered it (0 for rows of builds before this column). */
  encoding: number;
  /** Set when the row's body could not be read back (its segment file gone or cut short, its bytes damaged): `body` is then empty. */
  unreadable?: string;
}

export interface NewEntry {
  kind: EntryKind;
  /** Text, or bytes (stored as a BLOB and read back as a Uint8Array). */
  body: string | Uint8Array;
  /** Set when `body` holds this many records: one row (and one insert) for a whole request. */
  records?: number;
  /** Layout of `body` (the writer's own numbering, handed back by read()); 0 when absent. */
  encoding?: number;
}

/**
 * `full`: fsync the WAL on every append (accepted records survive power loss; a consumer's cursor
 * is made durable by the next append, so a power cut may re-send a batch). `normal`: survives a
 * process crash only.
 */
export type QueueSync = 'full' | 'normal';

export interface DurableQueueOptions {
  /** Folder for the database file (created when missing). */
  dir: string;
  /** Consumers whose positions hold rows back; rows every one of them has passed are deleted. */
  consumers: readonly string[];
  sync: QueueSync;
  /** Called with a message when the queue had to set a corrupt database aside, or could not delete a delivered segment file. */
  onWarning?: (message: string) => void;
}

/** Thrown when the database cannot be opened or written. */
export class QueueStorageError extends Error {
  override name = 'QueueStorageError';
}

interface PendingAppend {
  entries: readonly NewEntry[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class DurableQueue {
  readonly file: string;
  private readonly db: DatabaseSync;
  private readonly consumers: readonly string[];
  private readonly sync: QueueSync;
  private readonly insert: StatementSync;
  private readonly insertMany: StatementSync;
  private readonly readAfter: StatementSync;
  private readonly firstAfter: StatementSync;
  private readonly setCursor: StatementSync;
  // trim() runs on every commit: its statements are prepared once, not parsed per call.
  private readonly goneStats: StatementSync;
  private readonly deleteUpTo: StatementSync;
  private readonly freePages: StatementSync;
  private readonly firstSegmentAfter: StatementSync;
  private readonly bodies: BodySegments;
  private readonly onWarning: ((message: string) => void) | undefined;
  /** The segment whose delete failed last, so one that keeps failing is reported once. */
  private undeletable = 0;
  private readonly positions = new Map<string, number>();
  private headSeq = 0;
  private bytes = 0;
  private pending: PendingAppend[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private closed = false;
  private readonly listeners = new Set<() => void>();

  constructor(options: DurableQueueOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.file = join(options.dir, 'queue.db');
    this.consumers = [...options.consumers];
    this.sync = options.sync;
    this.onWarning = options.onWarning;
    const bodiesDir = join(options.dir, 'bodies');
    this.db = openDatabase(this.file, bodiesDir, options.sync, options.onWarning);
    this.bodies = new BodySegments(bodiesDir);
    // seq is given explicitly: a batch row takes the number of its last record, so seqs count
    // records (depth stays in records) while a 50-record request costs one row.
    const values = `(${Array(ROW_PARAMS).fill('?').join(', ')})`;
    this.insert = this.db.prepare(`INSERT INTO entries (${INSERT_COLUMNS}) VALUES ${values}`);
    this.insertMany = this.db.prepare(`INSERT INTO entries (${INSERT_COLUMNS}) VALUES ${Array(ROWS_PER_INSERT).fill(values).join(', ')}`);
    this.readAfter = this.db.prepare(
      'SELECT seq, kind, size, enqueued_at, records, encoding, body, body_segment, body_offset, body_crc FROM entries WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    this.readAfter.setReturnArrays(true);
    this.firstAfter = this.db.prepare('SELECT enqueued_at FROM entries WHERE seq > ? ORDER BY seq LIMIT 1');
    this.setCursor = this.db.prepare(
      'INSERT INTO cursors (consumer, seq) VALUES (?, ?) ON CONFLICT(consumer) DO UPDATE SET seq = excluded.seq',
    );
    this.goneStats = this.db.prepare('SELECT COALESCE(SUM(size), 0) AS total, COUNT(*) AS n FROM entries WHERE seq <= ?');
    this.deleteUpTo = this.db.prepare('DELETE FROM entries WHERE seq <= ?');
    this.freePages = this.db.prepare('PRAGMA freelist_count');
    this.firstSegmentAfter = this.db.prepare(
      'SELECT body_segment FROM entries WHERE seq > ? AND body_segment IS NOT NULL ORDER BY seq LIMIT 1',
    );
    this.headSeq = storedHead(this.db);
    const stored = new Map(
      (this.db.prepare('SELECT consumer, seq FROM cursors').all() as { consumer: string; seq: number }[]).map((r) => [r.consumer, r.seq]),
    );
    // A consumer seen for the first time starts at the oldest retained row: whatever is still on
    // disk was accepted and is owed to every exporter that is configured now.
    for (const name of this.consumers) this.positions.set(name, stored.get(name) ?? 0);
    this.trim();
    this.releaseSegmentsBefore(this.firstSegmentInUse(0));
    const sum = this.db.prepare('SELECT COALESCE(SUM(size), 0) AS total FROM entries').get() as { total: number };
    this.bytes = sum.total;
  }

  /** Persists entries; resolves after the transaction holding them committed. */
  append(entries: readonly NewEntry[]): Promise<void> {
    if (this.closed) return Promise.reject(new QueueStorageError('queue is closed'));
    if (entries.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      // Seqs are handed out in append order; a failed transaction rolls headSeq back (flushPending).
      this.pending.push({ entries, resolve, reject });
      for (const e of entries) this.pendingBytes += Buffer.byteLength(e.body);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushPending());
      }
    });
  }

  /**
   * Rows after the consumer's committed position, oldest first: at most `limit` records and, past
   * the first row, no more than `maxBytes` of bodies (so a batch of large records stays small in
   * memory). A batch row is read whole (at least one row is always read). Rows are pulled one by
   * one and the scan stops at the budget. `after` reads past a seq beyond the committed position
   * instead (an exporter reading its next batch while the one before is still being sent).
   */
  read(consumer: string, limit: number, maxBytes = Number.POSITIVE_INFINITY, after = this.position(consumer)): QueueEntry[] {
    const out: QueueEntry[] = [];
    let bytes = 0;
    let count = 0;
    for (const row of this.readAfter.iterate(after, limit)) {
      // Rows come as arrays (setReturnArrays): no per-row object keyed by column name.
      const [seq, kind, size, enqueuedAt, records, encoding, stored, segment, offset, crc] = row as unknown as [
        number,
        number,
        number,
        number,
        number,
        number,
        string | Uint8Array,
        number | null,
        number | null,
        number | null,
      ];
      const n = Math.max(1, records);
      if (out.length > 0 && (bytes + size > maxBytes || count + n > limit)) break;
      bytes += size;
      count += n;
      const entry: QueueEntry = { seq, kind: KIND_NAME[kind] ?? 'log', body: stored, records, enqueuedAtMs: enqueuedAt, encoding };
      if (segment !== null) {
        // Rows of builds before the segments hold their body inline (segment null).
        const at = offset ?? 0;
        const body =
          typeof stored === 'string' ? this.bodies.readText(segment, at, size, crc) : this.bodies.readBytes(segment, at, size, crc);
        if (body !== undefined) entry.body = body;
        else {
          const fault = this.bodies.lastFault === 'missing' ? 'is missing' : 'does not match its checksum: damaged on disk';
          entry.unreadable = `its body (${size} bytes at ${at} in segment ${segment}) ${fault}`;
        }
      }
      out.push(entry);
    }
    return out;
  }

  /** Marks everything up to and including `seq` as delivered for this consumer. */
  commit(consumer: string, seq: number): void {
    if (this.closed || seq <= this.position(consumer)) return;
    // One transaction for the cursor, the delete and the vacuum step: one WAL sync per exporter
    // batch instead of three.
    const previous = this.position(consumer);
    const bytes = this.bytes;
    const release = this.segmentsFreedBy(consumer, seq);
    // A cursor needs no fsync of its own, even with QUEUE_SYNC=full: losing it to a power cut only
    // re-sends batches (at-least-once, as a crash between delivery and commit already does), and
    // the next append's fsync makes it durable anyway. Appends keep their fsync. A commit after
    // which segment files are deleted keeps it: rows that came back after a power cut must not
    // point into deleted files.
    const relax = this.sync === 'full' && release === 0;
    if (relax) this.db.exec('PRAGMA synchronous = NORMAL');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.setCursor.run(consumer, seq);
      this.positions.set(consumer, seq);
      this.trim();
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      this.positions.set(consumer, previous);
      this.bytes = bytes;
      throw err;
    } finally {
      if (relax) this.db.exec('PRAGMA synchronous = FULL');
    }
    if (release > 0) this.releaseSegmentsBefore(release);
  }

  /** Records the consumer has not committed yet. Seqs count records without gaps (a rolled-back append's are reused). */
  depth(consumer: string): number {
    return Math.max(0, this.headSeq - this.position(consumer));
  }

  /** Age in ms of the oldest entry the consumer has not committed; 0 when caught up. */
  oldestUnsentAgeMs(consumer: string, nowMs = Date.now()): number {
    if (this.depth(consumer) === 0) return 0;
    const row = this.firstAfter.get(this.position(consumer)) as { enqueued_at: number } | undefined;
    return row ? Math.max(0, nowMs - row.enqueued_at) : 0;
  }

  /** Bytes of record bodies held on disk (not yet delivered by every consumer) plus those being written. */
  backlogBytes(): number {
    return this.bytes + this.pendingBytes;
  }

  /** Bytes of record bodies waiting in memory for the next group commit. */
  pendingBytesInMemory(): number {
    return this.pendingBytes;
  }

  /** Highest sequence number written so far. */
  head(): number {
    return this.headSeq;
  }

  /** Registers a callback run after each committed append; returns the unsubscribe function. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits for pending appends, then closes the database (checkpointing the WAL). */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.pending.length > 0) this.flushPending();
    this.closed = true;
    this.listeners.clear();
    this.db.close();
    this.bodies.close();
  }

  private position(consumer: string): number {
    return this.positions.get(consumer) ?? 0;
  }

  /** Deletes the segments no row needs any more; one that cannot be deleted is reported once. */
  private releaseSegmentsBefore(segment: number): void {
    const problem = this.bodies.releaseBefore(segment);
    if (problem === undefined) return;
    const stuck = this.bodies.span().oldest;
    if (stuck === this.undeletable) return;
    this.undeletable = stuck;
    this.onWarning?.(problem);
  }

  /** The lowest position among the consumers (trim deletes rows up to it), with `consumer` at `seq` when given. */
  private lowestPosition(consumer?: string, seq = 0): number {
    let low = Number.POSITIVE_INFINITY;
    for (const name of this.consumers) low = Math.min(low, name === consumer ? seq : this.position(name));
    return low;
  }

  /** The segment of the first row after `seq` that has one; the current segment when none does. */
  private firstSegmentInUse(seq: number): number {
    const row = this.firstSegmentAfter.get(seq) as { body_segment: number } | undefined;
    return row?.body_segment ?? this.bodies.span().current;
  }

  /**
   * The segment before which every file would be deleted once `consumer` commits `seq` (0 when
   * none would): the first one a row still needs. Asked only while there is an older segment than
   * the current one, so a caught-up queue runs no query.
   */
  private segmentsFreedBy(consumer: string, seq: number): number {
    if (this.consumers.length === 0) return 0;
    const { oldest, current } = this.bodies.span();
    if (oldest >= current) return 0;
    const low = this.lowestPosition(consumer, seq);
    if (!Number.isFinite(low)) return 0;
    const first = this.firstSegmentInUse(low);
    return first > oldest ? first : 0;
  }

  private flushPending(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (batch.length === 0) return;
    const now = Date.now();
    let written = 0;
    try {
      // The bodies first, in one write (and fdatasync): the rows committed below point at them.
      const bodies: Uint8Array[] = [];
      for (const p of batch) for (const e of p.entries) bodies.push(typeof e.body === 'string' ? Buffer.from(e.body) : e.body);
      const { segment, offsets } = this.bodies.append(bodies, this.sync === 'full');
      this.db.exec('BEGIN IMMEDIATE');
      try {
        // Rows go in ROWS_PER_INSERT at a time, the rest one by one; each row's seq is its last record's.
        const params: (number | string | Uint8Array)[] = [];
        let row = 0;
        for (const p of batch) {
          for (const e of p.entries) {
            const body = bodies[row] as Uint8Array;
            const size = body.byteLength;
            const records = e.records ?? 0;
            this.headSeq += Math.max(1, records);
            const stored = typeof e.body === 'string' ? TEXT_IN_SEGMENT : BYTES_IN_SEGMENT;
            params.push(
              this.headSeq,
              KIND_CODE[e.kind],
              size,
              now,
              records,
              e.encoding ?? 0,
              stored,
              segment,
              offsets[row] as number,
              bodyCrc(body),
            );
            row += 1;
            written += size;
            if (params.length === ROW_PARAMS * ROWS_PER_INSERT) {
              this.insertMany.run(...params);
              params.length = 0;
            }
          }
        }
        for (let i = 0; i < params.length; i += ROW_PARAMS) this.insert.run(...params.slice(i, i + ROW_PARAMS));
        this.db.exec('COMMIT');
      } catch (err) {
        this.db.exec('ROLLBACK');
        this.headSeq = storedHead(this.db);
        throw err;
      }
    } catch (err) {
      const failure = new QueueStorageError(`queue write failed: ${(err as Error).message}`);
      for (const p of batch) p.reject(failure);
      return;
    }
    this.bytes += written;
    for (const p of batch) p.resolve();
    for (const listener of this.listeners) listener();
  }

  /** Deletes rows every consumer has passed; keeps the byte count in step. */
  private trim(): void {
    if (this.consumers.length === 0) return;
    const low = this.lowestPosition();
    if (!Number.isFinite(low) || low <= 0) return;
    const gone = this.goneStats.get(low) as { total: number; n: number };
    if (gone.n === 0) return;
    this.deleteUpTo.run(low);
    this.bytes = Math.max(0, this.bytes - gone.total);
    // Give freed pages back to the file system (auto_vacuum=INCREMENTAL), so the file shrinks after
    // a backlog drains instead of staying at its high-water mark; the next appends reuse a slack of
    // free pages. Only once every consumer has passed the head: the table is then empty and the
    // vacuum mostly truncates, while during a drain it moved live pages on every commit (work that
    // slowed the drain's every batch) for a file the drain was emptying anyway.
    if (low < this.headSeq) return;
    const free = (this.freePages.get() as { freelist_count: number }).freelist_count - FREE_PAGES_SLACK;
    if (free > 0) this.db.exec(`PRAGMA incremental_vacuum(${Math.min(free, MAX_VACUUM_PAGES)})`);
  }
}

/** The columns every insert sets, in the order of its parameters. */
const INSERT_COLUMNS = 'seq, kind, size, enqueued_at, records, encoding, body, body_segment, body_offset, body_crc';

/** Highest seq ever written (AUTOINCREMENT keeps it in sqlite_sequence even after rows are deleted). */
function storedHead(db: DatabaseSync): number {
  const head = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'entries'").get() as { seq: number } | undefined;
  return head?.seq ?? 0;
}

function openDatabase(file: string, bodiesDir: string, sync: QueueSync, onWarning?: (message: string) => void): DatabaseSync {
  try {
    return initDatabase(file, sync);
  } catch (err) {
    // A database SQLite cannot read (not a torn WAL tail, which SQLite skips by itself, but a
    // damaged main file) must not keep the engine from starting: set it aside for inspection and
    // start empty. What was in it is reported, not silently dropped.
    if (!existsSync(file)) throw new QueueStorageError(`cannot open queue ${file}: ${(err as Error).message}`);
    const aside = `${file}.corrupt-${Date.now()}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
    }
    // Its bodies go with it: the rows of the new database start over in new segments.
    setBodiesAside(bodiesDir, `${aside}.bodies`);
    onWarning?.(`queue database ${file} could not be opened (${(err as Error).message}); moved to ${aside}, starting empty`);
    return initDatabase(file, sync);
  }
}

function initDatabase(file: string, sync: QueueSync): DatabaseSync {
  const db = new DatabaseSync(file);
  try {
    // auto_vacuum must be chosen before the first table exists; it is a no-op on an existing file.
    db.exec('PRAGMA auto_vacuum = INCREMENTAL');
    db.exec('PRAGMA journal_mode = WAL');
    db.exec(`PRAGMA synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
    // Keep the WAL file from staying large after a burst (it is truncated to this after checkpoints).
    db.exec('PRAGMA journal_size_limit = 16777216');
    db.exec(`CREATE TABLE IF NOT EXISTS entries (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      kind INTEGER NOT NULL,
      size INTEGER NOT NULL,
      enqueued_at INTEGER NOT NULL,
      records INTEGER NOT NULL DEFAULT 0,
      body TEXT NOT NULL,
      encoding INTEGER NOT NULL DEFAULT 0
    )`);
    // A queue written by an older build: add the columns it lacks. Its rows are single records
    // (no `records`) and plain JSON (no `encoding`), which is what the defaults say.
    const columns = db.prepare('PRAGMA table_info(entries)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'records')) db.exec('ALTER TABLE entries ADD COLUMN records INTEGER NOT NULL DEFAULT 0');
    if (!columns.some((c) => c.name === 'encoding')) db.exec('ALTER TABLE entries ADD COLUMN encoding INTEGER NOT NULL DEFAULT 0');
    // Where the body is when it is not in `body` (body-segments.ts); null for rows of older builds.
    if (!columns.some((c) => c.name === 'body_segment')) db.exec('ALTER TABLE entries ADD COLUMN body_segment INTEGER');
    if (!columns.some((c) => c.name === 'body_offset')) db.exec('ALTER TABLE entries ADD COLUMN body_offset INTEGER');
    // The body's CRC-32 (body-segments.ts); null for rows of older builds, whose bodies are read unchecked.
    if (!columns.some((c) => c.name === 'body_crc')) db.exec('ALTER TABLE entries ADD COLUMN body_crc INTEGER');
    db.exec('CREATE TABLE IF NOT EXISTS cursors (consumer TEXT PRIMARY KEY, seq INTEGER NOT NULL)');
    db.prepare('SELECT COUNT(*) FROM entries').get();
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
