// Decides which failed Basic auth attempts get a log line: at most one per client (remote
// address) per interval, carrying how many were left out since the client's previous line. A
// password-guessing loop then costs one line a second, not one per attempt.

interface ClientEntry {
  lastLoggedMs: number;
  suppressed: number;
}

export class AuthFailureThrottle {
  // Insertion order is the order clients were last logged, so the first key is the stalest.
  private readonly clients = new Map<string, ClientEntry>();

  constructor(
    private readonly now: () => number,
    /** Clients remembered at most; the stalest is forgotten first (with its count of left-out lines). */
    private readonly maxClients = 1024,
    private readonly intervalMs = 1000,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** The number of attempts left out since the client's previous line when this one is to be logged, else undefined. */
  record(client: string): number | undefined {
    const nowMs = this.now();
    const entry = this.clients.get(client);
    if (entry && nowMs - entry.lastLoggedMs < this.intervalMs) {
      entry.suppressed += 1;
      return undefined;
    }
    const suppressed = entry?.suppressed ?? 0;
    if (entry) this.clients.delete(client);
    else if (this.clients.size >= this.maxClients) {
      const stalest = this.clients.keys().next().value;
      if (stalest !== undefined) this.clients.delete(stalest);
    }
    this.clients.set(client, { lastLoggedMs: nowMs, suppressed: 0 });
    return suppressed;
  }
}
