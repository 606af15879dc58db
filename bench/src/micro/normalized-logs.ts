// Workload-1 request bodies as the engine's normalizer (of the build under test, ENGINE_DIST) makes
// them into logs, for the micro-benchmarks that start from normalized records.
import { type Body, stamp } from '../workloads.ts';
import { distModule } from './engine-dist.ts';

type Normalizer = typeof import('../../../correlation-engine/src/ingest/normalize/normalizer.ts');
type NormalizedLog = import('../../../correlation-engine/src/model/types.ts').NormalizedLog;
const { normalizeApiRecord } = (await import(distModule('ingest/normalize/normalizer.js'))) as Normalizer;

/** Body `body` stamped as request `n` (stamp()), its records normalized as received at `receivedAtMs`. */
export function normalizedLogs(body: Body, n: number, receivedAtMs: number): NormalizedLog[] {
  const parsed = JSON.parse(stamp(body, n).toString()) as {
    resource: { service: string; host?: string; env?: string };
    records: Parameters<typeof normalizeApiRecord>[0][];
  };
  return parsed.records.map((r) =>
    normalizeApiRecord({ ...r, severity: r.severity === undefined ? undefined : String(r.severity) }, parsed.resource, receivedAtMs),
  );
}
