// The real OpenTelemetry Collector (the gateway's build, .cache/bin/otelcol-obs from
// scripts/lib/ensure-otelcol.sh) with its otlp_http exporter pointed at <engine>/api/otlp, and
// with its otlp_grpc exporter pointed at the engine's OTLP/gRPC receiver (what the
// load_balancing exporter speaks), gzip on as in the gateway: the engine must take what the
// collector sends, unchanged, over either.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@obs/test-support/ports';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorrelationEvent } from '../../src/model/types.js';
import { sdkTraceWithChild } from '../fixtures/otlp-samples.js';
import { metricValue, testApp } from '../helpers/app.js';
import { eventually, listen } from '../helpers/listen.js';

const collectorBinary = join(import.meta.dirname, '../../../.cache/bin/otelcol-obs');
const haveCollector = existsSync(collectorBinary);
// Built by scripts/lib/ensure-otelcol.sh (bootstrap); CI must not pass without it.
if (!haveCollector && process.env.CI) throw new Error(`${collectorBinary} is missing: run scripts/bootstrap.sh`);

for (const exporter of ['otlp_http', 'otlp_grpc'] as const)
  describe.skipIf(!haveCollector)(`acceptance: OTel Collector ${exporter} exporter -> engine`, () => {
    let app: FastifyInstance;
    let collector: ChildProcess | undefined;
    let collectorLog = '';
    let dir: string;
    let collectorHttp: string;

    beforeAll(async () => {
      app = await testApp({ env: { CORR_WINDOW_SECONDS: '1.5', ...(exporter === 'otlp_grpc' ? { ENGINE_OTLP_GRPC_PORT: '0' } : {}) } });
      const engine = await listen(app);
      const exporterLines =
        exporter === 'otlp_http'
          ? ['  otlp_http/engine:', `    endpoint: ${engine}/api/otlp`, '    compression: gzip']
          : [
              '  otlp_grpc/engine:',
              `    endpoint: 127.0.0.1:${app.engine.state.otlpGrpcPort}`,
              '    tls: { insecure: true }',
              '    compression: gzip',
            ];
      const port = await freePort();
      collectorHttp = `http://127.0.0.1:${port}`;
      dir = mkdtempSync(join(tmpdir(), 'engine-otelcol-'));
      const config = join(dir, 'config.yaml');
      writeFileSync(
        config,
        [
          'receivers:',
          '  otlp:',
          '    protocols:',
          '      http:',
          `        endpoint: 127.0.0.1:${port}`,
          'exporters:',
          ...exporterLines,
          'service:',
          '  telemetry:',
          '    metrics:',
          '      level: none',
          '  pipelines:',
          `    traces: { receivers: [otlp], exporters: [${exporter}/engine] }`,
          `    logs: { receivers: [otlp], exporters: [${exporter}/engine] }`,
          `    metrics: { receivers: [otlp], exporters: [${exporter}/engine] }`,
          '',
        ].join('\n'),
      );
      collector = spawn(collectorBinary, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      collector.stdout?.on('data', (d) => {
        collectorLog += d;
      });
      collector.stderr?.on('data', (d) => {
        collectorLog += d;
      });
      await eventually(
        async () => {
          if (collector?.exitCode !== null) throw new Error(`collector exited:\n${collectorLog}`);
          try {
            const res = await fetch(`${collectorHttp}/v1/traces`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: '{"resourceSpans":[]}',
            });
            return res.ok ? true : undefined;
          } catch {
            return undefined;
          }
        },
        30_000,
        'the collector to listen',
      );
    }, 60_000);

    afterAll(async () => {
      if (collector && collector.exitCode === null) {
        const exited = new Promise((r) => collector?.once('exit', r));
        collector.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (collector.exitCode === null) collector.kill('SIGKILL');
      }
      await app?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('traces, logs and metrics relayed by the collector reach the correlator', async () => {
      const { spans, traceId } = await sdkTraceWithChild('CKT-COLLECTOR');
      const exporter = new OTLPTraceExporter({ url: `${collectorHttp}/v1/traces` });
      const result = await new Promise<{ code: number }>((resolve) => exporter.export(spans, resolve));
      expect(result.code).toBe(0);
      await exporter.shutdown();

      const logs = await fetch(`${collectorHttp}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceLogs: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: 'palantir' } }] },
              scopeLogs: [{ logRecords: [{ severityText: 'ERROR', body: { stringValue: 'downstream failed' }, traceId }] }],
            },
          ],
        }),
      });
      expect(logs.status).toBe(200);
      const metrics = await fetch(`${collectorHttp}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceMetrics: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: 'arda' } }] },
              scopeMetrics: [{ metrics: [{ name: 'up', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: '1' }] } }] }],
            },
          ],
        }),
      });
      expect(metrics.status).toBe(200);

      const [event] = await eventually(
        async () => {
          const list = (await app.inject(`/api/correlations?trace_id=${traceId}`)).json() as CorrelationEvent[];
          return list.length ? list : undefined;
        },
        15_000,
        `the correlation event (collector log:\n${collectorLog.slice(-2000)})`,
      );
      expect(event).toMatchObject({
        traceId,
        spanCount: 2,
        logCount: 1,
        errorCount: 1,
        services: ['beorn', 'palantir'],
        keys: { circuit_id: ['CKT-COLLECTOR'] },
      });
      await eventually(async () =>
        (await metricValue(app, 'correlation_records_received_total', { signal: 'metrics', service: 'arda' })) === 1 ? true : undefined,
      );
      // The collector saw no failure answers from the engine.
      expect(collectorLog).not.toMatch(/Exporting failed|permanent error/i);
    }, 60_000);
  });
