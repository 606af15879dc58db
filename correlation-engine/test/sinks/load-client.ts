// A steady ingest client for fault tests: batches of records with unique messages posted to
// /api/logs by a few concurrent senders. It behaves like the collector's exporter: a 429/503 is
// retried after Retry-After (shortened here to keep the test brief), a network error likewise.
export interface LoadStats {
  /** Records in requests sent (including retries of the same batch: counted once). */
  sent: number;
  /** Records the engine answered 2xx for: they must arrive. */
  acknowledged: Set<number>;
  backpressured: number;
  networkErrors: number;
  retryAfterSeen: Set<string>;
}

export interface LoadOptions {
  url: string;
  service: string;
  batchSize: number;
  senders: number;
  /** Pause between batches per sender. */
  pauseMs: number;
  /** Cap on honouring Retry-After (the test compresses time). */
  maxRetryWaitMs: number;
}

export class LoadClient {
  readonly stats: LoadStats = { sent: 0, acknowledged: new Set(), backpressured: 0, networkErrors: 0, retryAfterSeen: new Set() };
  private next = 0;
  private stopped = false;
  private running: Promise<void>[] = [];
  url: string;

  constructor(private readonly options: LoadOptions) {
    this.url = options.url;
  }

  start(): void {
    for (let i = 0; i < this.options.senders; i += 1) this.running.push(this.sender());
  }

  /** Stops sending new batches; a batch being retried gives up (it was never acknowledged). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  private async sender(): Promise<void> {
    while (!this.stopped) {
      const ids = Array.from({ length: this.options.batchSize }, () => this.next++);
      this.stats.sent += ids.length;
      const body = JSON.stringify({
        resource: { service: this.options.service, host: 'load-host', env: 'fault' },
        records: ids.map((id) => ({
          timestamp: new Date().toISOString(),
          severity: 'INFO',
          message: `r-${id}`,
          circuit_id: `CKT-${id % 13}`,
        })),
      });
      while (!this.stopped) {
        try {
          const res = await fetch(`${this.url}/api/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          await res.arrayBuffer();
          if (res.status === 202 || res.status === 200) {
            for (const id of ids) this.stats.acknowledged.add(id);
            break;
          }
          if (res.status === 429 || res.status === 503) {
            this.stats.backpressured += 1;
            const retryAfter = res.headers.get('retry-after') ?? '';
            this.stats.retryAfterSeen.add(retryAfter);
            await pause(Math.min(this.options.maxRetryWaitMs, Number(retryAfter) * 1000 || 100));
            continue;
          }
          throw new Error(`unexpected status ${res.status}: ${await res.text()}`);
        } catch (err) {
          if ((err as Error).message.startsWith('unexpected status')) throw err;
          this.stats.networkErrors += 1;
          await pause(50);
        }
      }
      await pause(this.options.pauseMs);
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
