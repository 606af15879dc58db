// The cluster records' wire form, read back the way the engine reads any OTLP log: through the
// normalizer (decodeLogs), so what is tested is what a replica gets from the gateway.
import { describe, expect, it } from 'vitest';
import {
  type ClusterRecord,
  ClusterRecordError,
  decodeClusterRecord,
  encodeClusterRecord,
  routeOf,
} from '../../src/cluster-linking/cluster-record.js';
import { decodeLogs } from '../../src/ingest/otlp/index.js';

const T1 = 'ab000000000000000000000000000001';
const T2 = 'ab000000000000000000000000000002';
const log = { timeUnixMs: 1_764_750_000_123.5, severity: 'ERROR' as const, service: 'mdso', message: 'x=1 {"a":1} trace_id=ffff done' };

/** The record as a replica receives it: one OTLP/JSON log record through the engine's decoder. */
function received(r: ClusterRecord) {
  const body = { resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: [encodeClusterRecord(r, Date.now())] }] }] };
  const [one] = decodeLogs(body, 'json', Date.now()).logs;
  if (!one) throw new Error('nothing decoded');
  return one;
}

describe('cluster records on the wire', () => {
  it.each<[string, ClusterRecord, string]>([
    ['sighting', { kind: 'sighting', traceId: T1, key: 'circuit_id', value: 'CIRC 1=2' }, 'circuit_id=CIRC 1=2'],
    ['probe', { kind: 'probe', key: 'resource_id', value: 'RES-1', log: { ...log, spanId: 'cd00000000000001' } }, 'resource_id=RES-1'],
    ['link', { kind: 'link', traceId: T1, log: { ...log, linkedBy: { key: 'circuit_id', value: 'C' } } }, T1],
    ['related', { kind: 'related', traceId: T1, related: { traceId: T2, key: 'resource_id', value: 'R' } }, T1],
  ])('a %s survives the normalizer unchanged and is routed by its key or trace', (_kind, record, route) => {
    expect(routeOf(record)).toBe(route);
    expect(decodeClusterRecord(received(record))).toEqual(record);
  });

  it('keeps a long message whole (the body is the message, not a 1 KiB attribute)', () => {
    const record: ClusterRecord = { kind: 'probe', key: 'circuit_id', value: 'C', log: { ...log, message: 'm'.repeat(20_000) } };
    expect(decodeClusterRecord(received(record))).toEqual(record);
  });

  const marked = (kind: string, body: string) => ({
    timeUnixMs: 0,
    severity: 'INFO' as const,
    service: 's',
    message: body,
    keys: {},
    attributes: { 'obs.cluster': kind },
    format: 'plain' as const,
    source: 'otlp' as const,
  });

  it.each([
    ['no prefix', marked('link', '["x"]')],
    ['not JSON', marked('link', 'obs.cluster.v1 [')],
    ['not an array', marked('link', 'obs.cluster.v1 {}')],
    ['unknown kind', marked('gossip', 'obs.cluster.v1 []')],
    ['bad trace id', marked('sighting', 'obs.cluster.v1 ["nope","circuit_id","C"]')],
    ['not a linking key', marked('sighting', `obs.cluster.v1 ["${T1}","product_id","P"]`)],
    ['empty value', marked('sighting', `obs.cluster.v1 ["${T1}","circuit_id",""]`)],
    ['bad severity', marked('probe', 'obs.cluster.v1 ["circuit_id","C",1,"LOUD","s","m",null]')],
    ['bad span id', marked('probe', 'obs.cluster.v1 ["circuit_id","C",1,"INFO","s","m","zz"]')],
  ])('refuses a marked record with %s', (_what, bad) => {
    expect(() => decodeClusterRecord(bad)).toThrow(ClusterRecordError);
  });
});
