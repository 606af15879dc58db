// Builds and starts the OpenTelemetry NodeSDK for a sense app. Imported by telemetry.ts only
// after the ESM hook is registered, so the instrumented modules load through it.

import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPLogExporter as OTLPLogExporterJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { BusinessKeysSpanProcessor } from '../business-keys/business-keys-span-processor.js';
import { defaultResourceAttributes, readPackageInfo, serviceNameFromPackage } from './resource.js';

export interface Telemetry {
  /** Flushes and stops the SDK; never rejects. */
  shutdown(): Promise<void>;
}

/**
 * Export delay in ms from a standard OTEL_*_SCHEDULE_DELAY variable. The SDK only reads these
 * when it builds the processors itself; we build them (to put BusinessKeysSpanProcessor
 * first), so we read them here. 1 s by default instead of the SDK's 5 s: the correlation
 * engine groups records in time windows and late spans would start a second window.
 */
export function scheduleDelayMs(raw: string | undefined): number {
  const value = Number(raw);
  return raw !== undefined && raw.trim() !== '' && Number.isFinite(value) && value >= 0 ? value : 1000;
}

// Health probes (compose, the demo) would otherwise make a trace every few seconds.
const isHealthProbe = (url: string | undefined): boolean => url === '/health' || url?.startsWith('/health?') === true;

export function startSdk(env: NodeJS.ProcessEnv, cwd: string): Telemetry {
  const pkg = readPackageInfo(cwd);
  // The exporters read OTEL_EXPORTER_OTLP_ENDPOINT themselves and append /v1/traces, /v1/logs.
  // http/protobuf is the default; http/json is honoured because it is a standard setting.
  const json = (env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim() === 'http/json';
  const traceExporter = json ? new OTLPTraceExporterJson() : new OTLPTraceExporterProto();
  const logExporter = json ? new OTLPLogExporterJson() : new OTLPLogExporterProto();

  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || serviceNameFromPackage(pkg),
    resource: resourceFromAttributes(defaultResourceAttributes(env, pkg)),
    // Order matters: the keys must be on the span before anything exports it.
    spanProcessors: [
      new BusinessKeysSpanProcessor(),
      new BatchSpanProcessor({ exporter: traceExporter, scheduledDelayMillis: scheduleDelayMs(env.OTEL_BSP_SCHEDULE_DELAY) }),
    ],
    logRecordProcessors: [
      new BatchLogRecordProcessor({ exporter: logExporter, scheduledDelayMillis: scheduleDelayMs(env.OTEL_BLRP_SCHEDULE_DELAY) }),
    ],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => isHealthProbe(req.url) }),
      new UndiciInstrumentation(),
      new ExpressInstrumentation(),
      // Registers itself on every Fastify instance through diagnostics_channel, so it needs no
      // module patching (works for ESM apps whatever the load order).
      new FastifyOtelInstrumentation({ registerOnInitialization: true, ignorePaths: '/health' }),
      new PinoInstrumentation(),
    ],
  });
  sdk.start();

  let stopping: Promise<void> | undefined;
  return {
    shutdown() {
      stopping ??= sdk.shutdown().catch((err: unknown) => {
        process.emitWarning(`telemetry: shutdown failed: ${(err as Error).message}`);
      });
      return stopping;
    },
  };
}
