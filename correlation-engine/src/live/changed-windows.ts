// The windows changed since the last push to the live streams, each with the arrival time of the
// oldest record not yet pushed (for the visibility histogram), plus the events of windows that
// closed meanwhile. Records of one window between two pushes make one entry: updates coalesce.
// Bounded in bytes: past the bound everything is forgotten and the streams are told to re-read
// the API (a resync), so a burst cannot grow it.
import type { CorrelationEvent } from '../model/types.js';

/** One Map entry with its trace-id string and boxed arrival time (the correlator's estimate, state-bytes.ts). */
const ENTRY_BYTES = 48 + 16 + 32 + 16;
/** A closed event's slot: the event itself is the recent list's (already kept), only the reference is ours. */
const CLOSED_SLOT_BYTES = 8;

export interface ChangedBatch {
  /** trace id -> arrival (performance.now() ms) of its oldest record not yet pushed. */
  changed: Map<string, number>;
  closed: CorrelationEvent[];
  /** True when the bound was passed since the last push: what changed is unknown, re-read. */
  resync: boolean;
}

export class ChangedWindows {
  private changed = new Map<string, number>();
  private closed: CorrelationEvent[] = [];
  private bytes = 0;
  private resync = false;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** A record of this trace arrived at `arrivedAt`; O(1). */
  touch(traceId: string, arrivedAt: number): void {
    if (this.resync || this.changed.has(traceId)) return;
    if (!this.fits(ENTRY_BYTES + traceId.length)) return;
    this.changed.set(traceId, arrivedAt);
    this.bytes += ENTRY_BYTES + traceId.length;
  }

  /** The window of this event closed. */
  close(event: CorrelationEvent): void {
    if (this.resync || !this.fits(CLOSED_SLOT_BYTES)) return;
    this.closed.push(event);
    this.bytes += CLOSED_SLOT_BYTES;
  }

  /** Everything since the last take; starts over empty. */
  take(): ChangedBatch {
    const batch = { changed: this.changed, closed: this.closed, resync: this.resync };
    this.changed = new Map();
    this.closed = [];
    this.bytes = 0;
    this.resync = false;
    return batch;
  }

  get estimatedBytes(): number {
    return this.bytes;
  }

  private fits(more: number): boolean {
    if (this.bytes + more <= this.maxBytes) return true;
    this.changed = new Map();
    this.closed = [];
    this.bytes = 0;
    this.resync = true;
    return false;
  }
}
