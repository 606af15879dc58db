// Every line of the Blue Planet sample (test/fixtures/blueplanet.log, a copy of
// /work/shared/samples/blueplanet.log) with the fields the normalizer must extract.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../../src/ingest/normalize/normalizer.js';
import type { NormalizedLog } from '../../../src/model/types.js';

const lines = readFileSync(new URL('../../fixtures/blueplanet.log', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0);
const NOW = Date.UTC(2026, 10, 25, 0, 0, 0);
const defaults = { service: 'mdso', env: 'lab', host: 'mdso-host', nowMs: NOW };
const at = (h: number, m: number, s: number, ms = 0) => Date.UTC(2026, 10, 24, h, m, s, ms);
const java = (thread: string, logger: string) => ({ thread, logger });

type Expected = Pick<NormalizedLog, 'timeUnixMs' | 'severity' | 'service' | 'host' | 'message' | 'keys' | 'attributes' | 'format'> &
  Partial<Pick<NormalizedLog, 'traceId' | 'spanId'>>;

const expected: Expected[] = [
  {
    timeUnixMs: at(21, 40, 2, 114),
    severity: 'INFO',
    service: 'mdso',
    host: 'mdso-host',
    message:
      'Resource activation requested resource_id=7f3c2a10-5b1e-4c2d-9a44-0e1f2b3c4d5e resource_type_id=tosca.resourceTypes.EthernetCircuit circuit_id=CKT-1001-NYC',
    keys: {
      resource_id: '7f3c2a10-5b1e-4c2d-9a44-0e1f2b3c4d5e',
      resource_type_id: 'tosca.resourceTypes.EthernetCircuit',
      circuit_id: 'CKT-1001-NYC',
    },
    attributes: java('bpocore-worker-3', 'com.ciena.bp.orchestrate.ResourceManager'),
    format: 'blueplanet',
  },
  {
    timeUnixMs: at(21, 40, 2, 131),
    severity: 'DEBUG',
    service: 'mdso',
    host: 'mdso-host',
    message: 'Executing plan activate for product_id=PROD-ETH-10G',
    keys: { product_id: 'PROD-ETH-10G' },
    attributes: java('bpocore-worker-3', 'com.ciena.bp.orchestrate.PlanExecutor'),
    format: 'blueplanet',
  },
  {
    timeUnixMs: at(21, 40, 3, 7),
    severity: 'WARN',
    service: 'mdso',
    host: 'mdso-host',
    message: "Product PROD-ETH-10G has deprecated property 'bandwidthProfile'",
    keys: {},
    attributes: java('market-http-12', 'com.ciena.bp.market.ProductCatalog'),
    format: 'blueplanet',
  },
  {
    timeUnixMs: at(21, 40, 4, 552),
    severity: 'ERROR',
    service: 'mdso',
    host: 'mdso-host',
    message: 'Device NE-ALBANY-07 rejected config: timeout after 30000 ms (circuit_id=CKT-1001-NYC, request_id=req-8c1d2e)',
    keys: { circuit_id: 'CKT-1001-NYC', request_id: 'req-8c1d2e' },
    attributes: java('bpocore-worker-3', 'com.ciena.bp.ra.DeviceAdapter'),
    format: 'blueplanet',
  },
  {
    timeUnixMs: at(21, 40, 4, 560),
    severity: 'INFO',
    service: 'mdso',
    host: 'mdso-host',
    message: 'Retrying activation attempt=2 circuit_id=CKT-1001-NYC',
    keys: { circuit_id: 'CKT-1001-NYC' },
    attributes: { ...java('bpocore-worker-3', 'com.ciena.bp.orchestrate.ResourceManager'), attempt: '2' },
    format: 'blueplanet',
  },
  {
    timeUnixMs: at(21, 40, 5, 998),
    severity: 'INFO',
    service: 'mdso',
    host: 'mdso-host',
    message: 'Resource 7f3c2a10-5b1e-4c2d-9a44-0e1f2b3c4d5e is ACTIVE circuit_id=CKT-1001-NYC',
    keys: { circuit_id: 'CKT-1001-NYC' },
    attributes: java('bpocore-worker-3', 'com.ciena.bp.orchestrate.ResourceManager'),
    format: 'blueplanet',
  },
  {
    timeUnixMs: at(21, 40, 6, 120),
    severity: 'INFO',
    service: 'mdso',
    host: 'mdso-host',
    message: 'Published ResourceStateChanged traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    keys: {},
    attributes: java('nsi-events-1', 'com.ciena.bp.nsi.EventPublisher'),
    format: 'blueplanet',
  },
  {
    timeUnixMs: at(21, 40, 7, 415),
    severity: 'INFO',
    service: 'mdso',
    host: 'mdso-host',
    message: 'sync complete',
    keys: { circuit_id: 'CKT-2040-DAL', resource_id: 'a1b2c3d4-0000-4000-8000-000000000001' },
    attributes: { logger: 'bpocore', durationMs: 812 },
    format: 'json',
  },
  {
    timeUnixMs: at(21, 40, 8),
    severity: 'INFO', // <134> = local0.info
    service: 'bpocore',
    host: 'mdso-dev',
    message: 'plan step configure-port finished circuit_id=CKT-2040-DAL status=ok',
    keys: { circuit_id: 'CKT-2040-DAL' },
    attributes: { facility: 16, pid: '2231', status: 'ok' },
    format: 'rfc3164',
  },
  {
    timeUnixMs: at(21, 40, 9),
    severity: 'ERROR', // <131> = local0.err
    service: 'bpocore',
    host: 'mdso-dev',
    message: 'plan step verify-path failed circuit_id=CKT-2040-DAL error="LOS on port 1/3"',
    keys: { circuit_id: 'CKT-2040-DAL' },
    attributes: { facility: 16, pid: '2231', error: 'LOS on port 1/3' },
    format: 'rfc3164',
  },
  {
    timeUnixMs: at(21, 40, 10, 201),
    severity: 'INFO', // <14> = user.info; AUDIT is the MSGID
    service: 'market',
    host: 'mdso-dev',
    message: 'order submitted',
    keys: { product_id: 'PROD-ETH-1G' },
    attributes: { facility: 1, pid: '3120', msgid: 'AUDIT', user: 'ops-admin' },
    format: 'rfc5424',
  },
  {
    timeUnixMs: at(21, 40, 11, 20),
    severity: 'ERROR', // <11> = user.err
    service: 'ra-juniper',
    host: 'mdso-dev',
    message: 'connection to NE-DAL-02 lost; will retry in 5s',
    keys: {},
    attributes: { facility: 1, pid: '4410' },
    format: 'rfc5424',
  },
  {
    timeUnixMs: at(21, 40, 12),
    severity: 'INFO',
    service: 'mdso',
    host: 'mdso-host',
    message: 'Purged 1243 stale operations in 211 ms',
    keys: {},
    attributes: java('scheduler-1', 'com.ciena.bp.housekeeping.Purger'),
    format: 'blueplanet',
  },
];

describe('parseLine: the Blue Planet sample', () => {
  it('has an expectation for every line of the fixture', () => {
    expect(lines).toHaveLength(expected.length);
  });

  it.each(lines.map((line, i) => [i + 1, line] as const))('line %i', (i, line) => {
    const want = expected[i - 1] as Expected;
    expect(parseLine(line, defaults)).toEqual({
      traceId: undefined,
      spanId: undefined,
      ...want,
      env: 'lab',
      source: 'api',
    });
  });
});
