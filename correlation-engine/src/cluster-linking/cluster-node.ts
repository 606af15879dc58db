// One replica's part in linking across replicas (docs/scaling.md "Linking across replicas"),
// on when ENGINE_CLUSTER_GATEWAY_URL is set. Chain of events:
//
//   a window here first carries a linking value  -> sighting, routed by the key text, to its owner
//   a trace-less log with linking values arrives -> one probe per value, routed the same way
//   owner (key-owner.ts) joins probes and sightings -> link / related, routed by trace id, back here
//   a link or related record for a window here  -> added to it (each log once), or counted as late
//
// The trace-less log itself is stored, exported and counted by the replica it reached, as before;
// cluster records never are (they are counted in their own metrics).
import { createHash } from 'node:crypto';
import type { Correlator } from '../correlate/correlator.js';
import type { Window } from '../correlate/state.js';
import type { Metrics } from '../metrics.js';
import { type BusinessKey, LINKING_KEYS, type LogSummary, type NormalizedLog, type RelatedTrace } from '../model/types.js';
import { type ClusterRecord, ClusterRecordError, decodeClusterRecord, isClusterRecord } from './cluster-record.js';
import type { ClusterSender } from './cluster-sender.js';
import { KeyOwner } from './key-owner.js';

/** Log ids remembered per window for de-duplication; past it more links are taken as they come (counted). */
const MAX_LINK_IDS_PER_WINDOW = 1024;

export interface ClusterNodeOptions {
  instance: string;
  windowMs: number;
  maxOpenWindows: number;
  /** CORR_MAX_WAITING_LOGS, for the logs waiting under this replica's keys. */
  maxWaitingLogs: number;
  maxRelated: number;
  now: () => number;
  sender: ClusterSender;
  metrics: Pick<Metrics, 'clusterRecords' | 'clusterDropped' | 'countDropped'>;
}

export class ClusterNode {
  readonly owner: KeyOwner;
  private correlator: Correlator | undefined;
  /** Per open window: the linked logs already added (links arrive at least once, and once per key). */
  private readonly linkIds = new WeakMap<Window, Set<string>>();
  /** Per open window: related traces the key owners reported. */
  private readonly related = new WeakMap<Window, Map<string, RelatedTrace>>();

  constructor(private readonly o: ClusterNodeOptions) {
    this.owner = new KeyOwner({
      instance: o.instance,
      windowMs: o.windowMs,
      maxStubs: o.maxOpenWindows,
      maxWaitingLogs: o.maxWaitingLogs,
      maxRelated: o.maxRelated,
      now: o.now,
      send: (r) => o.sender.send(r),
      onDrop: (reason, count) => o.metrics.countDropped(reason, count),
    });
  }

  /** The correlator options that put this replica's windows in the cluster. */
  correlatorHooks() {
    return {
      linkTracelessLogs: false,
      onKeyTaken: (w: Window, key: BusinessKey, value: string) => this.o.sender.send({ kind: 'sighting', traceId: w.traceId, key, value }),
      remoteRelated: (w: Window) => this.related.get(w)?.values(),
    };
  }

  /** The correlator whose windows links and related traces are added to (built after this node). */
  attach(correlator: Correlator): void {
    this.correlator = correlator;
  }

  /** The batch's records that are not cluster records (the same array when it has none). */
  userLogs(logs: readonly NormalizedLog[]): readonly NormalizedLog[] {
    let marked = 0;
    for (const log of logs) if (isClusterRecord(log)) marked += 1;
    return marked === 0 ? logs : logs.filter((log) => !isClusterRecord(log));
  }

  /** Applies the batch's cluster records (after the batch was accepted). */
  applyRecords(logs: readonly NormalizedLog[]): void {
    for (const log of logs) {
      if (!isClusterRecord(log)) continue;
      let record: ClusterRecord;
      try {
        record = decodeClusterRecord(log);
      } catch (err) {
        if (!(err instanceof ClusterRecordError)) throw err;
        this.o.metrics.clusterDropped.inc({ reason: 'undecodable' });
        continue;
      }
      this.o.metrics.clusterRecords.inc({ kind: record.kind, direction: 'in' });
      this.apply(record);
    }
  }

  /** Sends a probe per linking value of each accepted trace-less log, to the value's owner. */
  probeTraceless(logs: readonly NormalizedLog[]): void {
    for (const log of logs) {
      if (log.traceId) continue;
      const { timeUnixMs, severity, service, message, spanId } = log;
      for (const key of LINKING_KEYS) {
        const value = log.keys[key];
        if (!value) continue;
        this.o.sender.send({
          kind: 'probe',
          key,
          value,
          log: spanId ? { timeUnixMs, severity, service, message, spanId } : { timeUnixMs, severity, service, message },
        });
      }
    }
  }

  /** Expires the owner's stubs and waiting logs. */
  tick(): void {
    this.owner.tick();
  }

  private apply(r: ClusterRecord): void {
    switch (r.kind) {
      case 'sighting':
        this.owner.sighting(r);
        return;
      case 'probe':
        this.owner.probe(r);
        return;
      case 'link':
        this.link(r.traceId, r.log);
        return;
      case 'related':
        this.addRelated(r.traceId, r.related);
        return;
    }
  }

  private openWindow(traceId: string): Window | undefined {
    const w = this.correlator?.openWindow(traceId);
    if (w === undefined) this.o.metrics.clusterDropped.inc({ reason: 'late' });
    return w;
  }

  private link(traceId: string, log: LogSummary): void {
    const w = this.openWindow(traceId);
    if (w === undefined || this.correlator === undefined) return;
    let ids = this.linkIds.get(w);
    if (ids === undefined) {
      ids = new Set();
      this.linkIds.set(w, ids);
    }
    const id = logId(log);
    if (ids.has(id)) {
      this.o.metrics.clusterDropped.inc({ reason: 'duplicate' });
      return;
    }
    if (ids.size < MAX_LINK_IDS_PER_WINDOW) ids.add(id);
    else this.o.metrics.clusterDropped.inc({ reason: 'dedupe_full' });
    this.correlator.joinRemoteLink(w, log);
  }

  private addRelated(traceId: string, related: RelatedTrace): void {
    if (related.traceId === traceId) return;
    const w = this.openWindow(traceId);
    if (w === undefined) return;
    let found = this.related.get(w);
    if (found === undefined) {
      found = new Map();
      this.related.set(w, found);
    }
    // The cap applies at close (withRemote); keeping one more than it is enough to fill it.
    if (!found.has(related.traceId) && found.size <= this.o.maxRelated) found.set(related.traceId, related);
  }
}

/**
 * What makes two links the same log: its time, service, severity and message (a log reaches a
 * window once per linking value it shares with it, and again when a record is redelivered). Two
 * distinct logs identical in all four are counted once (docs/scaling.md, tolerance).
 */
function logId(log: LogSummary): string {
  return createHash('sha1').update(`${log.timeUnixMs}\u0000${log.service}\u0000${log.severity}\u0000${log.message}`).digest('base64url');
}
