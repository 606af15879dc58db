// The lines an operator looks for in `docker compose logs correlation-engine | grep datadog`
// (or loki, tempo): one when the exporter starts, naming where it sends; the first successful
// export; and every change between failing and healthy, so an outage shows as two lines however
// long it lasts. Never the API key: only the target URL (credentials stripped) and, for Datadog,
// the site. Attempt-by-attempt failures stay with the retry loop.
import type { DeliveryLogger } from './delivery-logger.js';

export interface ExporterIdentity {
  exporter: string;
  /** Where it sends, without credentials or query string. */
  target: string;
  /** Datadog site (datadoghq.com, datadoghq.eu, ...). */
  site?: string;
}

/** `url` without user:password and query string (a Loki URL may carry credentials). */
export function safeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

type Health = 'unknown' | 'healthy' | 'failing';

export class ExporterHealthLog {
  private health: Health = 'unknown';
  private failingSinceMs = 0;

  constructor(
    private readonly logger: DeliveryLogger,
    private readonly identity: ExporterIdentity,
    private readonly now: () => number = Date.now,
  ) {}

  /** The start-up line. */
  started(): void {
    this.logger.info({ ...this.identity }, 'exporter started');
  }

  /** A request was accepted: logs the first success and a recovery, nothing otherwise. */
  succeeded(): void {
    if (this.health === 'healthy') return;
    if (this.health === 'failing') {
      this.logger.info({ ...this.identity, downForMs: this.now() - this.failingSinceMs }, 'exporter healthy again');
    } else {
      this.logger.info({ ...this.identity }, 'exporter first successful export');
    }
    this.health = 'healthy';
  }

  /** A request failed: logs the change to failing, nothing while it stays failing. */
  failed(reason: string): void {
    if (this.health === 'failing') return;
    const since = this.health === 'healthy' ? 'was healthy' : 'no successful export yet';
    this.logger.warn({ ...this.identity, reason, since }, 'exporter failing');
    this.health = 'failing';
    this.failingSinceMs = this.now();
  }
}
