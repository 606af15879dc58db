// Makes committed queue writes durable without blocking the event loop. With QUEUE_SYNC=full the
// database runs with synchronous=NORMAL (a COMMIT writes its WAL frames but does not fsync them;
// checkpoints still sync the WAL before and the database after) and this class fdatasyncs the WAL
// file on libuv's thread pool before the appends are acknowledged. The durability is the same as
// synchronous=FULL (the WAL is on disk before the 2xx), but the disk flush no longer stops the
// engine: while one flush is in flight, the next requests are parsed, correlated and committed,
// and then share the next flush (a pipelined group commit). A synchronous fsync took 0.2–2 ms on
// the benchmark machine, all of it with the event loop stopped.
import { type FileHandle, open } from 'node:fs/promises';

/** Flushes a file's data to disk (fdatasync); injectable so tests can count and delay flushes. */
export type Datasync = (file: FileHandle) => Promise<void>;

const fdatasync: Datasync = (file) => file.datasync();

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class WalSyncer {
  private readonly walPath: string;
  private readonly datasync: Datasync;
  private file: FileHandle | undefined;
  /** Callers whose commit happened after the in-flight flush began: they need the next one. */
  private waiting: Waiter[] = [];
  private running: Promise<void> | undefined;

  constructor(walPath: string, datasync: Datasync = fdatasync) {
    this.walPath = walPath;
    this.datasync = datasync;
  }

  /** Resolves once everything written to the WAL before this call is on disk. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.running ??= this.run();
    });
  }

  /** Waits for any flush in flight, then lets go of the file (before the database closes it). */
  async close(): Promise<void> {
    await this.running;
    await this.file?.close();
    this.file = undefined;
  }

  private async run(): Promise<void> {
    // A flush covers only what was written before it started, so callers that arrive during a
    // flush wait for the next one; each turn takes everyone waiting so far.
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        // The WAL exists once the first COMMIT has written to it; it keeps its inode across
        // checkpoints (it is only reset or truncated), so one handle serves the queue's lifetime.
        this.file ??= await open(this.walPath, 'r+');
        await this.datasync(this.file);
        for (const w of batch) w.resolve();
      } catch (err) {
        // The rows are committed but maybe not on disk: the caller refuses the request, and if the
        // rows survive anyway they are delivered once more than acknowledged (never fewer).
        for (const w of batch) w.reject(err);
      }
    }
    this.running = undefined;
  }
}
