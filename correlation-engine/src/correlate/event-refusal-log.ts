// The log lines for correlation events that delivery refuses (its backlog over QUEUE_MAX_BYTES
// while a backend is down, a queue write failing): one when refusing starts or its cause changes,
// one when delivery takes events again, with how many it refused meanwhile. An outage of a
// backend closes windows all along, and one line per refused batch (with its stack) buried the
// lines an operator needs under hundreds a minute; every refused event is still counted, in
// correlation_records_dropped_total{reason="event_delivery_refused"}.
import { BackpressureError } from '../delivery/delivery.js';

export interface EventRefusalLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export class EventRefusalLog {
  /** When the current run of refusals began (`now()`), or undefined while delivery takes events. */
  private refusingSinceMs: number | undefined;
  /** The error name that began the run (a different one is logged too). */
  private cause = '';
  private refused = 0;

  constructor(
    private readonly log: EventRefusalLogger,
    private readonly now: () => number,
  ) {}

  /** Delivery refused `events` events with `err`. */
  refusedBatch(err: unknown, events: number): void {
    this.refused += events;
    const cause = err instanceof Error ? err.name : typeof err;
    if (this.refusingSinceMs !== undefined && cause === this.cause) return;
    this.refusingSinceMs ??= this.now();
    this.cause = cause;
    // A refusal delivery means to make (its backlog bound) names its reason; anything else keeps its stack.
    const detail = err instanceof BackpressureError ? { reason: err.message } : { err };
    this.log.warn(
      { ...detail, events, dropped: 'correlation_records_dropped_total{reason="event_delivery_refused"}' },
      'delivery refusing correlation events; each is counted, none is logged until delivery takes them again',
    );
  }

  /** Delivery took a batch of events. */
  accepted(): void {
    if (this.refusingSinceMs === undefined) return;
    this.log.info({ refused: this.refused, refusingForMs: this.now() - this.refusingSinceMs }, 'delivery taking correlation events again');
    this.refusingSinceMs = undefined;
    this.cause = '';
    this.refused = 0;
  }
}
