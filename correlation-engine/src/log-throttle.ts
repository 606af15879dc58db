// Decides which occurrences of a repeated event get a log line: at most one per key per interval,
// carrying the weight left out since the key's previous line. A password-guessing loop (key: the
// client's address) then costs one line a second, not one per attempt; a backend refusing every
// batch (key: the exporter's rejection status) one line per interval, not one per batch. What is
// left out of the log is still counted in the metrics.

/**
 * The interval for lines about a failure that repeats at the rate of requests or batches while it
 * lasts (a backend or a disk refusing everything): one every 10 s says it is still going on.
 */
export const FAILURE_LOG_INTERVAL_MS = 10_000;

interface KeyEntry {
  lastLoggedMs: number;
  /** Weight of the occurrences left out since this key's last line. */
  suppressed: number;
}

export class LogThrottle {
  // Insertion order is the order keys were last logged, so the first key is the stalest.
  private readonly keys = new Map<string, KeyEntry>();

  constructor(
    private readonly now: () => number,
    /** Keys remembered at most; the stalest is forgotten first (with the weight it left out). */
    private readonly maxKeys = 1024,
    private readonly intervalMs = 1000,
  ) {}

  get size(): number {
    return this.keys.size;
  }

  /**
   * An occurrence of `key` weighing `weight` (one attempt, a batch's records): when it is to be
   * logged, the weight left out since the key's previous line; else undefined (it is left out).
   */
  record(key: string, weight = 1): number | undefined {
    const nowMs = this.now();
    const entry = this.keys.get(key);
    if (entry && nowMs - entry.lastLoggedMs < this.intervalMs) {
      entry.suppressed += weight;
      return undefined;
    }
    const suppressed = entry?.suppressed ?? 0;
    if (entry) this.keys.delete(key);
    else if (this.keys.size >= this.maxKeys) {
      const stalest = this.keys.keys().next().value;
      if (stalest !== undefined) this.keys.delete(stalest);
    }
    this.keys.set(key, { lastLoggedMs: nowMs, suppressed: 0 });
    return suppressed;
  }
}
