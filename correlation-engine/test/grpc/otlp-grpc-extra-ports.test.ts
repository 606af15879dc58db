// ENGINE_OTLP_GRPC_EXTRA_PORTS: one receiver on several ports, so the gateway's load balancer (k8s
// or static resolver) can list one engine as several backends. Every port must be the same
// receiver (services, auth, pipeline); a bad list is refused at start by name; a port already taken
// fails the start without leaving the other ports bound.
import { createServer } from 'node:net';
import { status } from '@grpc/grpc-js';
import { freePorts } from '@obs/test-support/ports';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { bytes, hex, kvString, len, str } from '../fixtures/proto-writer.js';
import { metricValue, testApp } from '../helpers/app.js';
import { basicMetadata, closeClients, grpcCall } from '../helpers/grpc-client.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  closeClients();
  for (const a of apps.splice(0)) await a.close();
});

/** ExportTraceServiceRequest with one span of the given trace id. */
function oneSpan(traceId: string): Uint8Array {
  const span = len(2, [
    ...hex(1, traceId),
    ...hex(2, 'a0b1c2d3e4f50001'),
    ...str(5, 'provision'),
    ...kvString(9, 'circuit_id', 'CKT-PORTS'),
  ]);
  return bytes(len(1, [...len(1, kvString(1, 'service.name', 'beorn')), ...len(2, span)]));
}

/** Resolves once `port` can be listened on again (nothing holds it). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('OTLP/gRPC receiver on extra ports', () => {
  it('serves the same services, credentials and pipeline on every listed port', async () => {
    const [main, ...extra] = await freePorts(3);
    const app = await testApp({
      env: {
        HOST: '127.0.0.1',
        ENGINE_OTLP_GRPC_PORT: String(main),
        ENGINE_OTLP_GRPC_EXTRA_PORTS: extra.join(','),
        ENABLE_BASIC_AUTH: 'true',
        BASIC_AUTH_USER: 'otel',
        BASIC_AUTH_PASS: 's3cret-pass',
      },
    });
    apps.push(app);
    await app.ready();
    const ports = [main, ...extra] as number[];
    for (const [i, port] of ports.entries()) {
      const target = `127.0.0.1:${port}`;
      const request = oneSpan(`${String(i + 1).repeat(2)}`.repeat(16));
      expect((await grpcCall(target, 'traces', request)).error?.code).toBe(status.UNAUTHENTICATED);
      const ok = await grpcCall(target, 'traces', request, { metadata: basicMetadata('otel', 's3cret-pass'), gzip: i === 1 });
      expect(ok.error).toBeUndefined();
    }
    // One pipeline behind every port: each span counted once, in the one engine's counters.
    expect(await metricValue(app, 'correlation_records_received_total', { signal: 'traces', service: 'beorn' })).toBe(3);
    expect(await metricValue(app, 'grpc_server_handling_seconds_count', { grpc_method: 'traces', grpc_code: 'UNAUTHENTICATED' })).toBe(3);
  });

  it('fails the start when a listed port is taken, leaving the others free', async () => {
    const [main, extra, taken] = (await freePorts(3)) as [number, number, number];
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(taken, '127.0.0.1', resolve));
    try {
      const app = await testApp({
        env: { HOST: '127.0.0.1', ENGINE_OTLP_GRPC_PORT: String(main), ENGINE_OTLP_GRPC_EXTRA_PORTS: `${extra},${taken}` },
      });
      await expect(app.ready()).rejects.toThrow(
        `the OTLP/gRPC receiver cannot listen on 127.0.0.1:${taken} (ENGINE_OTLP_GRPC_EXTRA_PORTS)`,
      );
      await app.close();
      expect(await bindable(main)).toBe(true);
      expect(await bindable(extra)).toBe(true);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('reads ports and ranges, and refuses a list it cannot use, naming the variable', () => {
    expect(loadConfig({}).otlpGrpcExtraPorts).toEqual([]);
    expect(loadConfig({ ENGINE_OTLP_GRPC_PORT: '4317', ENGINE_OTLP_GRPC_EXTRA_PORTS: '4320-4323, 4330' }).otlpGrpcExtraPorts).toEqual([
      4320, 4321, 4322, 4323, 4330,
    ]);
    const refused =
      (extra: string, port = '4317') =>
      () =>
        loadConfig({ ENGINE_OTLP_GRPC_PORT: port, ENGINE_OTLP_GRPC_EXTRA_PORTS: extra });
    expect(refused('4320-4330', '')).toThrow(/ENGINE_OTLP_GRPC_EXTRA_PORTS: needs ENGINE_OTLP_GRPC_PORT/);
    expect(refused('4317,4320')).toThrow(/ENGINE_OTLP_GRPC_EXTRA_PORTS: names ENGINE_OTLP_GRPC_PORT \(4317\) again/);
    expect(refused('4320,4320')).toThrow(/ENGINE_OTLP_GRPC_EXTRA_PORTS: names a port twice/);
    expect(refused('4330-4320')).toThrow(/"4330-4320" is not a port or range within 1..65535/);
    expect(refused('0')).toThrow(/"0" is not a port or range/);
    expect(refused('70000')).toThrow(/"70000" is not a port or range/);
    expect(refused('5000-5100')).toThrow(/must name at most 64 ports/);
    expect(refused('4320;4321')).toThrow(/ENGINE_OTLP_GRPC_EXTRA_PORTS: must be ports or ranges separated by commas/);
  });
});
