import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { severityFromValue } from '../../../src/ingest/normalize/normalize-severity.js';
import { normalizeApiRecord } from '../../../src/ingest/normalize/normalizer.js';
import { levelLines } from '../../fixtures/level-lines.js';

const NOW = Date.UTC(2026, 10, 25, 0, 0, 0);
const resource = { service: 'mdso', host: 'mdso-01', env: 'prod' };
const JAVA_LINE =
  '2026-11-24 21:40:04,552 INFO  [bpocore-worker-3] com.ciena.bp.ra.DeviceAdapter - Device NE-ALBANY-07 rejected config (circuit_id=CKT-1001-NYC, request_id=req-8c1d2e)';

describe('normalizeApiRecord', () => {
  it('parses the message and keeps resource defaults', () => {
    expect(normalizeApiRecord({ message: JAVA_LINE }, resource, NOW)).toEqual({
      timeUnixMs: Date.UTC(2026, 10, 24, 21, 40, 4, 552),
      severity: 'INFO',
      service: 'mdso',
      env: 'prod',
      host: 'mdso-01',
      message: 'Device NE-ALBANY-07 rejected config (circuit_id=CKT-1001-NYC, request_id=req-8c1d2e)',
      traceId: undefined,
      spanId: undefined,
      keys: { circuit_id: 'CKT-1001-NYC', request_id: 'req-8c1d2e' },
      attributes: { thread: 'bpocore-worker-3', logger: 'com.ciena.bp.ra.DeviceAdapter' },
      format: 'blueplanet',
      source: 'api',
    });
  });

  it('explicit record fields win over parsed ones; labels become attributes', () => {
    const log = normalizeApiRecord(
      {
        timestamp: '2026-11-24T21:41:00.000Z',
        severity: 'error',
        message: JAVA_LINE,
        labels: { team: 'noc', thread: 'from-label' },
        trace_id: '4BF92F3577B34DA6A3CE929D0E0E4736',
        span_id: '00f067aa0ba902b7',
        circuit_id: 'CKT-EXPLICIT',
        product_id: 'PROD-1',
        resource_type_id: 'tosca.x',
      },
      resource,
      NOW,
    );
    expect(log).toMatchObject({
      timeUnixMs: Date.UTC(2026, 10, 24, 21, 41),
      severity: 'ERROR',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      keys: { circuit_id: 'CKT-EXPLICIT', request_id: 'req-8c1d2e', product_id: 'PROD-1', resource_type_id: 'tosca.x' },
      attributes: { team: 'noc', thread: 'from-label', logger: 'com.ciena.bp.ra.DeviceAdapter' },
    });
  });

  it('an explicit trace_id replaces the parsed trace context, including its span id', () => {
    const line = 'x traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const other = normalizeApiRecord({ message: line, trace_id: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }, resource, NOW);
    expect(other).toMatchObject({ traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: undefined });
    const same = normalizeApiRecord({ message: line, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }, resource, NOW);
    expect(same).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
  });

  it('accepts epoch timestamps in seconds or milliseconds; a bad timestamp or severity falls back to the parsed one', () => {
    expect(normalizeApiRecord({ message: 'x', timestamp: 1795556402 }, resource, NOW).timeUnixMs).toBe(1795556402000);
    expect(normalizeApiRecord({ message: 'x', timestamp: 1795556402114 }, resource, NOW).timeUnixMs).toBe(1795556402114);
    const fallback = normalizeApiRecord({ message: JAVA_LINE, timestamp: 'yesterday-ish', severity: 'loud' }, resource, NOW);
    expect(fallback).toMatchObject({ timeUnixMs: Date.UTC(2026, 10, 24, 21, 40, 4, 552), severity: 'INFO' });
    expect(normalizeApiRecord({ message: 'no time in here' }, resource, NOW).timeUnixMs).toBe(NOW);
  });

  it('a syslog APP-NAME and HOSTNAME in the line are more specific than the resource', () => {
    const log = normalizeApiRecord(
      { message: '<14>1 2026-11-24T21:40:10.201Z mdso-dev market 3120 AUDIT [bp@32473 product_id="PROD-ETH-1G"] order submitted' },
      resource,
      NOW,
    );
    expect(log).toMatchObject({
      service: 'market',
      host: 'mdso-dev',
      env: 'prod',
      keys: { product_id: 'PROD-ETH-1G' },
      message: 'order submitted',
    });
  });

  it('a plain message with no parsable content', () => {
    expect(normalizeApiRecord({ message: 'hello world', severity: 'WARN' }, { service: 'beorn' }, NOW)).toMatchObject({
      service: 'beorn',
      env: undefined,
      host: undefined,
      message: 'hello world',
      severity: 'WARN',
      format: 'plain',
    });
  });
});

describe('a record that states its severity', () => {
  it('normalizes as if its line were parsed alone and the severity set after (any line, any value)', () => {
    fc.assert(
      fc.property(levelLines, fc.constantFrom('error', 'WARN', 'Info', '17', '3', 'nonsense', ''), (message, severity) => {
        const alone = normalizeApiRecord({ message }, resource, NOW);
        const stated = normalizeApiRecord({ message, severity }, resource, NOW);
        expect(stated).toEqual({ ...alone, severity: severityFromValue(severity) ?? alone.severity });
      }),
      { numRuns: 600 },
    );
  });
});
