// The waiting-log ring: trace-less logs kept for a while so a window that takes one of their
// linking values later can still list them. Every waiting log has the same lifetime and the ring
// drops its oldest when full, so logs leave in arrival order (a FIFO, numbered by `seq`).
//
// Why a ring of parallel arrays and not an object per log: at a busy orchestrator's rate the
// waiting list turns over in a fraction of a second, so every waiting log outlived one or two
// young-generation collections and was copied and promoted only to die in the old generation,
// with its list of key entries and its place in each entry's list of logs beside it. Here a log
// is a slot: its numbers in typed arrays, its strings and entries by reference in arrays reused
// slot after slot, and the logs waiting under one value chained through `prev` (seq of the one
// before under the same entry). Nothing is allocated per waiting log but the summaries made when
// a window joins it.
import {
  BUSINESS_KEYS,
  type BusinessKey,
  type BusinessKeys,
  LINKING_KEYS,
  type LogSummary,
  type NormalizedLog,
  type Severity,
} from '../model/types.js';
import { keySlot, slotHas } from './key-slots.js';
import type { KeyEntry, Window } from './state.js';
import { LOG_SUMMARY_BYTES, stringBytes, WAITING_LOG_BYTES } from './state-bytes.js';

/** Position in BUSINESS_KEYS of each linking key. */
const BUSINESS_SLOT: readonly number[] = LINKING_KEYS.map((k) => BUSINESS_KEYS.indexOf(k));
const LINKING = LINKING_KEYS.length;
/**
 * Slots the ring starts with; it doubles up to its capacity as logs wait (a large
 * CORR_MAX_WAITING_LOGS costs nothing until used) and halves back once three quarters are free,
 * so the memory a burst took is given back after it.
 */
const INITIAL_SLOTS = 1024;
/** `prev` of the oldest log under an entry. */
const NONE = -1;

export class WaitingLogs {
  /** Seq of the oldest waiting log, and the seq the next one gets. */
  private head = 0;
  private next = 0;
  private size = 0;
  private expires!: Float64Array;
  private time!: Float64Array;
  private severity!: (Severity | undefined)[];
  private service!: (string | undefined)[];
  private message!: (string | undefined)[];
  private spanId!: (string | undefined)[];
  /**
   * Each log's bytes without its summaries (bytesOf), counted when it came: read again when it
   * leaves, long after, its strings' lengths would be one cache miss each.
   */
  private ownBytes!: Float64Array;
  /**
   * Per linking key: the entry the log waits in, or the value it waits alone under (lone-values.ts
   * then holds its seq), as enqueue() was given it; the seq of the log before it in that entry, or
   * the lone value's hash; the summary made for joins through it.
   */
  private waitsIn!: WaitsUnder[][];
  private prev!: Float64Array[];
  private summaries!: (LogSummary | undefined)[][];

  /** Slots every ring keeps, even empty (its first size). */
  private readonly baseSize: number;

  constructor(private readonly capacity: number) {
    this.baseSize = Math.max(1, Math.min(capacity, INITIAL_SLOTS));
    this.allocate(this.baseSize);
  }

  /** Logs waiting now. */
  get count(): number {
    return this.next - this.head;
  }

  /**
   * Estimated bytes of the slots held beyond the live logs' (each counted in bytesOf) and beyond
   * the ring's first size: what a burst left allocated until the ring halves back.
   */
  spareBytes(): number {
    return Math.max(0, this.size - Math.max(this.count, this.baseSize)) * WAITING_LOG_BYTES;
  }

  /** When the oldest waiting log expires; +Infinity when none waits. */
  oldestExpiry(): number {
    return this.head === this.next ? Number.POSITIVE_INFINITY : (this.expires[this.head % this.size] as number);
  }

  /**
   * Adds a log at the tail, waiting in `waitsIn[k]` for each linking key k it has a value of: an
   * entry, or the value itself when the log is alone under it (the caller adds the returned seq to
   * the lone values; `loneHashes[k]` is the value's hash, kept for its removal); undefined for
   * keys without a value. The caller keeps room: count < capacity.
   */
  enqueue(log: NormalizedLog, expiresAt: number, waitsIn: readonly WaitsUnder[], loneHashes: readonly number[]): number {
    if (this.count === this.size) this.resize(Math.min(this.capacity, this.size * 2));
    const seq = this.next++;
    const at = seq % this.size;
    this.expires[at] = expiresAt;
    this.time[at] = log.timeUnixMs;
    this.severity[at] = log.severity;
    this.service[at] = log.service;
    this.message[at] = log.message;
    this.spanId[at] = log.spanId;
    this.ownBytes[at] = WAITING_LOG_BYTES + stringBytes(log.message) + stringBytes(log.spanId);
    for (let k = 0; k < LINKING; k++) {
      const entry = waitsIn[k];
      (this.waitsIn[k] as WaitsUnder[])[at] = entry;
      if (typeof entry === 'string') (this.prev[k] as Float64Array)[at] = loneHashes[k] as number;
      if (typeof entry !== 'object') continue;
      (this.prev[k] as Float64Array)[at] = entry.waitingCount === 0 ? NONE : entry.waitingNewest;
      entry.waitingNewest = seq;
      entry.waitingCount += 1;
    }
    return seq;
  }

  /**
   * The log alone under linking key k's value now waits in `entry` (made for a second log or a
   * window taking the value): the first of the entry's chain.
   */
  adopt(seq: number, k: number, entry: KeyEntry): void {
    const at = seq % this.size;
    (this.waitsIn[k] as WaitsUnder[])[at] = entry;
    (this.prev[k] as Float64Array)[at] = NONE;
    entry.waitingNewest = seq;
    entry.waitingCount = 1;
  }

  /**
   * Takes the oldest log off the ring and out of its entries; calls `left` with each entry it
   * waited in (the caller releases those nothing else refers to) and `leftAlone` with each value
   * it waited alone under, its hash and the log's seq (the caller takes it out of the lone values).
   * Returns its bytes (bytesOf).
   */
  takeOldest(left: (entry: KeyEntry) => void, leftAlone: (k: number, value: string, hash: number, seq: number) => void): number {
    if (this.head === this.next) return 0;
    const bytes = this.bytesOf(this.head);
    const at = this.head % this.size;
    this.head += 1;
    this.severity[at] = undefined;
    this.service[at] = undefined;
    this.message[at] = undefined;
    this.spanId[at] = undefined;
    for (let k = 0; k < LINKING; k++) {
      const waitsIn = this.waitsIn[k] as WaitsUnder[];
      const entry = waitsIn[at];
      if (entry === undefined) continue;
      waitsIn[at] = undefined;
      if (typeof entry === 'string') {
        leftAlone(k, entry, (this.prev[k] as Float64Array)[at] as number, this.head - 1);
        continue;
      }
      (this.summaries[k] as (LogSummary | undefined)[])[at] = undefined;
      // Logs leave in arrival order, so the one leaving is its entry's oldest.
      entry.waitingCount -= 1;
      left(entry);
    }
    return bytes;
  }

  /**
   * Halves the ring while three quarters of its slots are free (down to its first size). Called
   * after logs left, once per batch of them: a slot a burst took is given back, not kept forever.
   */
  shrink(): void {
    while (this.size > this.baseSize && this.count * 4 <= this.size) this.resize(Math.max(this.baseSize, Math.ceil(this.size / 2)));
  }

  /** Empties the ring, back to its first size (shutdown: the key index is cleared by the caller, entries and all). */
  clear(): void {
    this.head = 0;
    this.next = 0;
    this.allocate(this.baseSize);
  }

  /** When the log expires. */
  expiresAt(seq: number): number {
    return this.expires[seq % this.size] as number;
  }

  /** The value the log waits alone under at linking key k, while it waits so (lone-values.ts reads it to compare). */
  loneValueAt(seq: number, k: number): string | undefined {
    if (seq < this.head || seq >= this.next) return undefined;
    const entry = (this.waitsIn[k] as WaitsUnder[])[seq % this.size];
    return typeof entry === 'string' ? entry : undefined;
  }

  /** The log waiting under the same entry just before it (k: its linking key), or -1. */
  prevOf(seq: number, k: number): number {
    return (this.prev[k] as Float64Array)[seq % this.size] as number;
  }

  /**
   * Estimated bytes of a waiting log: its slot, its own strings (service and severity are shared
   * by every log of the service) and the summaries made for it so far. A summary made later
   * (makeSummary) adds to it, so the figure taken out is the one last added.
   */
  bytesOf(seq: number): number {
    const at = seq % this.size;
    let bytes = this.ownBytes[at] as number;
    for (let k = 0; k < LINKING; k++) if ((this.summaries[k] as (LogSummary | undefined)[])[at] !== undefined) bytes += LOG_SUMMARY_BYTES;
    return bytes;
  }

  /** The summary made for joins through linking key k, if a window joined through it yet. */
  summaryAt(seq: number, k: number): LogSummary | undefined {
    return (this.summaries[k] as (LogSummary | undefined)[])[seq % this.size];
  }

  /**
   * Makes the summary windows list for the log joining through linking key k (summaryAt said there
   * is none), shared by every window that joins through that value after; LOG_SUMMARY_BYTES more.
   */
  makeSummary(seq: number, k: number): LogSummary {
    const at = seq % this.size;
    // A window joins a log only through an entry (a lone value has no window).
    const linkedBy = linkedByOf((this.waitsIn[k] as WaitsUnder[])[at] as KeyEntry);
    const timeUnixMs = this.time[at] as number;
    const severity = this.severity[at] as Severity;
    const service = this.service[at] as string;
    const message = this.message[at] as string;
    const spanId = this.spanId[at];
    // One literal per shape, so every summary of a shape shares V8's hidden class.
    const s: LogSummary = spanId
      ? { timeUnixMs, severity, service, message, spanId, linkedBy }
      : { timeUnixMs, severity, service, message, linkedBy };
    (this.summaries[k] as (LogSummary | undefined)[])[at] = s;
    return s;
  }

  /**
   * True when the log also waits under another value the window met before this one: the window
   * carried that value before this record, or this record carried it at a key handled earlier in
   * the correlator's addKeys loop (key position < bk). Either way the log joined then (or was left
   * out by a fan-out cap, counted then), so it must not join twice.
   */
  joinedThroughOther(seq: number, k: number, w: Window, keys: BusinessKeys, bk: number, lent: boolean): boolean {
    const at = seq % this.size;
    for (let other = 0; other < LINKING; other++) {
      if (other === k) continue;
      const entry = (this.waitsIn[other] as WaitsUnder[])[at];
      // A value it waits alone under was taken by no window (a window's taking makes the entry).
      if (typeof entry !== 'object') continue;
      const obk = BUSINESS_SLOT[other] as number;
      if (lent ? obk < bk && keys[BUSINESS_KEYS[obk] as BusinessKey] === entry.value : slotHas(keySlot(w.keys, obk), entry.value))
        return true;
    }
    return false;
  }

  /** Fresh, empty slots, `size` of them. */
  private allocate(size: number): void {
    this.size = size;
    this.expires = new Float64Array(size);
    this.time = new Float64Array(size);
    this.severity = slots(size);
    this.service = slots(size);
    this.message = slots(size);
    this.spanId = slots(size);
    this.ownBytes = new Float64Array(size);
    this.waitsIn = LINKING_KEYS.map(() => slots(size));
    this.prev = LINKING_KEYS.map(() => new Float64Array(size));
    this.summaries = LINKING_KEYS.map(() => slots(size));
  }

  /** The ring with `size` slots, each waiting log moved to its slot there (O(logs), amortized by the doublings and halvings between). */
  private resize(size: number): void {
    if (size < this.count || size === this.size) throw new Error(`waiting-log ring cannot hold ${this.count} logs in ${size} slots`);
    const old = { ...this };
    const from = old.size;
    this.allocate(size);
    const move = <T extends { [i: number]: unknown }>(was: T, made: T): void => {
      for (let seq = this.head; seq < this.next; seq++) made[seq % size] = was[seq % from];
    };
    move(old.expires, this.expires);
    move(old.time, this.time);
    move(old.severity, this.severity);
    move(old.service, this.service);
    move(old.message, this.message);
    move(old.spanId, this.spanId);
    move(old.ownBytes, this.ownBytes);
    for (let k = 0; k < LINKING; k++) {
      move(old.waitsIn[k] as WaitsUnder[], this.waitsIn[k] as WaitsUnder[]);
      move(old.prev[k] as Float64Array, this.prev[k] as Float64Array);
      move(old.summaries[k] as (LogSummary | undefined)[], this.summaries[k] as (LogSummary | undefined)[]);
    }
  }
}

/** Where a waiting log waits under one linking key: an entry, the value it is alone under, or nothing. */
type WaitsUnder = KeyEntry | string | undefined;

/** `n` empty slots (holey arrays of undefined would make every read a lookup in the prototype chain). */
function slots<T>(n: number): T[] {
  return new Array<T>(n).fill(undefined as T);
}

/** True when the log carries a value of some linking key (else it can join no window). */
export function hasLinkingValue(log: NormalizedLog): boolean {
  for (const key of LINKING_KEYS) if (log.keys[key]) return true;
  return false;
}

/** How windows joined through this entry say so; made on first use (most values never link a log). */
function linkedByOf(entry: KeyEntry): NonNullable<LogSummary['linkedBy']> {
  entry.linkedBy ??= { key: LINKING_KEYS[entry.slot] as BusinessKey, value: entry.value };
  return entry.linkedBy;
}
