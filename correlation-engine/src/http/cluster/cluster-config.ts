// How a replica finds the others for the cluster-wide query routes: a static list of base URLs
// (ENGINE_PEERS, tests and simple setups) or one DNS name whose A records are the replicas
// (ENGINE_PEERS_DNS, a compose service scaled with --scale or a Kubernetes headless service).
import { z } from 'zod';

/** Replicas one query gathers from at most: every one costs a request and a page of memory. */
export const MAX_PEERS = 64;

export interface PeerDnsName {
  host: string;
  port: number;
}

export interface ClusterConfig {
  /** ENGINE_PEERS: base URLs without a trailing slash (this replica may be among them). */
  staticPeers: readonly string[];
  /** ENGINE_PEERS_DNS: every A record of `host` is one replica listening on `port`. */
  dns: PeerDnsName | undefined;
  /** How long a DNS answer is used before the name is resolved again. */
  dnsRefreshMs: number;
  /** Longest wait for one peer's answer; a peer slower than this is reported unavailable. */
  peerTimeoutMs: number;
}

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

function peerUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    if (url.search || url.hash || url.username || url.password) return undefined;
    return url.href.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

/** ENGINE_PEERS: a comma list of http(s) base URLs. */
export function envPeerList() {
  return z.preprocess(
    blank,
    z
      .string()
      .optional()
      .transform((raw, ctx) => {
        if (raw === undefined) return [];
        const entries = raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        const urls: string[] = [];
        for (const entry of entries) {
          const url = peerUrl(entry);
          if (url === undefined) {
            ctx.addIssue({ code: 'custom', message: `not an http(s) base URL without credentials or query: ${JSON.stringify(entry)}` });
            return z.NEVER;
          }
          if (!urls.includes(url)) urls.push(url);
        }
        if (urls.length > MAX_PEERS) {
          ctx.addIssue({ code: 'custom', message: `at most ${MAX_PEERS} peers` });
          return z.NEVER;
        }
        return urls;
      }),
  );
}

/** ENGINE_PEERS_DNS: `<name>:<port>`. */
export function envPeerDnsName() {
  return z.preprocess(
    blank,
    z
      .string()
      .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}):([1-9][0-9]{0,4})$/, { error: 'must be <dns name>:<port>, e.g. correlation-engine:8080' })
      .transform((raw, ctx) => {
        const at = raw.lastIndexOf(':');
        const port = Number(raw.slice(at + 1));
        if (port > 65535) {
          ctx.addIssue({ code: 'custom', message: 'port must be <= 65535' });
          return z.NEVER;
        }
        return { host: raw.slice(0, at), port };
      })
      .optional(),
  );
}

export function clusterConfig(e: {
  ENGINE_PEERS: string[];
  ENGINE_PEERS_DNS?: PeerDnsName | undefined;
  ENGINE_PEERS_DNS_REFRESH_MS: number;
  ENGINE_PEER_TIMEOUT_MS: number;
}): ClusterConfig | undefined {
  if (e.ENGINE_PEERS.length === 0 && e.ENGINE_PEERS_DNS === undefined) return undefined;
  return {
    staticPeers: e.ENGINE_PEERS,
    dns: e.ENGINE_PEERS_DNS,
    dnsRefreshMs: e.ENGINE_PEERS_DNS_REFRESH_MS,
    peerTimeoutMs: e.ENGINE_PEER_TIMEOUT_MS,
  };
}
