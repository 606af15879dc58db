// The key owner's side of linking across replicas (docs/scaling.md "Linking across replicas"):
// the gateway routes every sighting and every probe of a linking value to one replica, its owner,
// which therefore sees every window of the value and every trace-less log carrying it.
//
// It joins them with a Correlator of its own, whose windows are stubs of the windows other
// replicas hold (a sighting opens or extends one, for the window length), so a trace-less log
// meets the stubs, and a stub the logs still waiting, exactly as one engine's windows and logs meet
// (same key index, waiting list, fan-out and grace bounds). Each join is sent back as a link to the
// window's replica; a stub keeps no detail and its event at close is discarded.
import { Correlator } from '../correlate/correlator.js';
import type { DropReason } from '../correlate/drop-reason.js';
import type { NormalizedLog } from '../model/types.js';
import type { ClusterRecord } from './cluster-record.js';

export interface KeyOwnerOptions {
  instance: string;
  windowMs: number;
  /** Stub windows at most (CORR_MAX_OPEN_WINDOWS: a stub stands for a window some replica holds). */
  maxStubs: number;
  /** Trace-less logs waiting under this replica's keys at most (CORR_MAX_WAITING_LOGS). */
  maxWaitingLogs: number;
  /** Related traces listed per window (the correlator's default, 10). */
  maxRelated: number;
  now: () => number;
  send: (record: ClusterRecord) => void;
  /** The bounds a single engine counts (link fan-out, waiting buffer, key values) are counted here too. */
  onDrop: (reason: DropReason, count: number) => void;
}

/** Drops that mean the same here as on one engine; the stubs' own (no detail kept) are by design. */
const COUNTED: ReadonlySet<DropReason> = new Set<DropReason>(['link_fanout_cap', 'grace_buffer_full', 'key_values_cap']);

export class KeyOwner {
  private readonly stubs: Correlator;

  constructor(private readonly o: KeyOwnerOptions) {
    this.stubs = new Correlator({
      instance: o.instance,
      windowMs: o.windowMs,
      maxOpenWindows: o.maxStubs,
      maxWaitingLogs: o.maxWaitingLogs,
      // A stub stands for a window held elsewhere: its detail and its related list live there.
      maxSpansPerWindow: 0,
      maxLogsPerWindow: 0,
      maxRelatedPerWindow: 0,
      now: o.now,
      onDrop: (reason, count) => {
        if (COUNTED.has(reason)) o.onDrop(reason, count);
      },
      onLinked: (traceId, summary) => {
        if (summary.linkedBy) o.send({ kind: 'link', traceId, log: { ...summary, linkedBy: summary.linkedBy } });
      },
    });
  }

  /** Bytes of stub windows and waiting logs (the memory budget's accounting). */
  approxBytes(): number {
    const b = this.stubs.approxBytes();
    return b.windows + b.waitingLogs;
  }

  /** Stub windows open now. */
  get stubCount(): number {
    return this.stubs.openWindowCount;
  }

  /**
   * A window elsewhere took the value: its stub takes it (meeting the logs waiting under it), and
   * it and the value's other open windows (newest first, up to the cap) are told about each other.
   */
  sighting(r: Extract<ClusterRecord, { kind: 'sighting' }>): void {
    this.stubs.addSighting(r.traceId, { [r.key]: r.value });
    const { key, value } = r;
    // One more than the cap: the new stub itself is the newest of the value's list.
    this.stubs.openTracesWith(key, value, this.o.maxRelated + 1, (other) => {
      if (other === r.traceId) return;
      this.o.send({ kind: 'related', traceId: r.traceId, related: { traceId: other, key, value } });
      this.o.send({ kind: 'related', traceId: other, related: { traceId: r.traceId, key, value } });
    });
  }

  /** A trace-less log carrying the value: joins the value's stubs and waits for later ones. */
  probe(r: Extract<ClusterRecord, { kind: 'probe' }>): void {
    const log: NormalizedLog = {
      ...r.log,
      env: undefined,
      host: undefined,
      traceId: undefined,
      keys: { [r.key]: r.value },
      attributes: {},
      format: 'plain',
      source: 'otlp',
    };
    this.stubs.addLogs([log]);
  }

  /** Expires stubs and waiting logs (the pipeline's tick); the stubs' events are not events of this replica. */
  tick(): void {
    this.stubs.tick();
  }

  /** Forgets every stub and waiting log (shutdown: another replica owns the keys next). */
  clear(): void {
    this.stubs.flush();
  }
}
