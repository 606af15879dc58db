#!/usr/bin/env node
import {
  arcsOf,
  POINTS_PER_BACKEND,
  RING_POSITIONS,
  replicaShares,
  ringShares,
  worstDeviation,
} from '../packages/test-support/src/collector-ring.ts';
// What share of the traces each engine replica gets from the gateway's load_balancing ring, for the
// backend addresses the resolver hands it (docs/scaling.md "How evenly the ring shares traces").
//
//   node scripts/ring-shares.mjs 172.18.0.5:4317 172.18.0.6:4317 172.18.0.7:4317
//   node scripts/ring-shares.mjs --survey 3     # every run of 3 consecutive addresses in 172.18.0.0/24
//   node scripts/ring-shares.mjs --survey 3 4317 12   # the same, each replica on 12 ports
//                                                       (4317 and 4320-4330: ENGINE_OTLP_GRPC_EXTRA_PORTS)
//
// The addresses of a compose deployment:
//   docker compose ps -q correlation-engine | xargs docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'
import { seededRandom } from '../packages/test-support/src/seeded-random.ts';

const args = process.argv.slice(2);
const pct = (x) => `${(x * 100).toFixed(1)}%`;

/** Shares on a ring of the same size where every point is drawn independently (seeded). */
function independentShares(n, next) {
  const points = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < POINTS_PER_BACKEND; i++) points.push({ position: Math.floor(next() * RING_POSITIONS), owner: b });
  points.sort((x, y) => x.position - y.position);
  const owned = arcsOf(points);
  return Array.from({ length: n }, (_, b) => (owned.get(b) ?? 0) / RING_POSITIONS);
}

function summary(worst) {
  worst.sort((a, b) => a - b);
  const at = (q) => worst[Math.min(worst.length - 1, Math.floor(q * worst.length))];
  const within = worst.filter((w) => w <= 0.1).length;
  return `median ${pct(at(0.5))}, 90th percentile ${pct(at(0.9))}, max ${pct(worst[worst.length - 1])}; within ±10%: ${pct(within / worst.length)} of the sets`;
}

if (args[0] === '--survey') {
  const n = Number(args[1] ?? 3);
  const port = Number(args[2] ?? 4317);
  const portsEach = Number(args[3] ?? 1);
  if (!Number.isInteger(n) || n < 2 || n > 50 || !Number.isInteger(portsEach) || portsEach < 1 || portsEach > 64) {
    console.error('usage: ring-shares.mjs --survey <replicas 2..50> [port] [ports per replica 1..64]');
    process.exit(2);
  }
  // The first port, then the extra ones from port + 3 up (4317, 4320, 4321, ...).
  const ports = [port, ...Array.from({ length: portsEach - 1 }, (_, i) => port + 3 + i)];
  const worst = [];
  for (let first = 2; first + n - 1 <= 254; first++) {
    const replicas = Array.from({ length: n }, (_, i) => ports.map((p) => `172.18.0.${first + i}:${p}`));
    worst.push(worstDeviation(replicaShares(replicas)));
  }
  const listed = portsEach === 1 ? `:${port}` : ` on ${portsEach} ports (${ports[0]}, ${ports[1]}-${ports.at(-1)})`;
  console.log(`${worst.length} sets of ${n} consecutive addresses (172.18.0.x${listed}), worst replica's distance from the mean:`);
  console.log(`  the exporter's ring:          ${summary(worst)}`);
  if (portsEach === 1) {
    const next = seededRandom(17);
    const independent = worst.map(() => worstDeviation(independentShares(n, next)));
    console.log(`  ${POINTS_PER_BACKEND} independent points each: ${summary(independent)}`);
  }
} else if (args.length >= 1 && !args[0].startsWith('-')) {
  const shares = ringShares(args);
  for (const [i, backend] of args.entries()) console.log(`${backend}\t${pct(shares[i])}`);
  console.log(`worst replica's distance from the mean: ${pct(worstDeviation(shares))}`);
} else {
  console.error('usage: ring-shares.mjs <host:port> <host:port> ... | --survey <replicas> [port]');
  process.exit(2);
}
