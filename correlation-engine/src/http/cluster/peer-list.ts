// The replicas to ask right now: the static list, or the A records of the DNS name, resolved
// again once the last answer is older than the refresh interval (scaling up or down shows within
// that time). A failed lookup keeps the last good list, so a DNS hiccup does not hide the cluster.
import { lookup } from 'node:dns/promises';
import { type ClusterConfig, MAX_PEERS } from './cluster-config.js';

export type LookupAll = (host: string) => Promise<readonly string[]>;

const lookupIpv4: LookupAll = async (host) => (await lookup(host, { all: true, family: 4 })).map((a) => a.address);

export interface PeerList {
  /** Base URLs of the replicas, possibly this one among them (recognized by its answer). */
  current(): Promise<readonly string[]>;
}

export function peerList(config: ClusterConfig, now: () => number = Date.now, resolve: LookupAll = lookupIpv4): PeerList {
  const dns = config.dns;
  if (dns === undefined) return { current: async () => config.staticPeers };
  let last: readonly string[] = [];
  let resolvedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<readonly string[]> | undefined;
  const lastAfter = (ms: number) => new Promise<readonly string[]>((resolve) => setTimeout(() => resolve(last), ms).unref());
  const refresh = async (): Promise<readonly string[]> => {
    try {
      const addresses = [...new Set(await resolve(dns.host))].sort().slice(0, MAX_PEERS);
      last = addresses.map((a) => `http://${a}:${dns.port}`);
    } catch {
      // Keep the last good list; tried again after the refresh interval.
    }
    resolvedAt = now();
    return last;
  };
  return {
    current() {
      if (now() - resolvedAt < config.dnsRefreshMs) return Promise.resolve(last);
      // Concurrent queries share one lookup.
      pending ??= refresh().finally(() => {
        pending = undefined;
      });
      // A lookup slower than a peer may take does not hold the query: it goes on with the last list.
      return Promise.race([pending, lastAfter(config.peerTimeoutMs)]);
    },
  };
}
