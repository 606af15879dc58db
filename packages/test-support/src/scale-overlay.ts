// The gateway's scale overlay (gateway/otel-config.scale.yaml) for engines on loopback: the same
// file with its DNS resolver swapped for a static list, the one part that differs from compose
// (where the service name resolves to the replicas). Used by the scale-out e2e tests and the bench.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '#repo';

export class OverlayShapeError extends Error {
  override name = 'OverlayShapeError';
}

export const SCALE_OVERLAY = repoPath('gateway/otel-config.scale.yaml');

const DNS_RESOLVER_BLOCK = / {4}resolver:\n {6}dns:\n(?: {8}.*\n)+/g;

/**
 * Writes the overlay (`source`, default the shipped one) into `dir`, each of its exporters'
 * `resolver: dns` swapped for `resolver: static` listing `endpoints` (host:port of the engines'
 * OTLP/gRPC receivers), and returns its path. Fails when the shipped overlay no longer has the
 * resolver block this rewrite expects, so a changed overlay is noticed, not silently half-applied.
 */
export function writeStaticScaleOverlay(dir: string, endpoints: readonly string[], source = SCALE_OVERLAY): string {
  const shipped = readFileSync(source, 'utf8');
  if (!shipped.match(DNS_RESOLVER_BLOCK)) throw new OverlayShapeError(`${source}: no "resolver: dns:" block to replace`);
  const file = join(dir, 'otel-config.scale.static.yaml');
  const resolver = `    resolver:\n      static:\n        hostnames: [${endpoints.join(', ')}]\n`;
  writeFileSync(file, shipped.replace(DNS_RESOLVER_BLOCK, resolver));
  return file;
}
