// A model of the hash ring inside the gateway's `load_balancing` exporter (collector-contrib 0.159,
// `consistent_hashing.go`), so the scale-out test can check that every trace reached the replica the
// ring names and the bench can tell the ring's own imbalance from anything the engines add.
//
// What the exporter does, from its source: each backend string ("host:port" as the resolver gives
// it) gets 200 points, point i at CRC-32 (IEEE) of the backend's bytes followed by i as a
// little-endian uint32, modulo 131,071; points are sorted by (position, hash, backend) and a point
// landing on a taken position moves ahead by one, at most 10 times, or is dropped. A routing key
// (with `routing_key: attributes`, "obs.route=<value>|") goes to the first point at or after
// CRC-32(key) mod 131,071, wrapping to the first point.
//
// Why the shares stray further from 1/N than 200 random points each would give: CRC-32 is linear,
// so for backend strings of the same length the 200 points of one are those of another XORed with
// one constant. The ring is N shifted copies of one pattern, not N × 200 independent points.
import { crc32 } from 'node:zlib';

export const RING_POSITIONS = 131_071;
export const POINTS_PER_BACKEND = 200;
const PROBE_LIMIT = 10;

interface Point {
  position: number;
  hash: number;
  backend: string;
}

/** The ring's points in position order, as the exporter builds them. */
export function buildRing(backends: readonly string[]): readonly Point[] {
  const candidates: Point[] = [];
  const index = Buffer.alloc(4);
  for (const backend of backends) {
    const bytes = Buffer.from(backend);
    for (let i = 0; i < POINTS_PER_BACKEND; i++) {
      index.writeUInt32LE(i);
      const hash = crc32(index, crc32(bytes));
      candidates.push({ position: hash % RING_POSITIONS, hash, backend });
    }
  }
  candidates.sort((a, b) => a.position - b.position || a.hash - b.hash || (a.backend < b.backend ? -1 : a.backend > b.backend ? 1 : 0));
  const taken = new Set<number>();
  const points: Point[] = [];
  for (const c of candidates) {
    let position = c.position;
    let probes = 0;
    while (taken.has(position) && probes < PROBE_LIMIT) {
      position = (position + 1) % RING_POSITIONS;
      probes++;
    }
    if (probes >= PROBE_LIMIT) continue;
    taken.add(position);
    points.push({ ...c, position });
  }
  return points.sort((a, b) => a.position - b.position);
}

/** The backend a routing key goes to: the first point at or after its position, else the first. */
export function backendFor(ring: readonly Point[], key: string): string | undefined {
  if (ring.length === 0) return undefined;
  const position = crc32(Buffer.from(key)) % RING_POSITIONS;
  let lo = 0;
  let hi = ring.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ring[mid] as Point).position < position) lo = mid + 1;
    else hi = mid;
  }
  return (ring[lo] ?? ring[0])?.backend;
}

/** The routing key the scale overlay gives a trace's spans and logs (`obs.route` = hex trace id). */
export const traceRoutingKey = (traceIdHex: string): string => `obs.route=${traceIdHex.toLowerCase()}|`;

/**
 * Each backend's share of the ring's positions, in the order given: the share of uniformly random
 * routing keys (trace ids) it gets.
 */
export function ringShares(backends: readonly string[]): number[] {
  const ring = buildRing(backends);
  const owned = arcsOf(ring.map((p) => ({ position: p.position, owner: p.backend })));
  return backends.map((b) => (owned.get(b) ?? 0) / RING_POSITIONS);
}

/**
 * Each replica's share when a replica is listed as several backends (one per port it listens on,
 * ENGINE_OTLP_GRPC_EXTRA_PORTS): the sum of its backends' shares, in the order given.
 */
export function replicaShares(replicas: readonly (readonly string[])[]): number[] {
  const shares = ringShares(replicas.flat());
  let next = 0;
  return replicas.map((backends) => {
    let share = 0;
    for (let i = 0; i < backends.length; i++) share += shares[next++] as number;
    return share;
  });
}

/**
 * Positions each owner holds on a ring of RING_POSITIONS whose points are sorted by position:
 * (previous point, this point] is this point's, and the first point also takes the wrap.
 */
export function arcsOf<K>(points: readonly { position: number; owner: K }[]): Map<K, number> {
  const owned = new Map<K, number>();
  for (let i = 0; i < points.length; i++) {
    const point = points[i] as { position: number; owner: K };
    const from =
      i === 0
        ? (points[points.length - 1] as { position: number }).position - RING_POSITIONS
        : (points[i - 1] as { position: number }).position;
    owned.set(point.owner, (owned.get(point.owner) ?? 0) + point.position - from);
  }
  return owned;
}

/** Largest |share - mean| / mean. */
export function worstDeviation(shares: readonly number[]): number {
  const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
  return Math.max(...shares.map((s) => Math.abs(s - mean) / mean));
}
