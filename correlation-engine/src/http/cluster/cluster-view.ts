// What the query routes need to answer for the cluster: this run's id (how a replica knows its
// own answer, and its entry in a cluster cursor), the peer list when peers are configured, the
// peer timeout and credentials, and which peer addresses turned out to be this replica (a DNS
// name's records and a static list may include it; it is then not asked over the network again).
import { randomBytes } from 'node:crypto';
import type { BasicAuthConfig } from '../../config.js';
import type { InflightBodies } from '../../memory/inflight-bodies.js';
import type { ClusterConfig } from './cluster-config.js';
import { type PeerList, peerList } from './peer-list.js';

export interface ClusterView {
  readonly runId: string;
  /** Undefined without ENGINE_PEERS / ENGINE_PEERS_DNS: every listing is this replica's alone. */
  readonly peers: PeerList | undefined;
  readonly timeoutMs: number;
  readonly authorization: string | undefined;
  /** Cluster queries running now (bounded in cluster-listing.ts). */
  gathering: number;
  /** The memory budget: peers' answers count as held bodies, and a short budget refuses gathering. */
  readonly memory: ClusterMemory;
  isSelf(url: string): boolean;
  markSelf(url: string): void;
  /** Forgets self addresses no longer in the peer list (DNS records change). */
  keepOnly(urls: readonly string[]): void;
}

export interface ClusterMemory {
  inflight: InflightBodies;
  /** Why memory is too short to gather now (the stage where ingest is refused), else undefined. */
  shortOfMemory(): string | undefined;
}

export function clusterView(config: ClusterConfig | undefined, basicAuth: BasicAuthConfig | undefined, memory: ClusterMemory): ClusterView {
  const self = new Set<string>();
  return {
    runId: randomBytes(12).toString('base64url'),
    peers: config ? peerList(config) : undefined,
    timeoutMs: config?.peerTimeoutMs ?? 0,
    authorization: basicAuth ? `Basic ${Buffer.from(`${basicAuth.user}:${basicAuth.pass}`, 'utf8').toString('base64')}` : undefined,
    gathering: 0,
    memory,
    isSelf: (url) => self.has(url),
    markSelf: (url) => void self.add(url),
    keepOnly(urls) {
      for (const url of self) if (!urls.includes(url)) self.delete(url);
    },
  };
}
